"""Inference fast path: an equivalent, leaner model for deployment and export.

:func:`fuse_model` returns an eval-only copy whose outputs equal the original's in eval mode (up to
float rounding), with

* every BatchNorm folded into the conv before it;
* every channel shuffle turned into one precomputed channel gather, and the shuffles of a Micro-Block
  moved into its Dynamic Shift-Max layers: a channel permutation passes unchanged through a
  depthwise conv (whose filters are permuted instead), and a Dynamic Shift-Max that reads its input
  through one permutation and writes through another only changes which two channel gathers
  feed its fusion, so a B/C block with three Dynamic Shift-Max layers copies its tensor five times
  instead of seven;
* Dynamic Shift-Max's hyper-function collapsed to pool → FC → ReLU → FC → clamp (the h-sigmoid's
  scale, shift and the initial offsets folded into the second FC);
* the MR-ASPP head's high-resolution classifier applied before the bilinear upsampling (a 1×1 conv
  commutes with bilinear interpolation, whose weights sum to one), so 19 channels are upsampled
  instead of the branch's 256.

The copy keeps the estimator's interface (``mode='tensor'`` and ``'predict'``) but cannot be trained.
"""
import copy
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from micronet_dense.models.backbones import MicroNet
from micronet_dense.models.heads import MRASPPHead
from micronet_dense.models.layers import (DynamicShiftMax, GroupPointwiseConv,
                                          MicroBlock, MicroFactorizedPointwise, SpatialAttention,
                                          SpatialSeparableConv, channel_shuffle_index)


def _non_identity(index: torch.Tensor) -> Optional[torch.Tensor]:
    return None if torch.equal(index, torch.arange(len(index))) else index


def shuffle_permutation(channels: int, groups: Tuple[int, ...]) -> Optional[torch.Tensor]:
    """Gather index of the channel shuffles ``groups`` applied in order; None for the identity."""
    index = torch.arange(channels)
    for g in groups:
        index = index[channel_shuffle_index(channels, g)]
    return _non_identity(index)


