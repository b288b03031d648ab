"""DepthHead: shapes at the MR-ASPP strides, positive output, initial depth, Micro-Factorized
convs."""
import pytest
import torch

from micronet_dense.models.heads import DepthHead
from micronet_dense.models.layers import MicroFactorizedPointwise, SpatialSeparableConv
from micronet_dense.registry import MODELS


def test_stride_8_positive_output_from_micronet_features():
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='MicroNet', arch='m0', out_indices=(2, 4),
                                 strides=(2, 2, 2, 2, 1)))
    head = MODELS.build(dict(type='DepthHead', in_channels=(12, 384), channels=16,
                             mid_channels=16, groups=4))
    low, high = backbone(torch.randn(2, 3, 64, 96))
    assert low.shape[-2:] == (8, 12) and high.shape[-2:] == (4, 6)
    depth = head((low * 50, high * 50))  # large activations: still positive
    assert depth.shape == (2, 1, 8, 12)
    assert (depth > 0).all()


@pytest.mark.parametrize('init_depth', [0.5, 10.0, 80.0])
def test_a_zero_feature_predicts_the_initial_depth(init_depth):
    head = DepthHead(in_channels=(4, 8), channels=8, mid_channels=8, groups=2,
                     init_depth=init_depth).eval()
    depth = head((torch.zeros(1, 4, 3, 5), torch.zeros(1, 8, 2, 3)))
    torch.testing.assert_close(depth, torch.full((1, 1, 3, 5), init_depth), rtol=1e-5, atol=1e-5)


def test_uses_micro_factorized_convs_and_rejects_a_bad_initial_depth():
    head = DepthHead(in_channels=(4, 8), channels=8, mid_channels=8, groups=2)
    assert isinstance(head.aspp, MicroFactorizedPointwise)
    assert isinstance(head.refine, SpatialSeparableConv)
    assert head.refine.conv_kx1.groups == head.refine.conv_1xk.groups == 8  # depthwise
    with pytest.raises(ValueError, match='init_depth must be > 0'):
        DepthHead(in_channels=(4, 8), init_depth=0)
