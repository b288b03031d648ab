"""Train a model from a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--auto-scale-lr]
                                 [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse

import torch
from mmengine.runner import Runner, find_latest_checkpoint

from micronet_dense.engine import (check_checkpoint_matches, mmengine_checkpoint_globals,
                                   work_dir_lock)
from micronet_dense.engine.run_config import (add_run_arguments, load_run_config,
                                              process_group_scope)
from micronet_dense.registry import MODELS
from micronet_dense.utils.user_errors import UserError, exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a micronet_dense model')
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('--resume', nargs='?', const='auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: float16 with dynamic loss scaling on a GPU, '
                        'bfloat16 on the CPU')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by (GPUs x batch per GPU) / '
                        'auto_scale_lr.base_batch_size of the config (linear scaling rule)')
    add_run_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args, loaders=('train_dataloader', 'val_dataloader'))
    if args.amp and torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    elif args.amp:  # mmengine's AmpOptimWrapper needs a GPU
        cfg.optim_wrapper.type = 'BF16OptimWrapper'
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise UserError(f'{args.config} has no auto_scale_lr.base_batch_size to scale from')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    # Checkpoints (resume, load_from) load with weights_only=True and mmengine's allow-list.
    with process_group_scope(), work_dir_lock(cfg.work_dir), mmengine_checkpoint_globals():
        resume_from = cfg.load_from or find_latest_checkpoint(cfg.work_dir)
        if cfg.resume and resume_from:
            check_checkpoint_matches(resume_from, MODELS.build(cfg.model), cfg.model)
        Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    # A non-finite loss (FiniteLossHook) is reported like a user's mistake: the message says
    # which iteration and which checkpoint to resume from.
    with exit_on_user_error(FloatingPointError):
        main()
