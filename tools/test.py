"""Evaluate a checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--show-dir DIR] [--work-dir DIR]
                         [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import sys

from mmengine.runner import Runner

from micronet_dense.datasets.prepare import DatasetNotFoundError
from micronet_dense.engine import (CheckpointLoadError, CheckpointMismatchError,
                                   check_checkpoint_matches, mmengine_checkpoint_globals)
from micronet_dense.engine.config_check import ConfigError
from micronet_dense.engine.run_config import add_run_arguments, load_run_config
from micronet_dense.registry import MODELS
from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.checked_json import DataFileError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a micronet_dense model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='write the metrics as JSON to this file')
    parser.add_argument('--show-dir', help='write each test image with its predictions drawn '
                        '(keypoints coloured by score / segmentation overlay) to this folder')
    add_run_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        cfg = load_run_config(args, loaders=('test_dataloader',))
    except (ConfigError, DatasetNotFoundError) as exc:
        sys.exit(f'error: {exc}')
    cfg.load_from = args.checkpoint
    if args.show_dir:
        cfg.custom_hooks = [*cfg.get('custom_hooks', []),
                            dict(type='PredictionVisualizationHook', out_dir=args.show_dir)]
    # The checkpoint loads with weights_only=True and mmengine's allow-list, strictly: a checkpoint
    # of another model is refused before anything of it is loaded.
    with mmengine_checkpoint_globals():
        try:
            check_checkpoint_matches(args.checkpoint, MODELS.build(cfg.model), cfg.model)
            metrics = Runner.from_cfg(cfg).test()
        except (FileNotFoundError, CheckpointLoadError, CheckpointMismatchError) as exc:
            sys.exit(f'error: {exc}')
        except DataFileError as exc:  # from a dataloader worker: its traceback, then the message
            sys.exit(f'error: {str(exc).strip().splitlines()[-1]}')
    if args.out:
        write_json_atomic(args.out, {k: float(v) for k, v in metrics.items()}, indent=2)


if __name__ == '__main__':
    main()
