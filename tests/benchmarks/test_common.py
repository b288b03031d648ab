"""The benchmark row contract and the reference ratio."""
import pytest

from benchmarks import common


def test_reference_ratio_divides_times_and_multiplies_rates():
    # With a 4 ms reference: 10 ms is 2.5 references, 2 s is 500, 50 img/s is 0.2 img per reference.
    assert common.reference_ratio(common.make_row('a', 'b', 10.0, 'ms'), 4.0) == pytest.approx(2.5)
    assert common.reference_ratio(common.make_row('a', 'b', 2.0, 's'), 4.0) == pytest.approx(500.0)
    assert common.reference_ratio(common.make_row('a', 'b', 50.0, 'img/s'), 4.0) == pytest.approx(0.2)


def test_rows_outside_the_contract_are_refused():
    with pytest.raises(ValueError, match="unit 'fps'"):
        common.make_row('latency/x', 'setting', 1.0, 'fps')
    with pytest.raises(ValueError, match='lacks'):
        common.check_row(dict(benchmark='x', value=1.0, unit='ms'))


def test_reference_times_are_positive_and_add_up():
    ref = common.reference_times(threads=1, repeats=2)
    assert ref['conv1x1_ms'] > 0 and ref['depthwise3x3_ms'] > 0
    assert ref['reference_ms'] == pytest.approx(ref['conv1x1_ms'] + ref['depthwise3x3_ms'])


def test_benchmarked_models_compute_no_denormals():
    import torch

    from micronet_dense.models.tensor_output import TensorOutput
    model = common.shipped_model('pose', 'm0')
    activations = []
    hooks = [m.register_forward_hook(lambda module, args, output: activations.append(output))
             for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        heatmaps = TensorOutput(model)(torch.randn(1, 3, *common.PROBE_SHAPES['pose']))
    for hook in hooks:
        hook.remove()
    # A freshly initialised head outputs ~1e-34; these weights give unit-scale heatmaps and no
    # denormal float anywhere in the network.
    assert 0.3 < heatmaps.abs().max() <= 2.0
    tiny = torch.finfo(torch.float32).tiny
    assert all(not ((a != 0) & (a.abs() < tiny)).any() for a in activations
               if isinstance(a, torch.Tensor))
