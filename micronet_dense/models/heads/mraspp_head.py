"""MR-ASPP segmentation head (arXiv 2011.12289): MobileNetV3's Lite R-ASPP (Howard et al.,
ICCV 2019, arXiv 1905.02244) with Micro-Factorized pointwise convs in place of its 1×1 convs."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from micronet_dense.registry import MODELS

from ..layers import MicroFactorizedPointwise, micro_factorized_groups


@MODELS.register_module()
class MRASPPHead(BaseModule):
    """LR-ASPP with a Micro-Factorized pointwise conv.

    high (stride 16) → MF-pointwise → BN → ReLU, gated by the attention branch
    sigmoid(1×1 conv(avg pool(high))), bilinear ×2 to the low (stride 8) feature, then class
    logits = classifier(low) + classifier(x). The attention conv stays a plain conv (it runs on a
    map of a few cells); so do the two classifiers: their 19 outputs leave no room for a group-conv
    bottleneck.

    Three readings of the sources, each a choice here; the configs ship the first reading of each
    and the earlier head stays selectable:

    * **Spatial attention pooling** (``pool_kernel_size``, ``pool_stride``). arXiv 2011.12289: the
      head "applies spatial attention"; MobileNetV3's segmentation section, on the LR-ASPP it
      modifies: "we employ a large pooling kernel with a large stride (to save some computation)
      and only one 1×1 convolution in the module", drawn in its LR-ASPP figure as a 49×49 average
      pool with stride (16, 20) whose sigmoid gate is upsampled back (mmseg's ``LRASPPHead`` too).
      The window and stride are counted in cells of the stride-16 map, so they cover the same image
      area at every input size (784 pixels square, steps of 256×320 pixels): at 1024×2048 the
      64×128 map gives a 1×4 gate, and a position is gated by the context of a fixed-size window
      however large the image, as on the crops it was trained on. Where the map is smaller than
      the window, the window shrinks to the map (a global pool along that axis; 49 cells at
      stride 16 are a 769-pixel square, DeepLab's Cityscapes training crop, which such a window
      pools globally too). ``pool_kernel_size=None`` gives the global average pool of
      torchvision's ``lraspp.py`` (one gate per channel for the whole image).
    * **Dilated last stage** (the backbone's ``dilations``, set in the config). arXiv 2011.12289
      moves "all blocks with stride 32 to stride 16, similar to MobileNetV3", and MobileNetV3's
      segmentation section: "We apply atrous convolution to the last block of MobileNetV3 to
      extract denser features": the configs dilate that stage's depthwise convs by 2 (no MAdds),
      so its receptive field grows as it would have with the stride.
    * **Group count** (``groups``). MicroNet (arXiv 2108.05894, Eq. 3) ties the number of groups
      to the bottleneck, G = √(C/R), "the integer closest to" it, and its Table 3a finds that rule
      better than any fixed G (51.7 vs 50.7 top-1 for G = 4). ``groups=None`` applies it to
      ``mid_channels`` (:func:`micro_factorized_groups`); an int fixes G.

    Args:
        in_channels: (low, high) channels, i.e. backbone stages 2 and 4 at strides 8 and 16.
        channels: width of the ASPP branch.
        mid_channels: bottleneck width (C/R) of the MF-pointwise conv.
        groups: G of the MF-pointwise conv; None for the paper's √(C/R) rule.
        pool_kernel_size: (h, w) window of the attention's average pool in stride-16 cells, or None
            for a global average pool.
        pool_stride: (h, w) stride of that pool in stride-16 cells.
        num_classes: logits.

    Shapes: ((B, C_low, H/8, W/8), (B, C_high, H/16, W/16)) -> (B, num_classes, H/8, W/8).
    """

    def __init__(self, in_channels: Tuple[int, int], channels: int = 512, mid_channels: int = 256,
                 groups: Optional[int] = None,
                 pool_kernel_size: Optional[Sequence[int]] = (49, 49),
                 pool_stride: Sequence[int] = (16, 20), num_classes: int = 19,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        low_channels, high_channels = in_channels
        if groups is None:
            groups = micro_factorized_groups(mid_channels, high_channels, channels)
        for name, width in (('in_channels[1]', high_channels), ('mid_channels', mid_channels),
                            ('channels', channels)):
            if width % groups:
                raise ValueError(f'MRASPPHead: {name}={width} is not divisible by groups={groups}')
        self.pool_kernel_size = None if pool_kernel_size is None else tuple(pool_kernel_size)
        self.pool_stride = tuple(pool_stride)
        # The inference form applies the high classifier before the upsampling (switch_to_deploy).
        self.classify_before_upsample = False
        self.aspp = MicroFactorizedPointwise(high_channels, channels, mid_channels, groups)
        self.attention = nn.Conv2d(high_channels, channels, 1, bias=False)
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(channels, num_classes, 1)

    def attention_gate(self, high: torch.Tensor) -> torch.Tensor:
        """The attention branch: (B, C_high, h, w) -> gate in [0, 1], (B, channels, h', w') with
        (h', w') = (1, 1) for the global pool and (h, w) otherwise."""
        if self.pool_kernel_size is None:
            return torch.sigmoid(self.attention(F.adaptive_avg_pool2d(high, 1)))
        # Python ints: a pooling window is a constant of an exported graph (fixed H and W).
        h, w = (int(size) for size in high.shape[-2:])
        kernel = (min(self.pool_kernel_size[0], h), min(self.pool_kernel_size[1], w))
        gate = torch.sigmoid(self.attention(F.avg_pool2d(high, kernel, self.pool_stride)))
        return F.interpolate(gate, size=high.shape[-2:], mode='bilinear', align_corners=False)

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        low, high = feats
        x = F.relu(self.aspp(high)) * self.attention_gate(high)
        if self.classify_before_upsample:
            x = self.high_classifier(x)
        x = F.interpolate(x, size=low.shape[-2:], mode='bilinear', align_corners=False)
        if not self.classify_before_upsample:
            x = self.high_classifier(x)
        return self.low_classifier(low) + x

    def switch_to_deploy(self) -> None:
        """The inference form, in place (eval only): the MF-pointwise conv's BNs fold, and the high
        classifier runs before the upsampling — a 1×1 conv commutes with bilinear interpolation,
        whose weights sum to one — so ``num_classes`` channels are upsampled instead of
        ``channels``."""
        self.aspp.switch_to_deploy()
        self.classify_before_upsample = True
