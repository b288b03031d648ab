"""Latency statistics and the interleaved timing loop."""
import numpy as np
import pytest
import torch

from micronet_dense.deployment.benchmark import benchmark, latency_stats, time_interleaved


def test_latency_stats_by_hand():
    stats = latency_stats([ms / 1e3 for ms in range(1, 101)], batch_size=4)
    # Linear interpolation between order statistics: p50 of 1..100 is 50.5, p90 is 90.1.
    assert stats['p50_ms'] == pytest.approx(50.5)
    assert stats['p90_ms'] == pytest.approx(90.1)
    assert stats['p99_ms'] == pytest.approx(99.01)
    assert stats['mean_ms'] == pytest.approx(50.5)
    assert stats['throughput'] == pytest.approx(4 / 0.0505)
    assert stats['iters'] == 100


def test_runners_are_called_in_turn():
    calls = []
    stats = time_interleaved({'a': lambda: calls.append('a'), 'b': lambda: calls.append('b')},
                             warmup=1, iters=2, batch_size=1)
    assert calls == ['a', 'b'] * 3
    assert set(stats) == {'a', 'b'} and stats['a']['iters'] == 2


def test_benchmark_every_variant(build_model):
    variants = [('torch', False), ('torch', True), ('onnxruntime', False), ('onnxruntime', True)]
    results = benchmark(build_model('pose', 'm0'), variants, batch_size=2, shape=(64, 48),
                        warmup=0, iters=2)
    assert list(results) == ['torch', 'torch-fast', 'onnxruntime', 'onnxruntime-fast']
    assert all(r['p50_ms'] > 0 and r['throughput'] > 0 for r in results.values())
    with pytest.raises(ValueError, match='tensorrt'):
        benchmark(build_model('pose', 'm0'), [('tensorrt', False)])


def test_no_onnxruntime_session_exists_while_torch_is_timed(build_model, monkeypatch):
    from micronet_dense.deployment import benchmark as module
    events = []
    make_session, time_runners = module.onnxruntime_runner, module.time_interleaved
    monkeypatch.setattr(module, 'onnxruntime_runner',
                        lambda *args, **kwargs: events.append('session')
                        or make_session(*args, **kwargs))
    monkeypatch.setattr(module, 'time_interleaved',
                        lambda runners, *args: events.append(sorted(runners))
                        or time_runners(runners, *args))
    variants = [('onnxruntime', True), ('torch', False), ('torch', True)]
    results = benchmark(build_model('pose', 'm0'), variants, shape=(64, 48), warmup=0, iters=1)
    assert events == [['torch', 'torch-fast'], 'session', ['onnxruntime-fast']]
    assert list(results) == ['onnxruntime-fast', 'torch', 'torch-fast']  # in the asked order


class _DenormalProbe(torch.nn.Module):
    """Records, on each call, whether a denormal product is flushed to zero."""

    def __init__(self):
        super().__init__()
        self.flushed = []

    def forward(self, inputs, mode='tensor'):
        self.flushed.append(bool(torch.tensor([1e-39]).mul(1.0).item() == 0.0))
        return inputs


def test_timing_flushes_denormals_and_restores_them():
    probe = _DenormalProbe()
    benchmark(probe, [('torch', False)], shape=(4, 4), warmup=1, iters=2)
    # The warm-up call and the timed calls run with denormals flushed; afterwards they are back.
    assert probe.flushed == [True] * 3
    assert torch.tensor([1e-39]).mul(1.0).item() != 0.0


def test_timing_sessions_compute_no_denormals(tmp_path):
    onnx = pytest.importorskip('onnx')
    from onnx import TensorProto, helper

    from micronet_dense.deployment.benchmark import flush_denormal
    from micronet_dense.deployment.onnx import ort_session
    value = helper.make_tensor_value_info
    graph = helper.make_graph([helper.make_node('Mul', ['input', 'one'], ['output'])], 'times_one',
                              [value('input', TensorProto.FLOAT, [1])],
                              [value('output', TensorProto.FLOAT, [1])],
                              [helper.make_tensor('one', TensorProto.FLOAT, [1], [1.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    path = str(tmp_path / 'times_one.onnx')
    onnx.save(model, path)
    session = ort_session(path, threads=2, flush_denormal=True)
    # onnxruntime sets the flush mode on its own threads; the timing loop on the calling thread.
    assert session.get_session_options().get_session_config_entry(
        'session.set_denormal_as_zero') == '1'
    with flush_denormal():
        output = session.run(None, {'input': np.array([1e-39], dtype=np.float32)})[0]
    assert output[0] == 0.0
