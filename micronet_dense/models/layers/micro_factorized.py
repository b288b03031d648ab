"""Micro-Factorized convolutions of MicroNet (arXiv 2108.05894, §3).

* :class:`SpatialSeparableConv`: a k×1 conv followed by a 1×k conv, each with BN and no activation
  in between. With ``groups = in_channels`` it is the Micro-Factorized *depthwise* conv; with a full
  first conv it is the MicroNet stem.
* :class:`GroupPointwiseConv`: a 1×1 group conv + BN. The Micro-Factorized *pointwise* conv is a
  compress group conv, a channel shuffle and an expand group conv; MicroNet's official code splits
  that pair across two consecutive blocks (official repository, issues #8 and #15), so the
  blocks hold the group convs one by one.
"""
import torch
from torch import nn

from .channel_shuffle import channel_shuffle


class SpatialSeparableConv(nn.Module):
    """k×1 conv + BN then 1×k conv + BN.

    Args:
        in_channels: C_in.
        mid_channels: output channels of the k×1 conv.
        out_channels: output channels of the 1×k conv.
        kernel_size: k.
        stride: the k×1 conv strides rows, the 1×k conv strides columns.
        groups: (groups of the k×1 conv, groups of the 1×k conv).
        dilation: dilation along the kernel's long axis for both convs.

    Shapes: (B, C_in, H, W) -> (B, C_out, H/stride, W/stride).
    """

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, groups: tuple = (1, 1), dilation: int = 1) -> None:
        super().__init__()
        pad = dilation * (kernel_size // 2)
        self.conv_kx1 = nn.Conv2d(in_channels, mid_channels, (kernel_size, 1), (stride, 1), (pad, 0),
                                  dilation=(dilation, 1), groups=groups[0], bias=False)
        self.bn_kx1 = nn.BatchNorm2d(mid_channels)
        self.conv_1xk = nn.Conv2d(mid_channels, out_channels, (1, kernel_size), (1, stride), (0, pad),
                                  dilation=(1, dilation), groups=groups[1], bias=False)
        self.bn_1xk = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn_1xk(self.conv_1xk(self.bn_kx1(self.conv_kx1(x))))


class GroupPointwiseConv(nn.Module):
    """1×1 group conv (no bias) + BN, no activation. (B, C_in, H, W) -> (B, C_out, H, W)."""

    def __init__(self, in_channels: int, out_channels: int, groups: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class MicroFactorizedPointwise(nn.Module):
    """The paper's Micro-Factorized pointwise conv as one module: compress group conv → channel
    shuffle → expand group conv (each + BN). It replaces a 1×1 conv at ~1/G of its cost.

    Args:
        in_channels, out_channels: C_in, C_out.
        mid_channels: width between the two group convs (C/R in the paper).
        groups: G of both group convs (the paper's G ≈ √(C/R)).

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int, groups: int) -> None:
        super().__init__()
        self.groups = groups
        self.compress = GroupPointwiseConv(in_channels, mid_channels, groups)
        self.expand = GroupPointwiseConv(mid_channels, out_channels, groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand(channel_shuffle(self.compress(x), self.groups))
