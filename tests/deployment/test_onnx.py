"""ONNX export: onnxruntime reproduces PyTorch, with a dynamic batch axis."""
import numpy as np
import onnx
import pytest
import torch

from micronet_dense.deployment.onnx import export_onnx, ort_session

CASES = [('pose', (128, 96), 'heatmaps', (17, 32, 24)), ('seg', (128, 256), 'logits', (19, 128, 256))]


@pytest.mark.parametrize('fast', [False, True], ids=['eager', 'fast'])
@pytest.mark.parametrize('task, shape, name, out_shape', CASES, ids=[c[0] for c in CASES])
def test_onnxruntime_matches_pytorch(build_model, tmp_path, task, shape, name, out_shape, fast):
    model = build_model(task, 'm0')
    path = tmp_path / 'model.onnx'
    diff, nodes = export_onnx(model, str(path), shape, fast=fast)
    graph = onnx.load(str(path)).graph
    assert [o.name for o in graph.output] == [name] and len(graph.node) == nodes
    assert diff <= 1e-4
    # A batch of three, neither the export's one nor the built-in check's two.
    x = torch.randn(3, 3, *shape, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = model(x, mode='tensor').numpy()
    actual = ort_session(str(path)).run(None, {'input': x.numpy()})[0]
    assert actual.shape == (3, *out_shape)
    assert np.abs(expected).max() > 0.1
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-4)


def test_fused_export_has_fewer_nodes(build_model, tmp_path):
    model = build_model('pose', 'm0')
    _, eager_nodes = export_onnx(model, str(tmp_path / 'eager.onnx'), (64, 48))
    _, fast_nodes = export_onnx(model, str(tmp_path / 'fast.onnx'), (64, 48), fast=True)
    assert fast_nodes < 0.6 * eager_nodes


def test_failed_parity_writes_nothing(build_model, tmp_path):
    path = tmp_path / 'model.onnx'
    with pytest.raises(RuntimeError, match='not written'):
        export_onnx(build_model('pose', 'm0'), str(path), (64, 48), atol=-1.0)
    assert list(tmp_path.iterdir()) == []


def test_parity_gate_is_relative_to_the_output_scale(monkeypatch, build_model, tmp_path):
    # A fresh pose model's heatmaps are ~1e-20: a difference as large as the outputs themselves
    # would pass --atol, not this gate.
    monkeypatch.setattr('micronet_dense.deployment.onnx.onnx_max_abs_diff',
                        lambda path, model, inputs: (1e-20, 2.6e-20))
    with pytest.raises(RuntimeError, match=r'more than 0.001 of the largest output 2.6e-20'):
        export_onnx(build_model('pose', 'm0'), str(tmp_path / 'model.onnx'), (64, 48))
    assert list(tmp_path.iterdir()) == []


def test_export_tool_without_weights_checks_unit_scale_outputs(tmp_path, monkeypatch, capsys):
    import json
    import runpy
    import sys
    out = tmp_path / 'pose.onnx'
    monkeypatch.setattr(sys, 'argv', ['export_onnx.py', 'configs/pose/micronet_m0_coco.py', 'none',
                                      str(out), '--shape', '64', '48'])
    runpy.run_path('tools/deployment/export_onnx.py', run_name='__main__')
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    x = torch.randn(2, 3, 64, 48, generator=torch.Generator().manual_seed(3))
    heatmaps = ort_session(str(out)).run(None, {'input': x.numpy()})[0]
    assert 0.1 < np.abs(heatmaps).max() < 10  # fresh weights: ~1e-20
    assert summary['max_abs_diff'] <= 1e-4


@pytest.mark.parametrize('fast', [False, True], ids=['eager', 'fast'])
@pytest.mark.parametrize('arch', ['m0', 'm3'])
def test_multi_task_model_has_one_named_output_per_task_matching_pytorch(build_model, tmp_path,
                                                                        arch, fast):
    model = build_model('multitask', arch)
    path = tmp_path / 'model.onnx'
    diff, _ = export_onnx(model, str(path), (64, 128), fast=fast)
    assert [o.name for o in onnx.load(str(path)).graph.output] == ['seg', 'depth']
    assert diff <= 1e-4
    x = torch.randn(3, 3, 64, 128, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = model(x, mode='tensor')
    actual = dict(zip(['seg', 'depth'], ort_session(str(path)).run(None, {'input': x.numpy()})))
    assert actual['seg'].shape == (3, 19, 64, 128) and actual['depth'].shape == (3, 1, 64, 128)
    for name in ('seg', 'depth'):
        assert np.abs(expected[name].numpy()).max() > 0.1
        np.testing.assert_allclose(actual[name], expected[name].numpy(), rtol=0, atol=1e-4)
