"""Dynamic Shift-Max activation of MicroNet (arXiv 2108.05894, §4), as in the official code.

y = max_k (a_k · x + b_k · x̂) over K ∈ {1, 2} fusions (K = 1 is a single linear fusion, no max), with
J = 2 inputs: x and its circular channel shift x̂. The coefficients come from a hyper-function:
global average pool → FC → ReLU → FC → h-sigmoid, rescaled to [-act_max, act_max] and offset by
fixed initial values. The shift moves by one group *and* one channel inside the group (the official
code's `backbone/activation.py`),
not the paper's j·C/G formula, so that released weights give identical outputs.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from .channel_shuffle import compose


def make_divisible(value: float, divisor: int) -> int:
    """Round ``value`` to a multiple of ``divisor`` (≥ divisor), never dropping more than 10%."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def shift_index(channels: int, groups: int) -> torch.Tensor:
    """Index of the circular shift: ``x̂[:, g*gc + c] = x[:, ((g+1) % G)*gc + (c+1) % gc]``.

    Example: C=12, G=3 gives [5, 6, 7, 4, 9, 10, 11, 8, 1, 2, 3, 0].
    """
    if channels % groups:
        raise ValueError(f'channels={channels} is not divisible by groups={groups}')
    per_group = channels // groups
    grid = torch.arange(channels).view(groups, per_group)
    return grid.roll(-1, dims=0).roll(-1, dims=1).reshape(-1)


