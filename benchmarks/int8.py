"""int8 (static, QDQ) against float32 ONNX graphs in onnxruntime: latency at batch 1.

The fused float32 export of m3 pose (256×192) and m3 segmentation (1024×2048) and its int8 QDQ
form by ``quantize_onnx`` (1×1 convs, per-tensor scales); and, where the project's operator library
builds, the export with the operators and its int8 form by ``quantize_with_operators`` (the same
convs as ``QuantizedPointwiseConv``). All four timed interleaved with 1 thread, p50.
Weights are random of realistic activation scale (``shipped_model``) and calibration
uses random inputs, which sets the scales but not the speed; accuracy needs trained weights and is
what ``tools/deployment/quantize_onnx.py --evaluate`` reports. ``--quick``: m0 pose only.

Run alone: ``python benchmarks/int8.py [--quick] [--out rows.json]``.
"""
import os.path as osp
import sys
import tempfile
from typing import List

import numpy as np

from micronet_dense.deployment.benchmark import time_interleaved
from micronet_dense.deployment.onnx import INPUT_NAME, export_onnx, ort_session
from micronet_dense.deployment.quantize import quantize_onnx, quantize_with_operators

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, REPO)
from benchmarks.common import make_row, operators_available, shipped_model  # noqa: E402

# (task, arch, input (H, W), calibration batches of 2, timed calls)
CASES = [('pose', 'm3', (256, 192), 8, 30), ('seg', 'm3', (1024, 2048), 2, 5)]
QUICK_CASES = [('pose', 'm0', (256, 192), 2, 10)]


def run(quick: bool = False) -> List[dict]:
    rows = []
    rng = np.random.default_rng(0)
    operators = operators_available('int8')
    for task, arch, shape, calibration, iters in QUICK_CASES if quick else CASES:
        model = shipped_model(task, arch)
        with tempfile.TemporaryDirectory() as workdir:
            paths = {name: osp.join(workdir, f'{name}.onnx') for name in (
                'float32', 'int8', 'float32 + operators', 'int8 + operators')[:4 if operators else 2]}
            batches = [rng.standard_normal((2, 3, *shape)).astype(np.float32)
                       for _ in range(calibration)]
            export_onnx(model, paths['float32'], shape, fast=True)
            quantize_onnx(paths['float32'], paths['int8'], batches)
            if operators:
                quantize_with_operators(model, paths['float32 + operators'],
                                        paths['int8 + operators'], shape, batches)
            feed = {INPUT_NAME: rng.standard_normal((1, 3, *shape)).astype(np.float32)}
            sessions = {name: ort_session(path, 1, flush_denormal=True)
                        for name, path in paths.items()}
            stats = time_interleaved({name: lambda s=s: s.run(None, feed)
                                      for name, s in sessions.items()},
                                     warmup=2, iters=iters, batch_size=1, progress=True)
        name = f'{task}_{arch}_{shape[0]}x{shape[1]}_b1'
        for precision in paths:
            rows.append(make_row(f'int8/{name}', f'onnxruntime {precision}, 1 thread(s), {iters} '
                                 'calls, p50', stats[precision]['p50_ms'], 'ms', threads=1))
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
