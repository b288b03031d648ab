"""Quantize a pose or segmentation model to int8 ONNX (static, QDQ) with onnxruntime, calibrated
on images of the config's training split, and optionally score it against float32.

    python tools/deployment/quantize_onnx.py CONFIG CHECKPOINT OUT.onnx [--calib-images N]
        [--per-channel] [--all-ops] [--operators] [--float-out FLOAT.onnx] [--evaluate]
        [--threads T] [--iters N] [--out-json report.json] [--cfg-options k=v ...]

The fused float32 model is exported at the config's ``input_shape`` (checked against PyTorch),
then its 1×1 convs are quantized (every operator onnxruntime can with --all-ops): weights int8
with one scale per tensor (--per-channel: per output channel), activations uint8 with min/max
ranges from the first --calib-images training samples through the test pipeline. --operators
quantizes the same convs into the export with the project's onnxruntime operators, each as a
QuantizedPointwiseConv operator instead of onnxruntime's QDQ form (the float32 graph is then that
export too; the library is built where the graphs run: docs/deployment.md). With
--evaluate both graphs are scored on the test split with the config's metric (pose AP,
segmentation mIoU) and timed at batch 1, interleaved, with --threads onnxruntime threads. The
last line printed is JSON.
"""
import argparse
import json
import os
import os.path as osp
import tempfile

import torch

from micronet_dense.apis import init_model
from micronet_dense.deployment.benchmark import time_interleaved
from micronet_dense.deployment.onnx import INPUT_NAME, export_onnx, ort_session
from micronet_dense.deployment.onnxruntime_estimator import (evaluate_test_split,
                                                             onnxruntime_estimator)
from micronet_dense.deployment.quantize import (calibration_batches, quantize_onnx,
                                                quantize_with_operators)
from micronet_dense.engine.run_config import add_run_arguments, load_run_config
from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.cpu import cpu_has
from micronet_dense.utils.user_errors import exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('checkpoint', help='trained weights (calibration needs real activations)')
    parser.add_argument('out', help='the int8 .onnx file to write')
    parser.add_argument('--calib-images', type=int, default=64,
                        help='training samples to calibrate on (default 64)')
    parser.add_argument('--per-channel', action='store_true',
                        help='one weight scale per output channel instead of per tensor')
    parser.add_argument('--all-ops', action='store_true',
                        help='quantize every operator onnxruntime can, not only the 1x1 convs')
    parser.add_argument('--operators', action='store_true',
                        help="the export with the project's onnxruntime operators, its quantized "
                             '1x1 convs as their int8 operator (not with --all-ops)')
    parser.add_argument('--float-out', help='also keep the float32 export here')
    parser.add_argument('--evaluate', action='store_true',
                        help='score float32 and int8 on the test split and time both')
    parser.add_argument('--threads', type=int, default=1, help='onnxruntime intra-op threads')
    parser.add_argument('--iters', type=int, default=30, help='timed calls per graph')
    parser.add_argument('--out-json', dest='report', help='write the report as JSON here')
    add_run_arguments(parser)
    args = parser.parse_args()
    if args.operators and args.all_ops:
        parser.error('--operators quantizes the 1x1 convs only: not with --all-ops')
    return args


def latency_ms(paths: dict, shape, threads: int, iters: int) -> dict:
    """p50 ms at batch 1 of each graph in ``paths``, timed interleaved, denormals flushed."""
    inputs = torch.randn(1, 3, *shape, generator=torch.Generator().manual_seed(0))
    feed = {INPUT_NAME: inputs.numpy()}
    runners = {}
    for name, path in paths.items():
        session = ort_session(path, threads, flush_denormal=True)
        runners[name] = lambda session=session: session.run(None, feed)
    stats = time_interleaved(runners, warmup=3, iters=iters, batch_size=1)
    return {name: stats[name]['p50_ms'] for name in paths}


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint file')
    cfg = load_run_config(args, loaders=('train_dataloader', 'test_dataloader'))
    model = init_model(cfg, args.checkpoint)
    shape = tuple(cfg.get('input_shape', (224, 224)))
    with tempfile.TemporaryDirectory() as workdir:
        float_path = args.float_out or os.path.join(workdir, 'float32.onnx')
        batches = calibration_batches(cfg, model, args.calib_images)
        if args.operators:
            images = quantize_with_operators(model, float_path, args.out, shape, batches,
                                             per_channel=args.per_channel)
        else:
            export_onnx(model, float_path, shape, fast=True)
            images = quantize_onnx(float_path, args.out, batches, per_channel=args.per_channel,
                                   all_ops=args.all_ops)
        report = dict(config=args.config, checkpoint=args.checkpoint, onnx=args.out,
                      input_shape=list(shape), calibration_images=images,
                      per_channel=args.per_channel, all_ops=args.all_ops, operators=args.operators)
        form = 'with the operators' if args.operators else 'QDQ'
        print(f'wrote {args.out}: int8 {form}, calibrated on {images} training samples')
        if args.operators and not cpu_has('avx512_vnni'):
            print('note: this CPU has no AVX-512 VNNI; here the int8 operator sums in plain C, '
                  'slower than the float32 convs (docs/deployment.md)')
        if args.evaluate:
            paths = {'float32': float_path, 'int8': args.out}
            for name, path in paths.items():
                metrics = evaluate_test_split(onnxruntime_estimator(model, path, args.threads), cfg)
                report[name] = {k: float(v) for k, v in metrics.items()}
            times = latency_ms(paths, shape, args.threads, args.iters)
            for name, ms in times.items():
                report[name]['latency_ms'] = ms
            report['int8_speedup'] = times['float32'] / times['int8']
            for name in paths:
                print(f'{name}: ' + ', '.join(f'{k} {v:.4g}' for k, v in report[name].items()))
            print(f'int8 is {report["int8_speedup"]:.2f}x as fast as float32 '
                  f'(batch 1, {args.threads} thread(s), p50 of {args.iters} calls)')
    if args.report:
        write_json_atomic(args.report, report, indent=2)
    print(json.dumps(report))


if __name__ == '__main__':
    with exit_on_user_error():
        main()
