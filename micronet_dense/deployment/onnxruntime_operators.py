"""MicroNet's onnxruntime operators: an optional C library, its build, and the export that uses it.

onnxruntime runs the standard export of a fused Dynamic Shift-Max layer
(:class:`~micronet_dense.models.layers.FusedDynamicShiftMax`) as nine element-wise nodes over the
full tensor (two channel gathers, four products, two sums and a maximum), and its bilinear Resize
on one thread. The library's operators, in the ``micronet`` domain, run on onnxruntime's intra-op
threads and pass over each tensor once:

* ``DynamicShiftMax(x, coef, index1, index2)``: ``x`` (B, C, H, W) float32; ``coef``
  (B, 2K·C) or (B, 2K·C, 1, 1) float32, ordered [a1, b1, a2, b2]; ``index1``, ``index2`` (C,)
  int64 channel gathers → (B, C, H, W), ``max_k(x[:, index1]·a_k + x[:, index2]·b_k)`` (the
  hyper-function, pooling, two linear layers and a clamp, stays in standard nodes; the export
  passes (B, 2K·C));
* ``ResizeBilinear(x, size)``: ``x`` (B, C, H, W) float32, ``size`` (2,) int64 → (B, C, *size),
  ``F.interpolate(x, size, mode='bilinear', align_corners=False)``;
* ``MicroFactorizedDepthwise(x, w1, bias1, w2, bias2, config)``: the fused Micro-Factorized
  depthwise conv (:class:`~micronet_dense.models.layers.SpatialSeparableConv` with depthwise
  groups), a k×1 then a 1×k depthwise conv, each with bias and a channel multiplier: ``x``
  (B, C, H, W), ``w1`` (M, 1, k, 1), ``bias1`` (M,), ``w2`` (O, 1, 1, k), ``bias2`` (O,) float32,
  ``config`` (3,) int64 = (stride, dilation, padding) → (B, O, H', W'). onnxruntime runs the two
  convs in its blocked layout, with a layout conversion before and after them that costs as much
  as the convs (a quarter of m3 pose at batch 32); the operator stays in the plain layout of its
  neighbours and never writes the tensor between the two convs.
* ``MicroNetStem(x, w1, bias1, w2, bias2, index, config)``: MicroNet's fused stem with its channel
  shuffle and ReLU6, ``relu6(y[:, index])`` for ``y`` the conv pair above with ``w1`` (M, C, k, 1)
  (no groups: each mid channel reads every input channel) and ``index`` (O,) int64 a permutation.

The export with the operators also writes the 1×1 convs that onnxruntime would put in its blocked
layout as MatMuls (:class:`PointwiseMatMul`), so that the tensors between operators stay plain.

Building it needs a C compiler (``$CC``, default ``cc``) and onnxruntime's C API header
``onnxruntime_c_api.h``, which the onnxruntime wheel does not ship: it is in the ``include/``
folder of the onnxruntime release archive of the installed version; ``$ORT_INCLUDE_DIR`` names
that folder. The library is compiled on first use and cached (:mod:`.kernel_library`).
"""
import contextlib
import hashlib
import math
import os
from pathlib import Path
from typing import Callable, Iterator, Optional

import torch
import torch.nn.functional as F
from torch import nn

from micronet_dense.models.backbones import MicroNet
from micronet_dense.models.layers import FusedDynamicShiftMax, SpatialSeparableConv, shift_max

from .kernel_library import KERNEL_SOURCES, OperatorUnavailable, compile_shared_library

DOMAIN = 'micronet'
OPSET_VERSION = 1
INCLUDE_DIR_VARIABLE = 'ORT_INCLUDE_DIR'
OPERATOR_SOURCES = KERNEL_SOURCES + ('onnxruntime_operators.c',)
HEADER = 'onnxruntime_c_api.h'


def operator_library(include_dir: Optional[str] = None) -> str:
    """Path of the compiled operator library (built on first use), for
    ``SessionOptions.register_custom_ops_library``.

    Args:
        include_dir: folder holding ``onnxruntime_c_api.h``; default ``$ORT_INCLUDE_DIR``.
    """
    include_dir = include_dir or os.environ.get(INCLUDE_DIR_VARIABLE)
    if not include_dir or not (Path(include_dir) / HEADER).is_file():
        import onnxruntime
        raise OperatorUnavailable(
            f'the {DOMAIN} operators are built against onnxruntime\'s C API header {HEADER}, '
            'which the onnxruntime wheel does not ship; set $ORT_INCLUDE_DIR to the include/ '
            f'folder of the onnxruntime {onnxruntime.__version__} release archive'
            + (f' ({include_dir} has no {HEADER})' if include_dir else ''))
    header = hashlib.sha256((Path(include_dir) / HEADER).read_bytes()).hexdigest()
    return compile_shared_library(OPERATOR_SOURCES, [str(include_dir)], fingerprint=[header])


