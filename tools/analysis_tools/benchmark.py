"""Inference latency and throughput of a config's model on the CPU.

    python tools/analysis_tools/benchmark.py CONFIG [--checkpoint CKPT]
        [--backend torch|onnxruntime|onnxruntime-operators] [--fast] [--compile] [--batch-size N]
        [--threads T] [--shape H W] [--warmup W] [--iters N] [--out results.json]

Times ``model(inputs, mode='tensor')`` (PyTorch, eager or fused with --fast, or the fused model
compiled by torch.compile with --compile) or its ONNX export (onnxruntime, all graph
optimisations; ``onnxruntime-operators``: the fused export with the project's onnxruntime
operators, docs/deployment.md) after --warmup calls; prints p50/p90/p99/mean latency per batch
and images/s (and the compilation time), and writes them as JSON with --out. Without --checkpoint the weights are
random ones of unit-scale outputs (a fresh pose head's ~1e-34 heatmaps would time denormal
arithmetic), and denormals are flushed to zero in any case.
"""
import argparse
import json

from micronet_dense.apis import init_model
from micronet_dense.deployment.benchmark import (ALWAYS_FUSED, BACKENDS, COMPILED, benchmark,
                                                 variant_name)
from micronet_dense.deployment.onnx import unit_scale_random_weights
from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.user_errors import exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('--checkpoint', help='weights to load (default: random weights of '
                        'unit-scale outputs)')
    parser.add_argument('--backend', choices=[b for b in BACKENDS if b not in COMPILED],
                        default='torch')
    parser.add_argument('--fast', action='store_true', help='the fused inference model')
    parser.add_argument('--compile', action='store_true',
                        help='PyTorch: the fused model compiled by torch.compile (inductor)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1, help='intra-op CPU threads')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the config's input_shape)")
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args()
    if args.compile and args.backend != 'torch':
        parser.error(f'--compile is a PyTorch option; it cannot go with --backend {args.backend}')
    return args


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint)
    shape = tuple(args.shape or model.cfg.get('input_shape', (224, 224)))
    if args.checkpoint is None:
        unit_scale_random_weights(model, shape)
    backend = 'torch-compiled' if args.compile else args.backend
    name = variant_name(backend, args.fast)
    stats = benchmark(model, [(backend, args.fast)], batch_size=args.batch_size,
                      threads=args.threads, shape=shape, warmup=args.warmup, iters=args.iters,
                      progress=True)[name]
    result = dict(config=args.config, checkpoint=args.checkpoint, backend=args.backend,
                  fast=args.fast or backend in ALWAYS_FUSED, compiled=args.compile,
                  batch_size=args.batch_size, threads=args.threads, input_shape=list(shape),
                  warmup=args.warmup, flush_denormal=True, **stats)
    print(f'{name}, batch {args.batch_size}, {args.threads} thread(s), 3x{shape[0]}x{shape[1]}: '
          f'p50 {stats["p50_ms"]:.2f} ms, p90 {stats["p90_ms"]:.2f} ms, p99 {stats["p99_ms"]:.2f} ms, '
          f'mean {stats["mean_ms"]:.2f} ms, {stats["throughput"]:.1f} img/s'
          + (f', compiled in {stats["compile_s"]:.1f} s' if args.compile else '')
          + ' (denormals flushed to zero)')
    if args.out:
        write_json_atomic(args.out, result, indent=2)
    print(json.dumps(result))


if __name__ == '__main__':
    with exit_on_user_error():
        main()
