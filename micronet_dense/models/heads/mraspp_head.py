"""MR-ASPP segmentation head (arXiv 2011.12289): MobileNetV3's Lite R-ASPP with Micro-Factorized
pointwise convs in place of its 1×1 convs."""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from micronet_dense.registry import MODELS

from ..layers import MicroFactorizedPointwise


@MODELS.register_module()
class MRASPPHead(BaseModule):
    """LR-ASPP (torchvision semantics) with Micro-Factorized pointwise convs.

    high (stride 16) → MF-pointwise → BN → ReLU, gated by sigmoid(1×1 conv(GAP(high))) (the
    attention branch, kept as a plain conv: it runs on a 1×1 map), bilinear ×2 to the low (stride 8)
    feature, then class logits = classifier(low) + classifier(x). The two classifiers stay plain
    1×1 convs: their 19 outputs leave no room for a group-conv bottleneck, and together they cost
    ~0.17G of the ~0.5G head at 1024×2048.

    Args:
        in_channels: (low, high) channels, i.e. backbone stages 2 and 4 at strides 8 and 16.
        channels: width of the ASPP branch.
        mid_channels, groups: bottleneck width and G of the MF-pointwise conv.
        num_classes: logits.

    Shapes: ((B, C_low, H/8, W/8), (B, C_high, H/16, W/16)) -> (B, num_classes, H/8, W/8).
    """

    def __init__(self, in_channels: Tuple[int, int], channels: int = 128, mid_channels: int = 64,
                 groups: int = 4, num_classes: int = 19, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        low_channels, high_channels = in_channels
        self.aspp = MicroFactorizedPointwise(high_channels, channels, mid_channels, groups)
        self.attention = nn.Conv2d(high_channels, channels, 1, bias=False)
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(channels, num_classes, 1)

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        low, high = feats
        x = F.relu(self.aspp(high)) * torch.sigmoid(self.attention(F.adaptive_avg_pool2d(high, 1)))
        x = F.interpolate(x, size=low.shape[-2:], mode='bilinear', align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)
