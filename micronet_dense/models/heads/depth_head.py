"""Monocular depth head on the MR-ASPP inputs (strides 8 and 16) with Micro-Factorized convs
(MicroNet, arXiv 2108.05894; LR-ASPP layout of MobileNetV3, arXiv 1905.02244)."""
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from micronet_dense.registry import MODELS

from ..layers import GroupPointwiseConv, MicroFactorizedPointwise, SpatialSeparableConv


@MODELS.register_module()
class DepthHead(BaseModule):
    """Positive depth in metres at stride 8.

    high (stride 16) → Micro-Factorized pointwise → ReLU, gated by sigmoid(1×1 conv(GAP(high)))
    (the LR-ASPP branch of :class:`MRASPPHead`), bilinear ×2 to the low (stride 8) feature, plus a
    1×1 conv + BN projection of low, → ReLU → Micro-Factorized depthwise 3×3 (3×1 then 1×3, for
    the spatial context a per-pixel regressor lacks) → ReLU → 1×1 conv → softplus. Unlike class
    logits, depth is not blended from two 1×1 outputs, so the features are fused before the
    regressor. Softplus keeps the output positive and, unlike exp, grows linearly with large
    depths; its bias starts at ``softplus⁻¹(init_depth)``.

    Args:
        in_channels: (low, high) channels, i.e. backbone stages 2 and 4 at strides 8 and 16.
        channels: width of the fused features.
        mid_channels, groups: bottleneck width and G of the Micro-Factorized pointwise conv.
        init_depth: depth in metres that a zero feature predicts at initialisation.

    Shapes: ((B, C_low, H/8, W/8), (B, C_high, H/16, W/16)) -> (B, 1, H/8, W/8), > 0.
    """

    def __init__(self, in_channels: Tuple[int, int], channels: int = 64, mid_channels: int = 32,
                 groups: int = 4, init_depth: float = 10.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if init_depth <= 0:
            raise ValueError(f'DepthHead: init_depth must be > 0, got {init_depth}')
        low_channels, high_channels = in_channels
        self.aspp = MicroFactorizedPointwise(high_channels, channels, mid_channels, groups)
        self.attention = nn.Conv2d(high_channels, channels, 1, bias=False)
        self.low_projection = GroupPointwiseConv(low_channels, channels, groups=1)
        self.refine = SpatialSeparableConv(channels, channels, channels, 3,
                                           groups=(channels, channels))
        self.regressor = nn.Conv2d(channels, 1, 1)
        # softplus⁻¹(y) = log(exp(y) − 1) = y + log(1 − exp(−y)), stable for large y.
        nn.init.constant_(self.regressor.bias, init_depth + math.log(-math.expm1(-init_depth)))

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        low, high = feats
        x = F.relu(self.aspp(high)) * torch.sigmoid(self.attention(F.adaptive_avg_pool2d(high, 1)))
        x = F.interpolate(x, size=low.shape[-2:], mode='bilinear', align_corners=False)
        x = F.relu(self.refine(F.relu(x + self.low_projection(low))))
        return F.softplus(self.regressor(x))
