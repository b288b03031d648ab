"""MR-ASPP head: spatial attention gate, the paper's group rule, inference form, ONNX parity."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from micronet_dense.models.heads import MRASPPHead
from micronet_dense.models.layers import micro_factorized_groups


def _features(size, low_channels=12, high_channels=384, seed=0):
    """Backbone-like (stride 8, stride 16) features of an image of ``size`` (H, W)."""
    generator = torch.Generator().manual_seed(seed)
    h, w = size
    return (torch.randn(1, low_channels, h // 8, w // 8, generator=generator),
            torch.randn(1, high_channels, h // 16, w // 16, generator=generator))


def _head(**kwargs):
    torch.manual_seed(0)
    return MRASPPHead((12, 384), channels=64, mid_channels=64, **kwargs).eval()


def test_attention_gate_is_spatial_at_1024x2048():
    head = _head()
    _, high = _features((1024, 2048))
    high = high + torch.linspace(-2.0, 2.0, 128)  # a scene whose content changes along the width
    with torch.no_grad():
        gate = head.attention_gate(high)
        # 49×49 windows, stride (16, 20), on the 64×128 map: rows 0..48 and columns 20·j .. 20·j+48
        # for j = 0..3 ((64 - 49) // 16 + 1 = 1 row, (128 - 49) // 20 + 1 = 4 columns).
        windows = torch.stack([high[..., 0:49, 20 * j:20 * j + 49].mean((-2, -1))
                               for j in range(4)], -1)
        coarse = torch.sigmoid(head.attention(windows[..., None, :]))
    assert gate.shape == (1, 64, 64, 128)
    torch.testing.assert_close(gate[..., :, ::127], coarse[..., [0, -1]].expand(-1, -1, 64, -1))
    # A gate that changes along the width, one per position, not one per channel.
    assert (gate[..., 0, -1] - gate[..., 0, 0]).abs().max() > 0.1
    global_gate = _head(pool_kernel_size=None).attention_gate(high)
    assert global_gate.shape == (1, 64, 1, 1)


def test_window_larger_than_the_map_pools_it_whole():
    head = _head()
    _, high = _features((256, 512))  # a 16×32 map, smaller than the 49×49 window
    with torch.no_grad():
        gate = head.attention_gate(high)
        expected = torch.sigmoid(head.attention(high.mean((-2, -1), keepdim=True)))
    torch.testing.assert_close(gate, expected.expand_as(gate))
    assert head(_features((256, 512))).shape == (1, 19, 32, 64)


@pytest.mark.parametrize('bottleneck, widths, groups', [
    (64, (256,), 8),          # paper Table 1, M0 Micro-C 256/64: the official code's g = 8 = √64
    (64, (384,), 8),          # M1 Micro-C 384/64: g = 8
    (256, (576, 512), 16),    # the shipped heads: √256 = 16
    (192, (384, 256), 16),    # √192 ≈ 13.9; the divisors of gcd = 64 nearest are 16 and 8
    (6, (6,), 2),             # √6 ≈ 2.45: 2 is nearer than 3
])
def test_micro_factorized_groups_follow_the_square_root_rule(bottleneck, widths, groups):
    assert micro_factorized_groups(bottleneck, *widths) == groups


def test_groups_must_divide_the_widths():
    assert _head().aspp.groups == 8  # √64
    with pytest.raises(ValueError, match='mid_channels=64 is not divisible by groups=3'):
        MRASPPHead((12, 384), channels=66, mid_channels=64, groups=3)


def _randomise_batchnorm(module):
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5, generator=generator)
                m.running_var.uniform_(0.5, 2.0, generator=generator)
    return module


@pytest.mark.parametrize('size', [(1024, 2048), (128, 256)], ids=['spatial-gate', 'window-clipped'])
def test_inference_form_matches(size):
    head = _randomise_batchnorm(_head())
    feats = _features(size)
    with torch.no_grad():
        expected = head(feats)
        head.switch_to_deploy()
        actual = head(feats)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in head.modules())
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5 * expected.abs().max())


@pytest.mark.parametrize('size', [(1024, 2048), (128, 256)], ids=['spatial-gate', 'window-clipped'])
def test_onnx_export_of_the_gate_is_exact(tmp_path, size):
    pytest.importorskip('onnx')
    from micronet_dense.deployment.onnx import ort_session

    head = _randomise_batchnorm(_head())
    head.switch_to_deploy()
    feats = _features(size)
    path = str(tmp_path / 'head.onnx')
    torch.onnx.export(head, (feats,), path, dynamo=False, opset_version=17,
                      input_names=['low', 'high'], output_names=['logits'])
    with torch.no_grad():
        expected = head(feats).numpy()
    actual = ort_session(path).run(None, {'low': feats[0].numpy(), 'high': feats[1].numpy()})[0]
    assert np.abs(expected).max() > 0.1
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)
    # The exported pool is the 49×49 window (clipped to the map where it is smaller).
    import onnx
    pools = [n for n in onnx.load(path).graph.node if n.op_type == 'AveragePool']
    kernel = [list(a.ints) for a in pools[0].attribute if a.name == 'kernel_shape'][0]
    assert kernel == [min(49, size[0] // 16), min(49, size[1] // 16)]
