"""MicroNet operators on small hand-checked tensors."""
import pytest
import torch

from micronet_dense.models.backbones import MicroNet
from micronet_dense.models.layers import DynamicShiftMax, channel_shuffle, shift_index
from micronet_dense.models.layers.dynamic_shift_max import ShiftMaxFunction


def test_shift_index_rolls_the_groups_then_inside_each_group():
    assert shift_index(12, 3).tolist() == [5, 6, 7, 4, 9, 10, 11, 8, 1, 2, 3, 0]


def test_channel_shuffle_interleaves_groups():
    x = torch.arange(6.0).view(1, 6, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    # G = C/2 puts the even channels first, then the odd ones.
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


def _dsm_with_coefficients(theta):
    """A C=12, G=3, K=2 layer whose hyper-function outputs the constant ``theta`` (4, 12)."""
    dsm = DynamicShiftMax(12, reduction=4, num_fusions=2, groups=3, init_a=(1.0, 0.5),
                          init_b=(0.0, 0.5))
    with torch.no_grad():
        dsm.fc1.weight.zero_()
        dsm.fc2.weight.zero_()
        # h_sigmoid(b) = (b + 3) / 6 on (-3, 3), so θ = ((b + 3)/6 - 0.5) · 4 = 2b/3.
        dsm.fc2.bias.copy_(torch.as_tensor(theta).flatten() * 1.5)
    return dsm


def test_dynamic_shift_max_by_hand():
    theta = torch.linspace(-1.0, 1.0, 48).view(4, 12)
    dsm = _dsm_with_coefficients(theta)
    x = torch.randn(2, 12, 3, 2)
    idx = [5, 6, 7, 4, 9, 10, 11, 8, 1, 2, 3, 0]
    a1, b1, a2, b2 = (theta[i].view(1, 12, 1, 1) for i in range(4))
    a1, b1, a2, b2 = a1 + 1.0, b1 + 0.0, a2 + 0.5, b2 + 0.5
    xs = x[:, idx]
    expected = torch.max(a1 * x + b1 * xs, a2 * x + b2 * xs)
    torch.testing.assert_close(dsm(x), expected, rtol=0, atol=1e-6)


def test_dynamic_shift_max_k1_is_linear():
    dsm = DynamicShiftMax(8, reduction=4, num_fusions=1, groups=2)
    with torch.no_grad():
        dsm.fc1.weight.zero_()
        dsm.fc2.weight.zero_()
        dsm.fc2.bias.copy_(torch.cat([torch.full((8,), 0.3), torch.full((8,), -0.6)]))
    x = torch.randn(1, 8, 2, 2)
    xs = x[:, shift_index(8, 2)]
    torch.testing.assert_close(dsm(x), (1 + 0.2) * x - 0.4 * xs, rtol=0, atol=1e-6)


@pytest.mark.parametrize('num_fusions', [1, 2])
def test_shift_max_backward_matches_autograd(num_fusions):
    # The hand-written backward against autograd through the plain operations, in float64.
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 12, 4, 5, dtype=torch.float64, generator=generator, requires_grad=True)
    coef = torch.randn(3, 2 * num_fusions, 12, 1, 1, dtype=torch.float64, generator=generator,
                       requires_grad=True)
    index = shift_index(12, 3)
    assert torch.autograd.gradcheck(
        lambda x, coef: ShiftMaxFunction.apply(x, coef, index, torch.argsort(index)), (x, coef))
    xs = x[:, index]
    fusions = [coef[:, 2 * k] * x + coef[:, 2 * k + 1] * xs for k in range(num_fusions)]
    expected = fusions[0] if num_fusions == 1 else torch.maximum(*fusions)
    grad = torch.randn(expected.shape, dtype=torch.float64, generator=generator)
    want = torch.autograd.grad(expected, (x, coef), grad)
    got = torch.autograd.grad(ShiftMaxFunction.apply(x, coef, index, torch.argsort(index)),
                              (x, coef), grad)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=0, atol=1e-12)


def test_dynamic_shift_max_training_and_inference_paths_agree():
    dsm = DynamicShiftMax(24, reduction=4, num_fusions=2, groups=4, init_a=(1.0, 0.5),
                          init_b=(0.3, -0.2))
    x = torch.randn(2, 24, 3, 3)
    with torch.no_grad():
        expected = dsm(x)
    torch.testing.assert_close(dsm(x.requires_grad_()), expected, rtol=0, atol=0)


def test_squeeze_width_rule():
    # C=384, reduction 16 -> 24; C=16, reduction 8 -> 2 -> raised to 4 (the official code's rule).
    assert DynamicShiftMax(384, 16, 1, 12).fc1.out_features == 24
    assert DynamicShiftMax(16, 8, 1, 4).fc1.out_features == 4
    assert DynamicShiftMax(144, 8, 2, 6).fc1.out_features == 20


def _k2_layers(model):
    return [m for m in model.modules() if isinstance(m, DynamicShiftMax) and m.num_fusions == 2]


def test_k2_layers_are_identity_at_init_for_m0_to_m2():
    for arch in ('m0', 'm1', 'm2'):
        for dsm in _k2_layers(MicroNet(arch)):
            x = torch.randn(2, dsm.channels, 4, 4)
            # FCs start at N(0, 0.01): coefficients are within ~1e-2 of (1, 0, 1, 0).
            torch.testing.assert_close(dsm(x), x, rtol=0, atol=0.1)
            with torch.no_grad():
                dsm.fc2.weight.zero_()
            torch.testing.assert_close(dsm(x), x, rtol=0, atol=1e-6)


def test_m3_k2_layers_start_as_max_of_x_and_shift_mix():
    dsm = _k2_layers(MicroNet('m3'))[0]
    with torch.no_grad():
        dsm.fc2.weight.zero_()
    x = torch.randn(1, dsm.channels, 3, 3)
    expected = torch.max(x, 0.5 * x + 0.5 * x[:, dsm.index])
    torch.testing.assert_close(dsm(x), expected, rtol=0, atol=1e-6)


def test_layer_counts_match_the_official_models():
    # Number of K=2 / K=1 Dynamic Shift-Max layers, counted on the official modules.
    counts = {'m0': (8, 7), 'm1': (8, 7), 'm2': (12, 9), 'm3': (11, 0)}
    for arch, (k2, k1) in counts.items():
        layers = [m for m in MicroNet(arch).modules() if isinstance(m, DynamicShiftMax)]
        assert sum(m.num_fusions == 2 for m in layers) == k2
        assert sum(m.num_fusions == 1 for m in layers) == k1


def test_residuals_where_the_official_models_have_them():
    expected = {'m0': [], 'm1': [], 'm2': [5], 'm3': [3, 5, 8, 10]}
    for arch, rows in expected.items():
        blocks = MicroNet(arch).blocks
        assert [i + 1 for i, b in enumerate(blocks) if b.use_residual] == rows
