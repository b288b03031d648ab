"""One row of MicroNet's official configuration: a Micro-Block as the official code builds it.

The paper's Micro-Blocks A/B/C and the code's rows are offset by one group conv (paper §5.1 and
Fig. 4; the author explains the split in the official repository's issues #8 and #15): a row is

* kind ``'A'`` (paper Micro-Block-A, lite combination): MF-depthwise that expands channels → act2 →
  shuffles → compress group conv → act3 → shuffles;
* kind ``'BC'`` (paper Micro-Block-B/C, split across rows): expand group conv → act1 → shuffle →
  MF-depthwise → act2 → shuffle → compress group conv → act3 → shuffles;
* kind ``'final'``: only the expand group conv (+ act) that closes the last paper block.

Activations: flag 0 → ReLU6 (act1/act2) or nothing (act3); 1 → Dynamic Shift-Max with K = 1;
2 → Dynamic Shift-Max with K = 2. The identity skip joins the narrow (bottleneck) tensors.
"""
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
from torch import nn

from .channel_shuffle import channel_shuffle, compose, permutation_module, shuffle_permutation
from .dynamic_shift_max import DynamicShiftMax
from .micro_factorized import GroupPointwiseConv, SpatialSeparableConv


class MicroBlockConfig(NamedTuple):
    """One official config row; see ``micronet.py`` for the column meanings."""
    stride: int
    out_channels: int
    kernel_size: int
    exp1: int
    exp2: int
    g1: int
    g2: int
    g3: int
    g4: int
    y1: int
    y2: int
    y3: int
    ratio: int


class ActivationConfig(NamedTuple):
    """Dynamic Shift-Max settings shared by a whole model (official `backbone/microconfig.py`)."""
    reduction: int = 8
    act_max: float = 2.0
    init_a: Tuple[float, float] = (1.0, 1.0)
    init_b: Tuple[float, float] = (0.0, 0.0)


def _act(flag: int, channels: int, reduction: int, groups: int, act: ActivationConfig,
         relu6_if_static: bool, linear_init: bool = False) -> nn.Module:
    """Activation for a flag: DSM with K=flag, else ReLU6 (act1/act2) or identity (act3)."""
    if flag == 0:
        return nn.ReLU6(inplace=True) if relu6_if_static else nn.Identity()
    if linear_init:
        # act3 and the final act are always linear (K=1) and start as the identity.
        return DynamicShiftMax(channels, reduction, 1, groups, (1.0, 0.0), (0.0, 0.0), act.act_max)
    return DynamicShiftMax(channels, reduction, flag, groups, act.init_a, act.init_b, act.act_max)


