"""Compiled PyTorch inference path: the fused model (:func:`fuse_model`) with ``torch.compile``.

The estimator itself stays an ordinary module (its ``mode='predict'`` bookkeeping, flip test and
decoding run eagerly); what runs compiled is the network it calls, each of its children that hold
weights (backbone, heads), compiled in place with :meth:`torch.nn.Module.compile`. Inductor turns
every Dynamic Shift-Max (pool → FC → FC → clamp → two channel gathers → fusions → max) into one or
two loops over the tensor instead of the chain of full-size passes that eager PyTorch runs, and
with inductor's ``freezing`` its weights become constants, so the convolutions' weights are packed
once for oneDNN (the copy is inference-only, like the fused model). Freezing is switched on around
every call of the compiled modules (:func:`_with_freezing`), since dynamo, not only inductor, must
see it. Inductor's ``cpp_wrapper`` calls the generated kernels and the convolutions from C++ instead
of Python (m3 pose at 256×192: 11–14 % faster on 1 and 2 threads, AMD EPYC; compilation about 30 %
longer).

Compilation happens at the first call for each input shape and grad mode, so
:func:`compile_model` makes that call itself on an example input, under ``torch.no_grad()`` as the
test loop and the inference functions run, and reports how long it took. A batch of another size
compiles again (once; from the second size on the batch axis is dynamic), and so does a first call
under ``torch.inference_mode()``.
"""
import functools
import time
from typing import Callable, Sequence, Tuple

import torch
from torch import nn
from torch._inductor import config as inductor_config

from micronet_dense.models.tensor_output import TensorOutput

from .fuse import fuse_model

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


def _with_freezing(call: Callable) -> Callable:
    """``call`` run with inductor's ``freezing`` on.

    Dynamo reads the setting while it traces (at the first call for each input shape) to put the
    weights into the graph as constants; ``torch.compile(options=...)`` reaches only inductor,
    after tracing, where weights traced as graph inputs can no longer be frozen.
    """
    @functools.wraps(call)
    def frozen_call(*args, **kwargs):
        previous = inductor_config.freezing
        inductor_config.freezing = True
        try:
            return call(*args, **kwargs)
        finally:
            inductor_config.freezing = previous
    return frozen_call


def compile_model(model: nn.Module, example_shape: Sequence[int], backend: str = 'inductor'
                  ) -> Tuple[nn.Module, float]:
    """The fused, compiled copy of ``model`` and the seconds its compilation took.

    Args:
        model: an estimator (any mode of it keeps working on the copy).
        example_shape: (B, 3, H, W) of the inputs to compile for, run once here.
        backend: one of :data:`COMPILE_BACKENDS`.
    """
    if backend not in COMPILE_BACKENDS:
        raise ValueError(f'unknown compile backend {backend!r}; choose from {COMPILE_BACKENDS}')
    compiled = fuse_model(model)
    for child in _weighted_children(compiled):
        inductor = backend == 'inductor'
        child.compile(backend=backend, options={'cpp_wrapper': True} if inductor else None)
        if inductor:
            child._compiled_call_impl = _with_freezing(child._compiled_call_impl)
    example = torch.randn(*example_shape, generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    with torch.no_grad():
        TensorOutput(compiled)(example)
    return compiled, time.perf_counter() - start