def uses_operators(model) -> bool:
    """Whether the ONNX ``model`` (a ModelProto) imports the operators' domain."""
    return any(opset.domain == DOMAIN for opset in model.opset_import)


class _ShiftMaxFunction(torch.autograd.Function):
    """:func:`shift_max` in PyTorch, one ``micronet.DynamicShiftMax`` node in an ONNX export."""

    @staticmethod
    def forward(ctx, x, coef, index1, index2):
        return shift_max(x, coef.view(*coef.shape, 1, 1), index1, index2)

    @staticmethod
    def symbolic(g, x, coef, index1, index2):
        return g.op(f'{DOMAIN}::DynamicShiftMax', x, coef, index1, index2).setType(x.type())


def explicit_index1(fused: FusedDynamicShiftMax) -> torch.Tensor:
    """``fused``'s first channel gather as a (C,) index, the identity where the layer skips it
    (``index1`` None): the operators take both gathers."""
    if fused.index1 is not None:
        return fused.index1
    return torch.arange(len(fused.index2), device=fused.index2.device)


class OperatorShiftMax(nn.Module):
    """A :class:`FusedDynamicShiftMax` whose fusions export as one ``DynamicShiftMax`` node.

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, fused: FusedDynamicShiftMax) -> None:
        super().__init__()
        self.fused = fused
        self.register_buffer('index1', explicit_index1(fused), persistent=False)
        # The FCs' 1×1 conv weights as matrices, for :meth:`coefficient_vectors`.
        self.register_buffer('fc1_weight', fused.fc1.weight.detach().flatten(1), persistent=False)
        self.register_buffer('fc2_weight', fused.fc2.weight.detach().flatten(1), persistent=False)

    def coefficient_vectors(self, x: torch.Tensor) -> torch.Tensor:
        """The fused layer's coefficients as (B, 2K·C), its FCs run as linear layers on the pooled
        (B, C) vector: Gemm nodes, which onnxruntime keeps out of its blocked layout (as 1×1 convs
        on the pooled map they cost two layout conversions each; compiled PyTorch runs that form
        faster, so the fused layer keeps it)."""
        fused = self.fused
        pooled = F.adaptive_avg_pool2d(x, 1).flatten(1)
        hidden = F.relu(F.linear(pooled, self.fc1_weight, fused.fc1.bias))
        coef = F.linear(hidden, self.fc2_weight, fused.fc2.bias)
        return torch.minimum(torch.maximum(coef, fused.lower.flatten()), fused.upper.flatten())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _ShiftMaxFunction.apply(x, self.coefficient_vectors(x), self.index1,
                                       self.fused.index2)


def _conv_pair(x, w1, bias1, w2, bias2, stride, dilation, padding):
    """A k×1 conv (groups: as many as ``w1`` (M, C / groups, k, 1) implies) then a depthwise 1×k
    conv, with the strides, dilations and paddings of :class:`SpatialSeparableConv`."""
    mid = F.conv2d(x, w1, bias1, (stride, 1), (padding, 0), (dilation, 1),
                   groups=x.shape[1] // w1.shape[1])
    return F.conv2d(mid, w2, bias2, (1, stride), (0, padding), (1, dilation), groups=mid.shape[1])


class _DepthwiseFunction(torch.autograd.Function):
    """A fused Micro-Factorized depthwise conv in PyTorch, one ``micronet.MicroFactorizedDepthwise``
    node in an ONNX export."""

    @staticmethod
    def forward(ctx, x, w1, bias1, w2, bias2, stride, dilation, padding):
        return _conv_pair(x, w1, bias1, w2, bias2, stride, dilation, padding)

    @staticmethod
    def symbolic(g, x, w1, bias1, w2, bias2, stride, dilation, padding):
        config = g.op('Constant', value_t=torch.tensor([stride, dilation, padding]))
        return g.op(f'{DOMAIN}::MicroFactorizedDepthwise', x, w1, bias1, w2, bias2, config)


def is_operator_depthwise(conv: SpatialSeparableConv) -> bool:
    """Whether ``conv`` (fused: both convs with bias) has the depthwise groups of
    ``MicroFactorizedDepthwise``: one input channel per group in each conv."""
    kx1, one_by_k = conv.conv_kx1, conv.conv_1xk
    return (kx1.groups == kx1.in_channels and one_by_k.groups == one_by_k.in_channels
            and kx1.bias is not None and one_by_k.bias is not None)


class OperatorDepthwise(nn.Module):
    """A fused depthwise :class:`SpatialSeparableConv` that exports as one
    ``MicroFactorizedDepthwise`` node.

    Shapes: (B, C, H, W) -> (B, O, H / stride, W / stride).
    """

    def __init__(self, conv: SpatialSeparableConv) -> None:
        super().__init__()
        if not is_operator_depthwise(conv):
            raise ValueError('MicroFactorizedDepthwise takes a fused SpatialSeparableConv with '
                             'depthwise groups (channel multipliers allowed)')
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kx1, one_by_k = self.conv.conv_kx1, self.conv.conv_1xk
        return _DepthwiseFunction.apply(x, kx1.weight, kx1.bias, one_by_k.weight, one_by_k.bias,
                                        kx1.stride[0], kx1.dilation[0], kx1.padding[0])


class _StemFunction(torch.autograd.Function):
    """MicroNet's fused stem in PyTorch (conv pair, channel gather, ReLU6), one
    ``micronet.MicroNetStem`` node in an ONNX export."""

    @staticmethod
    def forward(ctx, x, w1, bias1, w2, bias2, index, stride, dilation, padding):
        return F.relu6(_conv_pair(x, w1, bias1, w2, bias2, stride, dilation, padding)
                       .index_select(1, index))

    @staticmethod
    def symbolic(g, x, w1, bias1, w2, bias2, index, stride, dilation, padding):
        config = g.op('Constant', value_t=torch.tensor([stride, dilation, padding]))
        return g.op(f'{DOMAIN}::MicroNetStem', x, w1, bias1, w2, bias2, index, config)


class OperatorStem(nn.Module):
    """MicroNet's fused stem, its channel shuffle and ReLU6 (``relu6(stem(x)[:, index])``) as one
    ``MicroNetStem`` node. onnxruntime runs the stem's two convs in its blocked layout, the k×1
    conv's few channels (4 at m3) padded to a whole block of 16 before a layout conversion, then
    the gather and the clamp: about a tenth of m3 segmentation at 1024×2048.

    Args:
        stem: the fused :class:`SpatialSeparableConv` of the stem: a k×1 conv without groups,
            a depthwise 1×k conv, both with bias.
        shuffle: the channel gather after it (:class:`ChannelPermutation`), or ``nn.Identity``.

    Shapes: (B, C, H, W) -> (B, O, H / stride, W / stride).
    """

    def __init__(self, stem: SpatialSeparableConv, shuffle: nn.Module) -> None:
        super().__init__()
        kx1, one_by_k = stem.conv_kx1, stem.conv_1xk
        if (kx1.groups != 1 or one_by_k.groups != one_by_k.in_channels or kx1.bias is None
                or one_by_k.bias is None):
            raise ValueError('MicroNetStem takes a fused SpatialSeparableConv whose k×1 conv has '
                             'no groups and whose 1×k conv is depthwise')
        self.stem = stem
        index = getattr(shuffle, 'index', None)
        self.register_buffer('index', torch.arange(one_by_k.out_channels) if index is None
                             else index, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kx1, one_by_k = self.stem.conv_kx1, self.stem.conv_1xk
        return _StemFunction.apply(x, kx1.weight, kx1.bias, one_by_k.weight, one_by_k.bias,
                                   self.index, kx1.stride[0], kx1.dilation[0], kx1.padding[0])


class PointwiseMatMul(nn.Module):
    """A 1×1 conv (stride 1, with bias, any groups G) that exports as a batched MatMul and an Add
    instead of a Conv: onnxruntime runs some 1×1 convs in its blocked layout, and between two
    operators, which take the plain layout, each then costs two layout conversions of the full
    tensor.

    Shapes: (B, C, H, W) -> (B, O, H, W), computed as (G, O/G, C/G) @ (B, G, C/G, H·W).
    """

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if not _is_plain_pointwise(conv):
            raise ValueError('PointwiseMatMul takes a 1×1 conv with stride 1, no padding and a bias')
        groups, out_channels = conv.groups, conv.out_channels
        self.register_buffer('weight', conv.weight.detach().reshape(groups, out_channels // groups,
                                                                     -1))
        self.register_buffer('bias', conv.bias.detach().reshape(groups, -1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        groups, _, in_per_group = self.weight.shape
        h, w = x.shape[-2:]
        y = torch.matmul(self.weight, x.reshape(-1, groups, in_per_group, h * w)) + self.bias
        return y.reshape(-1, self.bias.numel(), h, w)


def _is_plain_pointwise(conv: nn.Module) -> bool:
    """Whether ``conv`` is a 1×1 conv with stride 1, no padding and a bias (a MatMul and an Add)."""
    return (isinstance(conv, nn.Conv2d) and conv.kernel_size == (1, 1) and conv.stride == (1, 1)
            and conv.padding == (0, 0) and conv.bias is not None)


def is_blocked_layout_pointwise(conv: nn.Module) -> bool:
    """Whether ``conv`` is a 1×1 conv (stride 1, no padding, with bias) that onnxruntime may run in
    its blocked layout: its channels per group are multiples of the block, 8 floats with AVX2 and
    16 with AVX-512 (for a conv without groups, only the input channels count)."""
    if not _is_plain_pointwise(conv):
        return False
    in_per_group, out_per_group = conv.in_channels // conv.groups, conv.out_channels // conv.groups
    return in_per_group % 8 == 0 and (conv.groups == 1 or out_per_group % 8 == 0)


def with_operators(model: nn.Module, pointwise_matmul: bool = True) -> nn.Module:
    """``model`` (a fused model, :func:`fuse_model`) with every :class:`FusedDynamicShiftMax`
    wrapped in :class:`OperatorShiftMax`, every depthwise :class:`SpatialSeparableConv` in
    :class:`OperatorDepthwise`, every :func:`is_blocked_layout_pointwise` conv replaced by
    :class:`PointwiseMatMul` (unless ``pointwise_matmul`` is False: for the int8 graph, whose
    quantized 1×1 convs take the plain layout anyway) and the stem, shuffle and activation of
    every :class:`MicroNet` below it by :class:`OperatorStem`, in place; returned."""
    for name, child in model.named_children():
        if isinstance(child, MicroNet):
            child.stem = OperatorStem(child.stem, child.stem_shuffle)
            child.stem_shuffle = child.stem_act = nn.Identity()
            with_operators(child, pointwise_matmul)
        elif isinstance(child, FusedDynamicShiftMax):
            setattr(model, name, OperatorShiftMax(child))
        elif isinstance(child, SpatialSeparableConv) and is_operator_depthwise(child):
            setattr(model, name, OperatorDepthwise(child))
        elif pointwise_matmul and is_blocked_layout_pointwise(child):
            setattr(model, name, PointwiseMatMul(child))
        else:
            with_operators(child, pointwise_matmul)
    return model


# PyTorch's own, whatever :func:`resize_as_operator` puts in its place.
_INTERPOLATE = F.interpolate


class _ResizeFunction(torch.autograd.Function):
    """Bilinear resize (``align_corners=False``) to ``size`` in PyTorch, one
    ``micronet.ResizeBilinear`` node in an ONNX export."""

    @staticmethod
    def forward(ctx, x, size):
        return _INTERPOLATE(x, size=size, mode='bilinear', align_corners=False)

    @staticmethod
    def symbolic(g, x, size):
        size = g.op('Constant', value_t=torch.tensor(size, dtype=torch.int64))
        return g.op(f'{DOMAIN}::ResizeBilinear', x, size)


@contextlib.contextmanager
def resize_as_operator(resize: Optional[Callable[[torch.Tensor, tuple], torch.Tensor]] = None
                       ) -> Iterator[None]:
    """Within the block, ``F.interpolate`` of a 4-D tensor in bilinear mode without corner
    alignment or antialiasing runs as ``resize(x, (H, W))``, by default :class:`_ResizeFunction`
    (for an ONNX export). A ``scale_factor`` is taken only when it gives a whole output size,
    where PyTorch's sampling positions equal those computed from the sizes; other calls are left
    as they are."""
    resize = resize or _ResizeFunction.apply

    def dispatch(x, size=None, scale_factor=None, mode='nearest', align_corners=None,
                 recompute_scale_factor=None, antialias=False):
        out_size = _bilinear_size(x, size, scale_factor) if (
            mode == 'bilinear' and not align_corners and not antialias and x.dim() == 4) else None
        if out_size is None:
            return _INTERPOLATE(x, size, scale_factor, mode, align_corners, recompute_scale_factor,
                                antialias)
        return resize(x, out_size)

    F.interpolate = dispatch
    try:
        yield
    finally:
        F.interpolate = _INTERPOLATE


def _bilinear_size(x: torch.Tensor, size, scale_factor) -> Optional[tuple]:
    """The (H, W) output of a bilinear resize of ``x``, or None when a scale factor does not give
    whole sizes."""
    if size is not None:
        return tuple(int(v) for v in (size if isinstance(size, (tuple, list)) else (size, size)))
    factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
    out = [int(n) * float(f) for n, f in zip(x.shape[-2:], factors)]
    return tuple(int(v) for v in out) if all(v == math.floor(v) for v in out) else None
