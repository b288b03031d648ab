"""Micro-Factorized convolutions of MicroNet (arXiv 2108.05894, §3).

* :class:`SpatialSeparableConv`: a k×1 conv followed by a 1×k conv, each with BN and no activation
  in between. With ``groups = in_channels`` it is the Micro-Factorized *depthwise* conv; with a full
  first conv it is the MicroNet stem.
* :class:`GroupPointwiseConv`: a 1×1 group conv + BN. The Micro-Factorized *pointwise* conv is a
  compress group conv, a channel shuffle and an expand group conv; MicroNet's official code splits
  that pair across two consecutive blocks (official repository, issues #8 and #15), so the
  blocks hold the group convs one by one.

Each module's ``switch_to_deploy()`` turns it, in place, into its inference form (BN folded into the
conv before it); the module computes the same function in eval mode and can no longer be trained.
"""
import math
from typing import Optional

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .channel_shuffle import ChannelShuffle, permutation_module, shuffle_permutation


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d,
                 out_perm: Optional[torch.Tensor] = None) -> nn.Conv2d:
    """``conv`` with ``bn`` (eval statistics) folded in.

    ``out_perm`` commutes a channel permutation of the input past a depthwise conv: the returned
    ``fused`` has permuted filters with ``fused(x)[:, out_perm] == bn(conv(x[:, out_perm]))``.
    """
    fused = fuse_conv_bn_eval(conv.eval(), bn.eval())
    if out_perm is not None:
        if fused.groups != fused.in_channels or fused.in_channels != fused.out_channels:
            raise ValueError('only a depthwise conv commutes with a channel permutation')
        with torch.no_grad():
            inverse = torch.argsort(out_perm)
            fused.weight.copy_(fused.weight[inverse])
            fused.bias.copy_(fused.bias[inverse])
    return fused


def micro_factorized_groups(bottleneck: int, *widths: int) -> int:
    """G of a Micro-Factorized pointwise conv by the paper's rule (Eq. 3), G = √(C/R) with C/R the
    ``bottleneck`` width, taken as the divisor of ``bottleneck`` and every one of ``widths`` closest
    to it (the larger one on a tie), so that both group convs are well formed.

    Example: a 256-wide bottleneck between 576 and 512 channels gives √256 = 16.
    """
    common = math.gcd(bottleneck, *widths)
    divisors = [g for g in range(1, common + 1) if common % g == 0]
    target = math.sqrt(bottleneck)
    return min(divisors, key=lambda g: (abs(g - target), -g))


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

    def switch_to_deploy(self, in_perm: Optional[torch.Tensor] = None) -> None:
        """Fold the BNs. With ``in_perm`` (depthwise convs only) the convs are commuted past that
        input permutation: afterwards ``self(x)[:, in_perm]`` equals the old
        ``self(x[:, in_perm])``."""
        self.conv_kx1 = fold_conv_bn(self.conv_kx1, self.bn_kx1, in_perm)
        self.conv_1xk = fold_conv_bn(self.conv_1xk, self.bn_1xk, in_perm)
        self.bn_kx1 = self.bn_1xk = nn.Identity()


class GroupPointwiseConv(nn.Module):
    """1×1 group conv (no bias) + BN, no activation. (B, C_in, H, W) -> (B, C_out, H, W)."""

    def __init__(self, in_channels: int, out_channels: int, groups: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))

    def switch_to_deploy(self) -> None:
        """Fold the BN into the conv."""
        self.conv, self.bn = fold_conv_bn(self.conv, self.bn), nn.Identity()


class MicroFactorizedPointwise(nn.Module):
    """The paper's Micro-Factorized pointwise conv as one module: compress group conv → channel
    shuffle → expand group conv (each + BN). It replaces a 1×1 conv at ~1/G of its cost.

    Args:
        in_channels, out_channels: C_in, C_out.
        mid_channels: width between the two group convs (C/R in the paper).
        groups: G of both group convs (the paper's G ≈ √(C/R), :func:`micro_factorized_groups`).

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int, groups: int) -> None:
        super().__init__()
        self.groups = groups
        self.compress = GroupPointwiseConv(in_channels, mid_channels, groups)
        self.shuffle = ChannelShuffle(groups)
        self.expand = GroupPointwiseConv(mid_channels, out_channels, groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand(self.shuffle(self.compress(x)))

    def switch_to_deploy(self) -> None:
        """Fold the BNs; the shuffle becomes one precomputed channel gather."""
        self.compress.switch_to_deploy()
        self.expand.switch_to_deploy()
        self.shuffle = permutation_module(
            shuffle_permutation(self.compress.conv.out_channels, (self.groups,)))