def fusions(x: torch.Tensor, coef: torch.Tensor, index: torch.Tensor) -> List[torch.Tensor]:
    """The K linear fusions ``a_k·x + b_k·x[:, index]``; Dynamic Shift-Max is their maximum.

    Args:
        x: (B, C, H, W).
        coef: (B, 2K, C, 1, 1) ordered [a1, b1, a2, b2].
        index: (C,) the shift.
    """
    shifted = x.index_select(1, index)
    return [torch.addcmul(x * coef[:, 2 * k], shifted, coef[:, 2 * k + 1])
            for k in range(coef.shape[1] // 2)]


class ShiftMaxFunction(torch.autograd.Function):
    """Dynamic Shift-Max given its coefficients, with a hand-written backward: the shift's gradient
    is a gather by the inverse permutation (autograd would scatter-add) and the max routes the
    gradient through a saved float mask (``ge``/``maximum`` instead of ``where``, which is several
    times slower on the CPU). A pose-head Micro-Block trains ~1.4× faster than through autograd."""

    @staticmethod
    def forward(ctx, x, coef, index, inverse_index):
        out, *second = fusions(x, coef, index)
        first_wins = None
        if second:
            first_wins = torch.ge(out, second[0], out=torch.empty_like(out))
            torch.maximum(out, second[0], out=out)
        ctx.save_for_backward(x, coef, index, inverse_index, first_wins)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, coef, index, inverse_index, first_wins = ctx.saved_tensors
        shifted = x.index_select(1, index)
        if first_wins is None:
            per_fusion = [grad]
        else:
            grad_first = grad * first_wins
            per_fusion = [grad_first, grad - grad_first]
        grad_x = grad_shifted = None
        grad_coef = []
        for k, g in enumerate(per_fusion):
            a, b = coef[:, 2 * k], coef[:, 2 * k + 1]
            grad_x = g * a if grad_x is None else torch.addcmul(grad_x, g, a)
            grad_shifted = g * b if grad_shifted is None else torch.addcmul(grad_shifted, g, b)
            grad_coef += [(g * x).sum((2, 3), keepdim=True), (g * shifted).sum((2, 3), keepdim=True)]
        grad_x += grad_shifted.index_select(1, inverse_index)
        return grad_x, torch.stack(grad_coef, 1), None, None


class DynamicShiftMax(nn.Module):
    """Dynamic Shift-Max.

    Args:
        channels: C, input = output channels.
        reduction: the hyper-function's squeeze width is ``max(4, make_divisible(C // reduction, 4))``.
        num_fusions: K; 2 gives max(a1·x + b1·x̂, a2·x + b2·x̂), 1 gives a1·x + b1·x̂.
        groups: G, number of channel groups of the circular shift.
        init_a: offsets added to (a1, a2).
        init_b: offsets added to (b1, b2).
        act_max: coefficients are (h_sigmoid(·) - 0.5) · 2·act_max before the offsets.

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, channels: int, reduction: int, num_fusions: int, groups: int,
                 init_a: Sequence[float] = (1.0, 0.0), init_b: Sequence[float] = (0.0, 0.0),
                 act_max: float = 2.0) -> None:
        super().__init__()
        if num_fusions not in (1, 2):
            raise ValueError(f'num_fusions must be 1 or 2, got {num_fusions}')
        self.channels = channels
        self.num_fusions = num_fusions
        self.groups = groups
        self.act_max = act_max
        self.init_a = tuple(float(v) for v in init_a)
        self.init_b = tuple(float(v) for v in init_b)
        squeeze = max(4, make_divisible(channels // reduction, 4))
        self.fc1 = nn.Linear(channels, squeeze)
        self.fc2 = nn.Linear(squeeze, channels * 2 * num_fusions)
        self.register_buffer('index', shift_index(channels, groups), persistent=False)
        self.register_buffer('inverse_index', torch.argsort(self.index), persistent=False)

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """Hyper-function output (B, 2K, C, 1, 1), ordered [a1, b1, a2, b2], offsets applied."""
        b = x.shape[0]
        theta = F.hardsigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        theta = (theta - 0.5) * (2 * self.act_max)
        offsets = [self.init_a[0], self.init_b[0], self.init_a[1], self.init_b[1]]
        offsets = theta.new_tensor(offsets[:2 * self.num_fusions]).view(1, -1, 1)
        return (theta.view(b, 2 * self.num_fusions, self.channels) + offsets)[..., None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coef = self.coefficients(x)
        if torch.is_grad_enabled() and not (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()):
            return ShiftMaxFunction.apply(x, coef, self.index, self.inverse_index)
        out, *second = fusions(x, coef, self.index)
        return torch.maximum(out, second[0]) if second else out

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, K={self.num_fusions}, groups={self.groups}, '
                f'init_a={self.init_a}, init_b={self.init_b}')

    def fuse(self, in_perm: Optional[torch.Tensor] = None,
             out_perm: Optional[torch.Tensor] = None) -> 'FusedDynamicShiftMax':
        """The inference form of this layer read through ``in_perm`` and written through
        ``out_perm`` (see :class:`FusedDynamicShiftMax`)."""
        return FusedDynamicShiftMax(self, in_perm, out_perm)


class FusedDynamicShiftMax(nn.Module):
    """Inference form of a :class:`DynamicShiftMax` that reads its input through ``in_perm`` and
    writes through ``out_perm``, so that the channel shuffles around it cost nothing.

    With ``x = z[:, in_perm]``, it returns ``DynamicShiftMax(x)[:, out_perm]`` computed as
    ``max_k(z[:, π1]·a_k + z[:, π2]·b_k)`` where ``π1 = in_perm[out_perm]`` (skipped when it is the
    identity) and ``π2 = in_perm[shift[out_perm]]``, and the coefficients are
    ``clamp(FC2'(ReLU(FC1'(mean z))), offset - act_max, offset + act_max)``: h-sigmoid(t) - 1/2 is
    clamp(t/6, ±1/2), so its scale and the offsets fold into FC2. The FCs run as 1×1 convs on the
    globally pooled map, so that the coefficients come out as (B, 2K·C, 1, 1), ready to broadcast,
    and an exported graph has no reshapes between pooling, FCs and the split. Eval only.

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, dsm: DynamicShiftMax, in_perm: Optional[torch.Tensor] = None,
                 out_perm: Optional[torch.Tensor] = None) -> None:
        super().__init__()
        channels, k = dsm.channels, dsm.num_fusions
        identity = torch.arange(channels)
        self.num_fusions = k
        self.register_buffer('index1', compose(in_perm, out_perm), persistent=False)
        in_perm = identity if in_perm is None else in_perm
        out_perm = identity if out_perm is None else out_perm
        self.register_buffer('index2', in_perm[dsm.index[out_perm]], persistent=False)

        offsets = torch.tensor([dsm.init_a[0], dsm.init_b[0], dsm.init_a[1], dsm.init_b[1]][:2 * k])
        offsets = offsets.repeat_interleave(channels)
        rows = (torch.arange(2 * k)[:, None] * channels + out_perm[None]).reshape(-1)
        scale = dsm.act_max / 3.0
        like = dict(dtype=dsm.fc1.weight.dtype, device=dsm.fc1.weight.device)
        self.fc1 = nn.Conv2d(channels, dsm.fc1.out_features, 1, **like)
        self.fc2 = nn.Conv2d(dsm.fc2.in_features, dsm.fc2.out_features, 1, **like)
        with torch.no_grad():
            self.fc1.weight.copy_(dsm.fc1.weight[:, torch.argsort(in_perm), None, None])
            self.fc1.bias.copy_(dsm.fc1.bias)
            self.fc2.weight.copy_(dsm.fc2.weight[rows, :, None, None] * scale)
            self.fc2.bias.copy_(dsm.fc2.bias[rows] * scale + offsets)
        self.register_buffer('lower', (offsets - dsm.act_max)[:, None, None], persistent=False)
        self.register_buffer('upper', (offsets + dsm.act_max)[:, None, None], persistent=False)

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 2K·C, 1, 1), ordered [a1, b1, a2, b2] (C values each), for the fusions of ``x``."""
        coef = self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1))))
        return torch.minimum(torch.maximum(coef, self.lower), self.upper)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return shift_max(x, self.coefficients(x), self.index1, self.index2)


def shift_max(x: torch.Tensor, coef: torch.Tensor, index1: Optional[torch.Tensor],
              index2: torch.Tensor) -> torch.Tensor:
    """``max_k(x[:, index1]·a_k + x[:, index2]·b_k)``, the fusions of :class:`FusedDynamicShiftMax`.

    Args:
        x: (B, C, H, W).
        coef: (B, 2K·C, 1, 1), ordered [a1, b1, a2, b2] (C values each).
        index1, index2: (C,) channel gathers; ``index1`` None is the identity.
    """
    a1, b1, *second = coef.split(x.shape[1], dim=1)
    x1 = x if index1 is None else x.index_select(1, index1)
    x2 = x.index_select(1, index2)
    # addcmul: two passes over the tensor per fusion instead of three (ONNX: the Mul by 1 it
    # exports is removed by onnxruntime's graph optimisations), in place: each tensor allocated
    # costs page faults (eager m3 pose: 10-25 % slower with the out-of-place form).
    out = (x1 * a1).addcmul_(x2, b1)
    if second:
        a2, b2 = second
        out = torch.maximum(out, (x1 * a2).addcmul_(x2, b2))
    return out
