"""The compiled PyTorch path against eager and fused PyTorch, and its compilation time.

m3 pose at 256×192, batch 1, 1 and 2 threads; eager, fused (:func:`fuse_model`), fused +
``torch.compile`` (inductor) alone and with the project's PyTorch operators (:func:`compile_model`,
the path the tools' ``--compile`` take) timed interleaved, p50, on random weights of
realistic activation scale (``shipped_model``: a fresh pose head's ~1e-30 heatmaps
would time denormal arithmetic). ``--quick``: m0, 1 thread, fewer calls (compilation still takes
a minute or more).

Run alone: ``python benchmarks/compiled.py [--quick] [--out rows.json]``.
"""
import os.path as osp
import sys
from typing import List

from micronet_dense.deployment.benchmark import COMPILED, benchmark, variant_name

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, REPO)
from benchmarks.common import make_row, shipped_model  # noqa: E402

SHAPE = (256, 192)
VARIANTS = (('torch', False), ('torch', True), ('torch-inductor', True), ('torch-compiled', True))
LABELS = {'torch': 'torch eager', 'torch-fast': 'torch fused',
          'torch-inductor': 'torch compiled, inductor alone',
          'torch-compiled': 'torch compiled + operators'}


def run(quick: bool = False) -> List[dict]:
    arch, thread_counts, warmup, iters = ('m0', (1,), 2, 10) if quick else ('m3', (1, 2), 5, 30)
    model = shipped_model('pose', arch)
    name = f'pose_{arch}_{SHAPE[0]}x{SHAPE[1]}_b1'
    rows = []
    for threads in thread_counts:
        stats = benchmark(model, VARIANTS, threads=threads, shape=SHAPE, warmup=warmup,
                          iters=iters, progress=True)
        for backend, fast in VARIANTS:
            result = stats[variant_name(backend, fast)]
            setting = f'{LABELS[variant_name(backend, fast)]}, {threads} thread(s), {iters} calls'
            rows.append(make_row(f'compiled/{name}', setting + ', p50', result['p50_ms'], 'ms',
                                 threads=threads))
        for backend in COMPILED:
            rows.append(make_row(f'compile_time/{name}', f'{LABELS[backend]} (inductor, freezing), '
                                 f'{threads} thread(s)', stats[backend]['compile_s'], 's',
                                 threads=threads))
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
