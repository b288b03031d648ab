"""The compiled inference path computes what the eager model computes."""
import functools
import os

import pytest
import torch
from torch._dynamo.utils import counters
from mmengine.structures import BaseDataElement

from micronet_dense.apis import MicroNetInferencer
from micronet_dense.deployment import compile_model
from micronet_dense.deployment.benchmark import benchmark
from micronet_dense.deployment.torch_operators import KernelDepthwise, KernelShiftMax

SHAPE = (2, 3, 64, 48)


def _compiled_children(model):
    return [name for name, child in model.named_children()
            if getattr(child, '_compiled_call_impl', None) is not None]


def test_compiled_model_runs_the_fused_network_compiled(build_model):
    # The 'eager' backend captures the graphs without generating code: the wiring, in seconds.
    model = build_model('pose', 'm0')
    compiled, seconds = compile_model(model, SHAPE, backend='eager')
    assert seconds > 0
    assert _compiled_children(compiled) == ['backbone', 'head']
    # The fusions and the depthwise conv pairs run as the project's operators.
    assert any(isinstance(m, KernelShiftMax) for m in compiled.modules())
    assert any(isinstance(m, KernelDepthwise) for m in compiled.modules())
    without, _ = compile_model(model, SHAPE, backend='eager', operators=False)
    assert not any(isinstance(m, (KernelShiftMax, KernelDepthwise)) for m in without.modules())
    x = torch.randn(*SHAPE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x, mode='tensor')
        actual = compiled(x, mode='tensor')
        # Another batch size and the predict mode run through the same compiled modules.
        one = compiled(x[:1], mode='tensor')
        samples = [BaseDataElement(metainfo=dict(
            flip_indices=list(range(17)), input_size=(48, 64), input_center=(24.0, 32.0),
            input_scale=(48.0, 64.0))) for _ in range(2)]
        predicted = compiled(x, samples, mode='predict')
    assert expected.abs().max() > 0.1
    torch.testing.assert_close(actual, expected, rtol=0, atol=3e-5 * expected.abs().max())
    torch.testing.assert_close(one, actual[:1], rtol=0, atol=1e-5)
    assert predicted[0].pred_instances.keypoints.shape == (1, 17, 2)
    with pytest.raises(ValueError, match='unknown compile backend'):
        compile_model(model, SHAPE, backend='tvm')


def test_inferencer_and_benchmark_select_the_compiled_model(monkeypatch, build_model):
    eager_backend = functools.partial(compile_model, backend='eager')
    monkeypatch.setattr('micronet_dense.apis.inferencer.compile_model', eager_backend)
    monkeypatch.setattr('micronet_dense.deployment.benchmark.compile_model', eager_backend)
    inferencer = MicroNetInferencer('configs/pose/micronet_m0_coco.py', compile=True)
    assert inferencer.compile_seconds > 0
    assert _compiled_children(inferencer.model) == ['backbone', 'head']
    assert MicroNetInferencer('configs/pose/micronet_m0_coco.py').compile_seconds is None
    stats = benchmark(build_model('pose', 'm0'), [('torch-compiled', True), ('torch', False)],
                      shape=(64, 48), warmup=0, iters=2)
    assert set(stats) == {'torch-compiled', 'torch'}
    assert stats['torch-compiled']['compile_s'] > 0 and 'compile_s' not in stats['torch']


# Inductor generates and builds C++ for every layer: about two minutes on two cores, too slow for
# every run of the suite. Run it with MICRONET_SLOW_TESTS=1.
@pytest.mark.skipif(not os.environ.get('MICRONET_SLOW_TESTS'),
                    reason='inductor compilation takes minutes; set MICRONET_SLOW_TESTS=1')
@pytest.mark.parametrize('task', ['pose', 'seg'])
def test_inductor_compiled_model_matches_eager(build_model, task):
    model = build_model(task, 'm0')
    shape = SHAPE if task == 'pose' else (1, 3, 64, 128)
    counters.clear()
    compiled, _ = compile_model(model, shape)
    # Frozen: every convolution's weights became a constant packed for oneDNN (without freezing in
    # effect during tracing they stay graph inputs and none is packed); the depthwise conv pairs
    # run as the project's operator instead.
    convolutions = sum(isinstance(m, torch.nn.Conv2d) for m in compiled.modules()) - 2 * sum(
        isinstance(m, KernelDepthwise) for m in compiled.modules())
    assert counters['inductor']['mkldnn_conv_weight_pack_matcher_count'] == convolutions
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, actual = model(x, mode='tensor'), compiled(x, mode='tensor')
    assert expected.abs().max() > 0.1
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-4 * max(1.0, expected.abs().max()))
