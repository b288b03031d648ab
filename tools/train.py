"""Train a model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--cfg-options k=v ...]
                                 [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import os
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from micronet_dense.datasets.prepare import DatasetNotFoundError, ensure_dataset
from micronet_dense.engine import mmengine_checkpoint_globals
from micronet_dense.utils import register_all_modules
from micronet_dense.utils.run_config import load_run_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a micronet_dense model')
    parser.add_argument('config')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', const='auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed precision (GPU)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    register_all_modules()
    try:
        ensure_dataset(cfg)
    except DatasetNotFoundError as exc:
        sys.exit(f'error: {exc}')
    # Checkpoints (resume, load_from) load with weights_only=True and mmengine's allow-list.
    with mmengine_checkpoint_globals():
        Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    main()
