"""Evaluate a checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--work-dir DIR]
                         [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import os
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from micronet_dense.datasets.prepare import DatasetNotFoundError, ensure_dataset
from micronet_dense.engine import mmengine_checkpoint_globals
from micronet_dense.utils import register_all_modules
from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.run_config import load_run_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a micronet_dense model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='write the metrics as JSON to this file')
    parser.add_argument('--work-dir', help='where logs go (default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    cfg.load_from = args.checkpoint
    register_all_modules()
    try:
        ensure_dataset(cfg, loaders=('test_dataloader',))
    except DatasetNotFoundError as exc:
        sys.exit(f'error: {exc}')
    # Checkpoints (resume, load_from) load with weights_only=True and mmengine's allow-list.
    with mmengine_checkpoint_globals():
        metrics = Runner.from_cfg(cfg).test()
    if args.out:
        write_json_atomic(args.out, {k: float(v) for k, v in metrics.items()}, indent=2)


if __name__ == '__main__':
    main()
