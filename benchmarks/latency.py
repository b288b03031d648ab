"""Inference latency of the shipped models: eager PyTorch, the fused fast path, onnxruntime.

Pose at 256×192 (batch 1 and 32) and segmentation at 1024×2048 (batch 1), MicroNet m0–m3, with 1
and 2 CPU threads; eager and fused timed interleaved, then onnxruntime (see
``micronet_dense.deployment.benchmark``, denormals flushed to zero), random weights of unit-scale
outputs, p50 per batch. ``--quick``: m0 and m3,
pose batch 1 and m3 segmentation with 2 threads, fewer iterations.

Run alone: ``python benchmarks/latency.py [--quick] [--out rows.json]``.
"""
import os.path as osp
import sys
from typing import List

from micronet_dense.deployment.benchmark import benchmark, variant_name

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, REPO)
from benchmarks.common import make_row, shipped_model  # noqa: E402

VARIANTS = (('torch', False), ('torch', True), ('onnxruntime', True))
VARIANT_LABELS = {'torch': 'torch eager', 'torch-fast': 'torch fused',
                  'onnxruntime-fast': 'onnxruntime'}
# (task, input (H, W), batch size, warm-up calls, timed calls per variant)
CASES = [('pose', (256, 192), 1, 5, 30), ('pose', (256, 192), 32, 1, 5),
         ('seg', (1024, 2048), 1, 1, 3)]
QUICK_CASES = [('pose', (256, 192), 1, 2, 10), ('seg', (1024, 2048), 1, 1, 2)]


def run(quick: bool = False) -> List[dict]:
    rows = []
    for task, shape, batch_size, warmup, iters in QUICK_CASES if quick else CASES:
        archs = ('m0', 'm3') if quick else ('m0', 'm1', 'm2', 'm3')
        if quick and task == 'seg':
            archs = ('m3',)
        for arch in archs:
            model = shipped_model(task, arch)
            for threads in ((2,) if quick and task == 'seg' else (1, 2)):
                results = benchmark(model, VARIANTS, batch_size=batch_size, threads=threads,
                                    shape=shape, warmup=warmup, iters=iters, progress=True)
                name = f'{task}_{arch}_{shape[0]}x{shape[1]}_b{batch_size}'
                for backend, fast in VARIANTS:
                    stats = results[variant_name(backend, fast)]
                    setting = (f'{VARIANT_LABELS[variant_name(backend, fast)]}, {threads} thread(s), '
                               f'{iters} calls')
                    rows.append(make_row(f'latency/{name}', setting + ', p50', stats['p50_ms'], 'ms',
                                         threads=threads))
                    if batch_size > 1:
                        rows.append(make_row(f'throughput/{name}', setting, stats['throughput'],
                                             'img/s', threads=threads))
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
