"""Shared set-up of the tools/ runs: common arguments, config loading and check, registration,
data check, the end of a distributed run."""
import argparse
import contextlib
import os
import os.path as osp
from typing import Iterator, Sequence

import torch
from mmengine.config import Config, DictAction

from micronet_dense.datasets.prepare import ensure_dataset
from micronet_dense.registry import register_all_modules
from micronet_dense.utils.config_paths import find_config

from .config_check import check_config
from .label_counts import check_label_counts


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher`` and torchrun's ``--local-rank``."""
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args: argparse.Namespace, loaders: Sequence[str]) -> Config:
    """``args.config`` (a file or a shipped config's name) with ``--cfg-options`` merged,
    launcher and work dir set (default ``work_dirs/<config name>``), modules registered, the
    config checked, the data of ``loaders`` in place, and the class / keypoint count the same in
    head, data and metric. A torchrun launch (``--launcher pytorch``) on a machine without CUDA
    starts its process group over gloo here and wraps the model in DDP without a device: nccl
    needs CUDA, and mmengine's launcher and its default DDP wrapper bind each process to a GPU.

    Raises:
        ConfigError: a misspelt top-level key, an unknown argument or one of the wrong type
            (:func:`~micronet_dense.engine.config_check.check_config`), before any data is touched.
        DatasetNotFoundError: a dataset of ``loaders`` is missing (the message says where it goes).
        ConfigError: the class or keypoint count differs between the model's head, the datasets
            and the metrics (:func:`~micronet_dense.engine.label_counts.check_label_counts`).
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(find_config(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.launcher == 'pytorch' and not torch.cuda.is_available():
        # The runner then finds the process group started and uses it as it is.
        cfg.merge_from_dict({'env_cfg.dist_cfg.backend': 'gloo'})
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend='gloo')
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None,
                                         broadcast_buffers=False)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    register_all_modules()
    check_config(cfg)
    ensure_dataset(cfg, loaders=loaders)
    check_label_counts(cfg)
    return cfg


@contextlib.contextmanager
def process_group_scope() -> Iterator[None]:
    """The part of a run that may start a process group (``--launcher``): the group is destroyed
    when the block ends, before the interpreter exits. Otherwise gloo's threads are still alive at
    exit, and a rank can abort there ("terminate called without an active exception") after its
    work is done."""
    try:
        yield
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
