"""Inference latency of an estimator on the CPU with PyTorch (eager, fused or compiled) or
onnxruntime.

Several runners are timed *interleaved* (one call of each in turn), so a change in the machine's
load during the measurement affects them alike and their ratios stay meaningful on a shared CPU.
"""
import contextlib
import os
import tempfile
import time
from typing import Callable, Dict, Iterator, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from micronet_dense.models.tensor_output import TensorOutput

from .compile import compile_model
from .fuse import fuse_model
from .onnx import INPUT_NAME, export_onnx, ort_session

# 'torch-compiled' is the fused model compiled by inductor with the project's PyTorch operators
# (:func:`compile_model`), 'torch-inductor' the same without the operators, both fast or not;
# 'onnxruntime-operators' the fused export with the project's onnxruntime operators
# (:mod:`.onnxruntime_operators`), fast or not.
BACKENDS = ('torch', 'torch-compiled', 'torch-inductor', 'onnxruntime', 'onnxruntime-operators')
ALWAYS_FUSED = ('torch-compiled', 'torch-inductor', 'onnxruntime-operators')
COMPILED = ('torch-compiled', 'torch-inductor')


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run PyTorch with ``threads`` intra-op threads, restoring the previous number afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def flush_denormal() -> Iterator[None]:
    """PyTorch's CPU arithmetic with denormal floats flushed to zero, switched off afterwards."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def latency_stats(seconds: Sequence[float], batch_size: int) -> Dict[str, float]:
    """p50/p90/p99/mean latency in ms per batch and throughput in images/s from call times."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return dict(p50_ms=float(p50), p90_ms=float(p90), p99_ms=float(p99), mean_ms=float(ms.mean()),
                throughput=float(batch_size * 1e3 / ms.mean()), iters=len(ms))


def time_interleaved(runners: Dict[str, Callable[[], object]], warmup: int, iters: int,
                     batch_size: int, progress: bool = False) -> Dict[str, Dict[str, float]]:
    """Call every runner ``warmup`` times, then ``iters`` times in turn; stats per runner.
    ``progress`` shows a bar over the rounds on stderr."""
    if iters < 1:
        raise ValueError(f'iters must be at least 1, got {iters}')
    rounds = tqdm(total=warmup + iters, desc='warm-up + timed rounds', unit='round',
                  disable=not progress, leave=False)
    for _ in range(warmup):
        for run in runners.values():
            run()
        rounds.update()
    seconds = {name: [] for name in runners}
    for _ in range(iters):
        rounds.update()
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    return {name: latency_stats(values, batch_size) for name, values in seconds.items()}


def torch_runner(model: nn.Module, inputs: torch.Tensor) -> Callable[[], torch.Tensor]:
    """A call of ``model(inputs, mode='tensor')`` under ``torch.no_grad()`` (the grad mode a
    compiled model was compiled for, and that of the test loop)."""
    forward = TensorOutput(model.eval())

    def run() -> torch.Tensor:
        with torch.no_grad():
            return forward(inputs)
    return run


def onnxruntime_runner(model: nn.Module, inputs: torch.Tensor, threads: int, fast: bool,
                       workdir: str, operators: bool = False) -> Callable[[], object]:
    """Export ``model`` (fused if ``fast``; fused with the project's operators if ``operators``)
    into ``workdir`` and return a call of its session."""
    path = os.path.join(workdir,
                        f'model{"_operators" if operators else "_fast" if fast else ""}.onnx')
    export_onnx(model, path, inputs.shape[-2:], fast=fast, operators=operators)
    session = ort_session(path, threads, flush_denormal=True)
    feed = {INPUT_NAME: inputs.numpy()}
    return lambda: session.run(None, feed)


def variant_name(backend: str, fast: bool) -> str:
    return backend + ('-fast' if fast and backend not in ALWAYS_FUSED else '')


def benchmark(model: nn.Module, variants: Sequence[Tuple[str, bool]] = (('torch', False),),
              batch_size: int = 1, threads: int = 1, shape: Sequence[int] = (256, 192),
              warmup: int = 5, iters: int = 30,
              progress: bool = False) -> Dict[str, Dict[str, float]]:
    """Latency statistics of ``model`` on (batch_size, 3, *shape) inputs, timed interleaved.

    Each variant is ``(backend, fast)``: ``fast`` runs the fused model (:func:`fuse_model`), or for
    onnxruntime its export; the backends of :data:`ALWAYS_FUSED` always run the fused model, and
    the compiled ones' statistics add ``compile_s``, the seconds of compilation. Keys of the
    result are :func:`variant_name`, e.g. ``'torch-fast'``. Denormals are flushed to zero while
    timing (:func:`flush_denormal`, ``ort_session``). The PyTorch variants are interleaved with
    each other and the onnxruntime ones after them, with each other: between its runs an
    onnxruntime session's threads spin and take the cores from PyTorch (m3 pose, 2 threads: eager
    85 ms interleaved with onnxruntime, 37 ms without).
    """
    unknown = {backend for backend, _ in variants} - set(BACKENDS)
    if unknown:
        raise ValueError(f'unknown backend(s) {sorted(unknown)}; choose from {BACKENDS}')
    inputs = torch.randn(batch_size, 3, *shape, generator=torch.Generator().manual_seed(0))
    model = model.eval()
    stats, compile_seconds = {}, {}
    groups = ([v for v in variants if not v[0].startswith('onnxruntime')],
              [v for v in variants if v[0].startswith('onnxruntime')])
    with tempfile.TemporaryDirectory() as workdir, torch_threads(threads):
        for group in filter(None, groups):
            runners = {}
            for backend, fast in group:
                name = variant_name(backend, fast)
                if backend == 'torch':
                    run = torch_runner(fuse_model(model) if fast else model, inputs)
                elif backend in COMPILED:
                    compiled, compile_seconds[name] = compile_model(
                        model, inputs.shape, operators=backend == 'torch-compiled')
                    run = torch_runner(compiled, inputs)
                else:
                    run = onnxruntime_runner(model, inputs, threads, fast, workdir,
                                             operators=backend == 'onnxruntime-operators')
                runners[name] = run
            with flush_denormal():
                stats.update(time_interleaved(runners, warmup, iters, batch_size, progress))
    for name, seconds in compile_seconds.items():
        stats[name]['compile_s'] = seconds
    return {variant_name(*variant): stats[variant_name(*variant)] for variant in variants}
