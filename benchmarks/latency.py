"""Inference latency of the shipped models: eager PyTorch, the fused fast path, onnxruntime.

Pose at 256×192 (batch 1 and 32) and segmentation at 1024×2048 (batch 1), MicroNet m0–m3, with 1
and 2 CPU threads; the three variants of a setting are timed interleaved (see
``micronet_dense.deployment.benchmark``), random weights, p50 per batch. ``--quick``: m0 and m3,
pose batch 1 and m3 segmentation with 2 threads, fewer iterations.

    python benchmarks/latency.py [--quick] [--out rows.json]
"""
import argparse
import os.path as osp
from typing import List

from common import make_row

from micronet_dense.apis import init_model
from micronet_dense.deployment.benchmark import benchmark, variant_name
from micronet_dense.utils.atomic_io import write_json_atomic

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {'pose': osp.join(REPO, 'configs/pose/micronet_{}_coco.py'),
           'seg': osp.join(REPO, 'configs/seg/micronet_{}_cityscapes.py')}
VARIANTS = (('torch', False), ('torch', True), ('onnxruntime', True))
VARIANT_LABELS = {'torch': 'torch eager', 'torch-fast': 'torch fused', 'onnxruntime-fast': 'onnxruntime'}
# (task, input (H, W), batch size, warm-up calls, timed calls per variant)
CASES = [('pose', (256, 192), 1, 5, 30), ('pose', (256, 192), 32, 1, 5), ('seg', (1024, 2048), 1, 1, 3)]
QUICK_CASES = [('pose', (256, 192), 1, 2, 10), ('seg', (1024, 2048), 1, 0, 2)]


def run(quick: bool = False) -> List[dict]:
    rows = []
    for task, shape, batch_size, warmup, iters in QUICK_CASES if quick else CASES:
        archs = ('m0', 'm3') if quick else ('m0', 'm1', 'm2', 'm3')
        if quick and task == 'seg':
            archs = ('m3',)
        for arch in archs:
            model = init_model(CONFIGS[task].format(arch))
            for threads in ((2,) if quick and task == 'seg' else (1, 2)):
                results = benchmark(model, VARIANTS, batch_size=batch_size, threads=threads,
                                    shape=shape, warmup=warmup, iters=iters)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--out', help='also write the rows to this JSON file')
    args = parser.parse_args()
    rows = run(quick=args.quick)
    for row in rows:
        print(f"{row['benchmark']:<44} {row['value']:>10.2f} {row['unit']:<6} {row['setting']}")
    if args.out:
        write_json_atomic(args.out, rows, indent=2)


if __name__ == '__main__':
    main()
