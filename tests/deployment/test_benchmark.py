"""Latency statistics and the interleaved timing loop."""
import pytest

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
