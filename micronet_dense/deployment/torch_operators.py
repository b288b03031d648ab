"""MicroNet's C kernels as PyTorch operators, for the compiled inference path.

``csrc/torch_operators.cpp`` registers three operators in the ``micronet`` namespace, the
arithmetic of the onnxruntime operators (:mod:`.onnxruntime_operators`) on PyTorch's intra-op
threads, float32 on the CPU:

* ``torch.ops.micronet.dynamic_shift_max(x, coef, index1, index2)``: ``x`` (B, C, H, W), ``coef``
  (B, 2K·C[, 1, 1]) ordered [a1, b1, a2, b2], ``index1``, ``index2`` (C,) int64 →
  ``max_k(x[:, index1]·a_k + x[:, index2]·b_k)`` in one pass (:func:`shift_max`);
* ``torch.ops.micronet.micro_factorized_depthwise(x, w1, bias1, w2, bias2, stride, dilation,
  padding)``: a fused depthwise :class:`SpatialSeparableConv` (k×1 then 1×k, channel multipliers
  allowed) without writing the tensor between its two convs;
* ``torch.ops.micronet.resize_bilinear(x, size)``: ``F.interpolate(x, size, mode='bilinear',
  align_corners=False)``.

``torch.compile`` calls them as extern kernels (:func:`load_torch_operators` gives each a fake
implementation for tracing). Inductor alone runs a Dynamic Shift-Max's fusions as generated loops,
each depthwise pair as two oneDNN convs and a resize as a generated gather; with the operators m3
pose at 256×192 runs 1.66× faster on 1 thread and 1.36× on 2 (AMD EPYC, one interleaved run; the
current figures are in ``docs/benchmarks.md``, section compiled).

The build needs a C compiler and a C++ compiler (``$CC``, ``$CXX``) and PyTorch's headers, which
the wheel ships; the library is built with OpenMP and links PyTorch's own OpenMP runtime, so that
``at::parallel_for`` uses PyTorch's threads. It is cached like the other kernel libraries
(:mod:`.kernel_library`).
"""
import contextlib
import functools
from pathlib import Path
from typing import Iterator

import torch
from torch import nn
from torch.utils import cpp_extension

from micronet_dense.models.layers import FusedDynamicShiftMax, SpatialSeparableConv

from .kernel_library import KERNEL_SOURCES, compile_shared_library
from .onnxruntime_operators import (OperatorDepthwise, explicit_index1, is_operator_depthwise,
                                    resize_as_operator)

SOURCE = 'torch_operators.cpp'


def _conv_size(size: int, kernel: int, stride: int, dilation: int, padding: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _register_fakes() -> None:
    """Output shapes for tracing (``torch.compile``), without computing."""
    @torch.library.register_fake('micronet::dynamic_shift_max')
    def _(x, coef, index1, index2):
        return torch.empty_like(x, memory_format=torch.contiguous_format)

    @torch.library.register_fake('micronet::micro_factorized_depthwise')
    def _(x, w1, bias1, w2, bias2, stride, dilation, padding):
        k = w1.shape[2]
        return x.new_empty(x.shape[0], w2.shape[0],
                           *(_conv_size(n, k, stride, dilation, padding) for n in x.shape[2:]))

    @torch.library.register_fake('micronet::resize_bilinear')
    def _(x, size):
        return x.new_empty(x.shape[0], x.shape[1], *size)


@functools.lru_cache(maxsize=None)
def load_torch_operators() -> str:
    """Build (first use) and load the operators into this process; the library's path.
    Raises :class:`~.kernel_library.OperatorUnavailable` when it cannot be built."""
    kernels = compile_shared_library(KERNEL_SOURCES)
    torch_lib = cpp_extension.library_paths()[0]
    extra_args = [kernels, f'-Wl,-rpath,{Path(kernels).parent}', f'-L{torch_lib}',
                 f'-Wl,-rpath,{torch_lib}', '-lc10', '-ltorch_cpu', '-fopenmp',
                 f'-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}']
    path = compile_shared_library((SOURCE,), cpp_extension.include_paths(), extra_args,
                                  fingerprint=[torch.__version__])
    torch.ops.load_library(path)
    _register_fakes()
    return path


class KernelShiftMax(nn.Module):
    """A :class:`FusedDynamicShiftMax` whose fusions run as ``micronet::dynamic_shift_max``, its
    coefficients computed as the fused layer computes them (1×1 convs, which inductor runs faster
    than the linear layers of the export's
    :class:`~.onnxruntime_operators.OperatorShiftMax`).

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, fused: FusedDynamicShiftMax) -> None:
        super().__init__()
        self.fused = fused
        self.register_buffer('index1', explicit_index1(fused), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.micronet.dynamic_shift_max(x, self.fused.coefficients(x), self.index1,
                                                    self.fused.index2)


class KernelDepthwise(OperatorDepthwise):
    """A fused depthwise :class:`SpatialSeparableConv` (:func:`is_operator_depthwise`) run as
    ``micronet::micro_factorized_depthwise``.

    Shapes: (B, C, H, W) -> (B, O, H / stride, W / stride).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kx1, one_by_k = self.conv.conv_kx1, self.conv.conv_1xk
        return torch.ops.micronet.micro_factorized_depthwise(
            x, kx1.weight, kx1.bias, one_by_k.weight, one_by_k.bias, kx1.stride[0],
            kx1.dilation[0], kx1.padding[0])


def with_torch_operators(model: nn.Module) -> nn.Module:
    """``model`` (a fused model, :func:`fuse_model`) with every :class:`FusedDynamicShiftMax` in
    :class:`KernelShiftMax` and every depthwise :class:`SpatialSeparableConv` in
    :class:`KernelDepthwise`, in place; returned. Loads the operators."""
    load_torch_operators()
    for name, child in model.named_children():
        if isinstance(child, FusedDynamicShiftMax):
            setattr(model, name, KernelShiftMax(child))
        elif isinstance(child, SpatialSeparableConv) and is_operator_depthwise(child):
            setattr(model, name, KernelDepthwise(child))
        else:
            with_torch_operators(child)
    return model


def _resize(x: torch.Tensor, size: tuple) -> torch.Tensor:
    return torch.ops.micronet.resize_bilinear(x, list(size))


@contextlib.contextmanager
def resize_as_torch_operator() -> Iterator[None]:
    """Within the block, bilinear ``F.interpolate`` (the calls :func:`resize_as_operator` takes)
    runs as ``micronet::resize_bilinear``."""
    load_torch_operators()
    with resize_as_operator(_resize):
        yield