def compose(first: Optional[torch.Tensor], then: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    """Index of gathering by ``first`` and then by ``then`` (None is the identity)."""
    if first is None or then is None:
        return then if first is None else first
    return _non_identity(first[then])


class ChannelPermutation(nn.Module):
    """A fixed channel gather, ``y[:, c] = x[:, index[c]]``; (B, C, H, W) -> (B, C, H, W)."""

    def __init__(self, index: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer('index', index.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.index)


def _permutation_module(index: Optional[torch.Tensor]) -> nn.Module:
    return nn.Identity() if index is None else ChannelPermutation(index)


class FusedDynamicShiftMax(nn.Module):
    """Dynamic Shift-Max that reads its input through ``in_perm`` and writes through ``out_perm``.

    With ``x = z[:, in_perm]``, it returns ``DynamicShiftMax(x)[:, out_perm]`` computed as
    ``max_k(z[:, π1]·a_k + z[:, π2]·b_k)`` where ``π1 = in_perm[out_perm]`` (skipped when it is the
    identity) and ``π2 = in_perm[shift[out_perm]]``, and the coefficients are
    ``clamp(FC2'(ReLU(FC1'(mean z))), offset - act_max, offset + act_max)``: h-sigmoid(t) - 1/2 is
    clamp(t/6, ±1/2), so its scale and the offsets fold into FC2.

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, dsm: DynamicShiftMax, in_perm: Optional[torch.Tensor] = None,
                 out_perm: Optional[torch.Tensor] = None) -> None:
        super().__init__()
        channels, k = dsm.channels, dsm.num_fusions
        identity = torch.arange(channels)
        in_perm = identity if in_perm is None else in_perm
        out_perm = identity if out_perm is None else out_perm
        self.num_fusions = k
        self.register_buffer('index1', _non_identity(in_perm[out_perm]), persistent=False)
        self.register_buffer('index2', in_perm[dsm.index[out_perm]], persistent=False)

        offsets = torch.tensor([dsm.init_a[0], dsm.init_b[0], dsm.init_a[1], dsm.init_b[1]][:2 * k])
        offsets = offsets.repeat_interleave(channels)
        rows = (torch.arange(2 * k)[:, None] * channels + out_perm[None]).reshape(-1)
        scale = dsm.act_max / 3.0
        self.fc1 = copy.deepcopy(dsm.fc1)
        self.fc2 = copy.deepcopy(dsm.fc2)
        with torch.no_grad():
            self.fc1.weight.copy_(dsm.fc1.weight[:, torch.argsort(in_perm)])
            self.fc2.weight.copy_(dsm.fc2.weight[rows] * scale)
            self.fc2.bias.copy_(dsm.fc2.bias[rows] * scale + offsets)
        self.register_buffer('lower', offsets - dsm.act_max, persistent=False)
        self.register_buffer('upper', offsets + dsm.act_max, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coef = self.fc2(F.relu(self.fc1(x.mean((2, 3)))))
        coef = torch.minimum(torch.maximum(coef, self.lower), self.upper)[..., None, None]
        x1 = x if self.index1 is None else x.index_select(1, self.index1)
        x2 = x.index_select(1, self.index2)
        a1, b1, *second = coef.chunk(2 * self.num_fusions, dim=1)
        out = x1 * a1 + x2 * b1
        if second:
            a2, b2 = second
            out = torch.maximum(out, x1 * a2 + x2 * b2)
        return out


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d, out_perm: Optional[torch.Tensor] = None) -> nn.Conv2d:
    """``conv`` with ``bn`` folded in; ``out_perm`` permutes the filters of a depthwise conv."""
    fused = fuse_conv_bn_eval(conv.eval(), bn.eval())
    if out_perm is not None:
        if fused.groups != fused.in_channels or fused.in_channels != fused.out_channels:
            raise ValueError('only a depthwise conv commutes with a channel permutation')
        with torch.no_grad():
            inverse = torch.argsort(out_perm)
            fused.weight.copy_(fused.weight[inverse])
            fused.bias.copy_(fused.bias[inverse])
    return fused


def _fold_separable(conv: SpatialSeparableConv, perm: Optional[torch.Tensor] = None) -> nn.Sequential:
    """The k×1 and 1×k convs with their BNs folded, commuted past the input permutation ``perm``."""
    return nn.Sequential(_fold(conv.conv_kx1, conv.bn_kx1, perm),
                         _fold(conv.conv_1xk, conv.bn_1xk, perm))


def _fold_pointwise(conv: GroupPointwiseConv) -> nn.Conv2d:
    return _fold(conv.conv, conv.bn)


def _fuse_activation(act: nn.Module, in_perm: Optional[torch.Tensor],
                     out_perm: Optional[torch.Tensor]) -> Tuple[nn.Module, nn.Module]:
    """(activation, permutation after it) equal to ``act`` between the two permutations."""
    if isinstance(act, DynamicShiftMax):
        return FusedDynamicShiftMax(act, in_perm, out_perm), nn.Identity()
    # ReLU6 and the identity act on each channel alone, so the permutations pass through.
    return act, _permutation_module(compose(in_perm, out_perm))


class FusedMicroBlock(nn.Module):
    """A :class:`MicroBlock` with folded BNs and its shuffles moved into the activations.

    The shuffle after act1 is commuted past the depthwise convs into act2; the shuffles after act2
    and act3 become the output permutations of those activations.

    Shapes: as the block's.
    """

    def __init__(self, block: MicroBlock) -> None:
        super().__init__()
        self.use_residual = block.use_residual
        self.expand = self.depthwise = self.compress = None
        self.act1 = self.act2 = self.act3 = nn.Identity()
        self.permute2 = self.permute3 = nn.Identity()
        pending = None
        if block.expand is not None:
            self.expand = _fold_pointwise(block.expand)
            self.act1 = (FusedDynamicShiftMax(block.act1) if isinstance(block.act1, DynamicShiftMax)
                         else block.act1)
            pending = shuffle_permutation(self.expand.out_channels, block.shuffle1)
        if block.depthwise is not None:
            self.depthwise = _fold_separable(block.depthwise, pending)
            channels = self.depthwise[-1].out_channels
            self.act2, self.permute2 = _fuse_activation(
                block.act2, pending, shuffle_permutation(channels, block.shuffle2))
            self.compress = _fold_pointwise(block.compress)
            self.act3, self.permute3 = _fuse_activation(
                block.act3, None, shuffle_permutation(self.compress.out_channels, block.shuffle3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.expand is not None:
            out = self.act1(self.expand(out))
        if self.depthwise is not None:
            out = self.permute2(self.act2(self.depthwise(out)))
            out = self.permute3(self.act3(self.compress(out)))
        return out + x if self.use_residual else out


class FusedMRASPPHead(nn.Module):
    """:class:`MRASPPHead` with folded BNs and the high classifier moved before the upsampling.

    Shapes: as the head's.
    """

    def __init__(self, head: MRASPPHead) -> None:
        super().__init__()
        self.aspp = _fuse_children(copy.deepcopy(head.aspp))
        self.attention = copy.deepcopy(head.attention)
        self.low_classifier = copy.deepcopy(head.low_classifier)
        self.high_classifier = copy.deepcopy(head.high_classifier)

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        low, high = feats
        x = F.relu(self.aspp(high)) * torch.sigmoid(self.attention(F.adaptive_avg_pool2d(high, 1)))
        x = F.interpolate(self.high_classifier(x), size=low.shape[-2:], mode='bilinear',
                          align_corners=False)
        return self.low_classifier(low) + x


def _fuse_module(module: nn.Module) -> Optional[nn.Module]:
    """The fused replacement of ``module``, or None to descend into its children."""
    if isinstance(module, MicroBlock):
        return FusedMicroBlock(module)
    if isinstance(module, MRASPPHead):
        return FusedMRASPPHead(module)
    if isinstance(module, MicroFactorizedPointwise):
        return nn.Sequential(
            _fold_pointwise(module.compress),
            _permutation_module(shuffle_permutation(module.compress.out_channels, (module.groups,))),
            _fold_pointwise(module.expand))
    if isinstance(module, SpatialSeparableConv):
        return _fold_separable(module)
    if isinstance(module, GroupPointwiseConv):
        return _fold_pointwise(module)
    if isinstance(module, MicroNet):
        # The stem shuffle's width is known only here.
        channels, groups = module.stem.conv_1xk.out_channels, module.stem_shuffle.groups
        module.stem_shuffle = _permutation_module(shuffle_permutation(channels, (groups,)))
        return _fuse_children(module)
    if isinstance(module, SpatialAttention):
        fused = copy.deepcopy(module)
        fused.conv, fused.bn = fuse_conv_bn_eval(module.conv.eval(), module.bn.eval()), nn.Identity()
        return fused
    return None


def _fuse_children(module: nn.Module) -> nn.Module:
    for name, child in module.named_children():
        fused = _fuse_module(child)
        setattr(module, name, _fuse_children(child) if fused is None else fused)
    return module


@torch.no_grad()
def fuse_model(model: nn.Module) -> nn.Module:
    """An eval-mode, inference-only copy of ``model`` with the fusions listed in the module doc."""
    fused = _fuse_children(copy.deepcopy(model).eval())
    fused.requires_grad_(False)
    return fused
