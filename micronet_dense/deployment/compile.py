"""Compiled PyTorch inference path: the fused model (:func:`fuse_model`) with ``torch.compile``.

The estimator itself stays an ordinary module (its ``mode='predict'`` bookkeeping, flip test and
decoding run eagerly); what runs compiled is the network it calls, each of its children that hold
weights (backbone, heads), compiled in place with :meth:`torch.nn.Module.compile`. Inductor turns
every Dynamic Shift-Max (pool → FC → FC → clamp → two channel gathers → fusions → max) into one or
two loops over the tensor instead of the chain of full-size passes that eager PyTorch runs, and
with inductor's ``freezing`` its weights become constants, so the convolutions' weights are packed
once for oneDNN (the copy is inference-only, like the fused model). Freezing is switched on around
every call of the compiled modules (:func:`_with_settings`), since dynamo, not only inductor, must
see it. Inductor's ``cpp_wrapper`` calls the generated kernels and the convolutions from C++ instead
of Python (m3 pose at 256×192: 11–14 % faster on 1 and 2 threads, AMD EPYC; compilation about 30 %
longer).

With ``operators`` (the default), the fused model first gets the project's PyTorch operators
(:mod:`.torch_operators`): each Dynamic Shift-Max's fusions, each depthwise Micro-Factorized conv
pair and each bilinear resize run as one C kernel pass, which inductor calls between its own
kernels (m3 pose: 1.66× faster than inductor alone on 1 thread, 1.36× on 2, AMD EPYC). Their
build needs a C compiler besides inductor's C++ compiler and is cached.

Compilation happens at the first call for each input shape and grad mode, so
:func:`compile_model` makes that call itself on an example input, under ``torch.no_grad()`` as the
test loop and the inference functions run, and reports how long it took. A batch of another size
compiles again (once; from the second size on the batch axis is dynamic), and so does a first call
under ``torch.inference_mode()``.
"""
import contextlib
import functools
import time
from typing import Callable, Sequence, Tuple

import torch
from torch import nn
from torch._inductor import config as inductor_config

from micronet_dense.models.tensor_output import TensorOutput

from .fuse import fuse_model
from .torch_operators import resize_as_torch_operator, with_torch_operators

# 'inductor' generates C++ loops (needs a C++ compiler); 'eager' only captures the graphs, which
# checks the wiring without code generation.
COMPILE_BACKENDS = ('inductor', 'eager')


def _weighted_children(module: nn.Module):
    """The children of ``module`` that hold parameters, looking inside ModuleDict/ModuleList (which
    are never called themselves)."""
    for child in module.children():
        if isinstance(child, (nn.ModuleDict, nn.ModuleList)):
            yield from _weighted_children(child)
        elif next(child.parameters(), None) is not None:
            yield child


def _with_settings(call: Callable, freezing: bool, resize_operator: bool) -> Callable:
    """``call`` run with inductor's ``freezing`` set to ``freezing`` and, if ``resize_operator``,
    with bilinear resizes as the project's operator (:func:`resize_as_torch_operator`).

    Dynamo reads both while it traces (at the first call for each input shape): freezing, to put
    the weights into the graph as constants (``torch.compile(options=...)`` reaches only
    inductor, after tracing, where weights traced as graph inputs can no longer be frozen); the
    resize, as the function it calls, and its guards then expect it at every call.
    """
    @functools.wraps(call)
    def configured_call(*args, **kwargs):
        previous = inductor_config.freezing
        inductor_config.freezing = freezing
        try:
            with resize_as_torch_operator() if resize_operator else contextlib.nullcontext():
                return call(*args, **kwargs)
        finally:
            inductor_config.freezing = previous
    return configured_call


def compile_model(model: nn.Module, example_shape: Sequence[int], backend: str = 'inductor',
                  operators: bool = True) -> Tuple[nn.Module, float]:
    """The fused, compiled copy of ``model`` and the seconds its compilation took (with the
    operators' build, when it is not cached yet).

    Args:
        model: an estimator (any mode of it keeps working on the copy).
        example_shape: (B, 3, H, W) of the inputs to compile for, run once here.
        backend: one of :data:`COMPILE_BACKENDS`.
        operators: run the project's PyTorch operators (:mod:`.torch_operators`) in the
            compiled graphs.
    """
    if backend not in COMPILE_BACKENDS:
        raise ValueError(f'unknown compile backend {backend!r}; choose from {COMPILE_BACKENDS}')
    start = time.perf_counter()
    compiled = fuse_model(model)
    if operators:
        with_torch_operators(compiled)
    for child in _weighted_children(compiled):
        inductor = backend == 'inductor'
        child.compile(backend=backend, options={'cpp_wrapper': True} if inductor else None)
        child._compiled_call_impl = _with_settings(child._compiled_call_impl, inductor, operators)
    example = torch.randn(*example_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        TensorOutput(compiled)(example)
    return compiled, time.perf_counter() - start
