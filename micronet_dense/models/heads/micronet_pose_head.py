"""The MicroNet top-down pose head (arXiv 2108.05894 §6.3, arXiv 2011.12289 appendix): bilinear
upsampling, Micro-Blocks (one at stride 8, two at stride 4) each followed by DY-ReLU spatial
attention, and a pointwise conv to the keypoint heatmaps."""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from micronet_dense.registry import MODELS

from ..layers import ActivationConfig, MicroBlock, MicroBlockConfig, SpatialAttention

# onnxruntime spends about as long on one output element of a bilinear ×2 upsampling as on this
# many multiply-adds of a grouped 1×1 conv (measured on x86 CPUs); it decides where the inference
# form runs a block's expand conv.
RESIZE_COST_MADDS = 48


def _upsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    if factor == 1:
        return x
    return F.interpolate(x, scale_factor=factor, mode='bilinear', align_corners=False)


@MODELS.register_module()
class MicroNetPoseHead(BaseModule):
    """Heatmap head.

    Args:
        in_channels: channels of the backbone's stride-16 feature.
        blocks: one row per Micro-Block, ``(upsample, hidden, out, kernel, g1, g2, g3, g4, y1, y2,
            y3, r)``: bilinear ×upsample before the block, then a B/C Micro-Block (expand group
            conv C_in → hidden with g1 groups, act y1 with g2 shift groups, k×1/1×k depthwise, act y2,
            compress group conv → out with g3 groups, act y3 with g4 groups; r scales the Dynamic
            Shift-Max reduction 8).
        num_keypoints: heatmap channels.
        init_a, init_b: initial offsets of the K=2 Dynamic Shift-Max layers.
        spatial_attention: gate every block's output with DY-ReLU spatial attention.
        heatmap_upsample: bilinear ×factor of the heatmaps after the final 1×1 conv (the two
            commute), for heatmaps finer than the last block at no per-pixel block cost.

    Shapes: (B, in_channels, H/16, W/16) -> (B, num_keypoints, H/16·Πupsample, W/16·Πupsample),
    Π including ``heatmap_upsample``.
    """

    def __init__(self, in_channels: int, blocks: Sequence[Tuple[int, ...]], num_keypoints: int = 17,
                 init_a: Tuple[float, float] = (1.0, 1.0), init_b: Tuple[float, float] = (0.0, 0.0),
                 spatial_attention: bool = True, heatmap_upsample: int = 1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.heatmap_upsample = heatmap_upsample
        act = ActivationConfig(init_a=tuple(init_a), init_b=tuple(init_b))
        self.upsample = [row[0] for row in blocks]
        self.blocks = nn.ModuleList()
        self.attentions = nn.ModuleList()
        # The inference form may run a block's expand conv here, before the upsampling.
        self.before_upsample = nn.ModuleList(nn.Identity() for _ in blocks)
        channels = in_channels
        for _, hidden, out, k, g1, g2, g3, g4, y1, y2, y3, r in blocks:
            cfg = MicroBlockConfig(1, out, k, 1, 1, g1, g2, g3, g4, y1, y2, y3, r)
            block = MicroBlock(channels, cfg, act, hidden_channels=hidden)
            self.blocks.append(block)
            self.attentions.append(SpatialAttention(out) if spatial_attention else nn.Identity())
            channels = out
        self.final = nn.Conv2d(channels, num_keypoints, 1)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.001 if m is self.final else
                                (2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)) ** 0.5)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = feats[-1]
        stages = zip(self.upsample, self.before_upsample, self.blocks, self.attentions)
        for factor, before, block, attention in stages:
            x = attention(block(_upsample(before(x), factor)))
        return _upsample(self.final(x), self.heatmap_upsample)

    def switch_to_deploy(self) -> None:
        """The inference form, in place (eval only): the blocks and attentions in theirs, and a
        block's expand conv before the upsampling where that is cheaper. A 1×1 conv with bias
        commutes with bilinear interpolation, whose weights sum to one; run first it costs
        1/factor² of its multiply-adds, while the upsampling then resizes its output channels
        instead of its input channels."""
        for i, (factor, block, attention) in enumerate(zip(self.upsample, self.blocks,
                                                           self.attentions)):
            block.switch_to_deploy()
            if isinstance(attention, SpatialAttention):
                attention.switch_to_deploy()
            conv = block.expand.conv
            saved_madds = (1 - 1 / factor**2) * conv.in_channels * conv.out_channels / conv.groups
            added_resize = conv.out_channels - conv.in_channels
            if factor > 1 and saved_madds > RESIZE_COST_MADDS * added_resize:
                self.before_upsample[i], block.expand = block.expand, nn.Identity()