class MicroBlock(nn.Module):
    """A MicroNet block (one official config row).

    Args:
        in_channels: C_in.
        cfg: the row.
        act: model-wide Dynamic Shift-Max settings.
        stride: the stride actually used (dense models set 1 where the row has 2).
        dilation: dilation of the MF-depthwise convs.
        hidden_channels: width after the expand group conv of a B/C row, when it is not
            C_in·exp1·exp2 (dense heads that start from a wide backbone feature narrow it here).

    Shapes: (B, C_in, H, W) -> (B, out_channels, H/stride, W/stride); ``out_channels`` is
    ``cfg.out_channels``, or ``C_in·exp1·exp2`` for the final row.
    """

    def __init__(self, in_channels: int, cfg: MicroBlockConfig, act: ActivationConfig,
                 stride: Optional[int] = None, dilation: int = 1,
                 hidden_channels: Optional[int] = None) -> None:
        super().__init__()
        stride = cfg.stride if stride is None else stride
        hidden = hidden_channels or in_channels * cfg.exp1 * cfg.exp2
        reduction = act.reduction * cfg.ratio
        self.kind = 'A' if cfg.g1 == 0 else 'final' if cfg.g4 == 0 else 'BC'
        self.out_channels = hidden if self.kind == 'final' else cfg.out_channels
        # The skip follows the official row (its configured stride), so a dense model that
        # removes a stride keeps the same graph and weights.
        self.use_residual = cfg.stride == 1 and in_channels == self.out_channels
        self.expand = self.depthwise = self.compress = None
        self.act1 = self.act2 = self.act3 = nn.Identity()
        self.shuffle1 = self.shuffle2 = self.shuffle3 = ()

        if self.kind in ('BC', 'final'):
            self.expand = GroupPointwiseConv(in_channels, hidden, cfg.g1)
        if self.kind == 'final':
            self.act1 = _act(cfg.y3, hidden, reduction, cfg.g2, act, False, linear_init=True)
            return
        if self.kind == 'BC':
            self.act1 = _act(cfg.y1, hidden, reduction, cfg.g2, act, True)
            self.shuffle1 = (cfg.g2,)
            self.depthwise = SpatialSeparableConv(hidden, hidden, hidden, cfg.kernel_size, stride,
                                                  (hidden, hidden), dilation)
            # After the depthwise conv the shift groups have g2 channels each (official
            # `expansion=True`).
            act2_groups = hidden // cfg.g2 if cfg.g2 != 1 else 1
            if cfg.y1 and cfg.y2:
                self.shuffle2 = (hidden // 4,)
            elif cfg.y1 or cfg.y2:
                self.shuffle2 = (hidden // 2,)
            act3_reduction = reduction // 2 if self.out_channels < hidden else reduction
        else:
            mid = in_channels * cfg.exp1
            self.depthwise = SpatialSeparableConv(in_channels, mid, hidden, cfg.kernel_size, stride,
                                                  (in_channels, mid), dilation)
            act2_groups = cfg.g2
            self.shuffle2 = (cfg.g2, hidden // 2) if cfg.y2 else (cfg.g2,)
            act3_reduction = reduction // 2
        self.act2 = _act(cfg.y2, hidden, reduction, act2_groups, act, True)
        self.compress = GroupPointwiseConv(hidden, self.out_channels, cfg.g3)
        self.act3 = _act(cfg.y3, self.out_channels, act3_reduction, cfg.g4, act, False,
                         linear_init=True)
        # The official type-A row skips the pair shuffle for odd widths; B/C rows never have one.
        pair_shuffle = cfg.y3 and (self.kind == 'BC' or self.out_channels % 2 == 0)
        self.shuffle3 = (cfg.g4, self.out_channels // 2) if pair_shuffle else (cfg.g4,)

    @staticmethod
    def _shuffle(x: torch.Tensor, groups: Sequence[int]) -> torch.Tensor:
        for g in groups:
            x = channel_shuffle(x, g)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.expand is not None:
            out = self._shuffle(self.act1(self.expand(out)), self.shuffle1)
        if self.depthwise is not None:
            out = self._shuffle(self.act2(self.depthwise(out)), self.shuffle2)
            out = self._shuffle(self.act3(self.compress(out)), self.shuffle3)
        return out + x if self.use_residual else out

    def switch_to_deploy(self) -> None:
        """The inference form, in place (eval only): BNs folded into the convs, Dynamic Shift-Max
        layers in their fused form, and every channel shuffle moved into an activation.

        A channel permutation passes unchanged through a depthwise conv (whose filters are permuted
        instead), so the shuffle after act1 moves into act2; a Dynamic Shift-Max that reads its input
        through one permutation and writes through another only changes which two channel gathers
        feed its fusion, so the shuffles after act2 and act3 cost nothing there; ReLU6 and the
        identity act on each channel alone, so a shuffle around them becomes one gather. A B/C block
        with three Dynamic Shift-Max layers then copies its tensor five times instead of seven.
        """
        pending = None
        if self.expand is not None:
            self.expand.switch_to_deploy()
            self.act1 = self._deploy_activation(self.act1, None, None)
            pending = shuffle_permutation(self.expand.conv.out_channels, self.shuffle1)
        if self.depthwise is not None:
            self.depthwise.switch_to_deploy(pending)
            channels = self.depthwise.conv_1xk.out_channels
            self.act2 = self._deploy_activation(
                self.act2, pending, shuffle_permutation(channels, self.shuffle2))
            self.compress.switch_to_deploy()
            self.act3 = self._deploy_activation(
                self.act3, None, shuffle_permutation(self.out_channels, self.shuffle3))
        self.shuffle1 = self.shuffle2 = self.shuffle3 = ()

    @staticmethod
    def _deploy_activation(act: nn.Module, in_perm: Optional[torch.Tensor],
                           out_perm: Optional[torch.Tensor]) -> nn.Module:
        """``act`` read through ``in_perm`` and written through ``out_perm``, as one module."""
        if isinstance(act, DynamicShiftMax):
            return act.fuse(in_perm, out_perm)
        permutation = compose(in_perm, out_perm)
        return act if permutation is None else nn.Sequential(act, permutation_module(permutation))

    def extra_repr(self) -> str:
        return f'kind={self.kind}, residual={self.use_residual}'
