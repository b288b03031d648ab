"""Shipped pose / segmentation / depth / multi-task models with weights that make every fusion
and output visible."""
import pytest
import torch
from torch import nn

from micronet_dense.apis import init_model
from micronet_dense.deployment.onnx import unit_scale_random_weights
from micronet_dense.deployment.kernel_library import OperatorUnavailable
from micronet_dense.deployment.onnxruntime_operators import (INCLUDE_DIR_VARIABLE,
                                                             operator_library)
from micronet_dense.models.layers import SpatialSeparableConv

CONFIGS = {'pose': 'configs/pose/micronet_{}_coco.py', 'seg': 'configs/seg/micronet_{}_cityscapes.py',
           'depth': 'configs/depth/micronet_{}_cityscapes_depth.py',
           'multitask': 'configs/multitask/micronet_{}_cityscapes_seg_depth.py'}


@pytest.fixture(scope='session')
def build_model():
    """``build_model(task, arch)``: the shipped config's model with random BN statistics and affine
    parameters (so folding them changes the convs) and outputs of unit scale (a fresh pose head's
    would make any difference tiny): :func:`unit_scale_random_weights`."""
    def build(task: str, arch: str) -> nn.Module:
        torch.manual_seed(0)
        return unit_scale_random_weights(init_model(CONFIGS[task].format(arch)), (64, 48))
    return build


@pytest.fixture(scope='session')
def library():
    """The project's onnxruntime operator library; skips the test where it cannot be built."""
    try:
        return operator_library()
    except OperatorUnavailable as err:
        pytest.skip(f'{err} (set ${INCLUDE_DIR_VARIABLE} to run this test)')


@pytest.fixture(scope='session')
def fused_separable():
    """``fused_separable(in_channels, mid, out, kernel, stride, dilation, groups, seed)``: a
    :class:`SpatialSeparableConv` with random BN statistics, fused (both convs with bias)."""
    def build(in_channels, mid, out, kernel, stride, dilation, groups, seed):
        torch.manual_seed(seed)
        conv = SpatialSeparableConv(in_channels, mid, out, kernel, stride, groups, dilation).eval()
        for bn in (conv.bn_kx1, conv.bn_1xk):
            nn.init.normal_(bn.weight, 1, 0.3)
            nn.init.normal_(bn.bias, 0, 0.5)
        conv.switch_to_deploy()
        return conv
    return build
