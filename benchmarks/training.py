"""Training throughput of the sample configs through mmengine's Runner.

Each config trains whole epochs with its own loop (no validation, no checkpoint), at
least ``warmup + iters`` iterations; the images of the iterations after the first
``warmup`` over their wall time give images/s, data loading and epoch transitions
included as in a real run. The mean iteration
time and the part of it spent waiting for data (mmengine's ``time`` and ``data_time``)
come with it: a data time near the iteration time means the pipeline starves the model.
Schedules and hyper-parameters are the config's; only the loop length changes. The sample
data is generated first if missing.

Run alone: ``python benchmarks/training.py [--quick] [--out result.json]``.
"""
import argparse
import math
import os.path as osp
import sys
import tempfile
import time
from typing import List

from mmengine.hooks import Hook
from mmengine.runner import Runner

from micronet_dense.engine.run_config import load_run_config

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, REPO_ROOT)
#: (benchmark name, config path relative to the repository root).
SAMPLE_CONFIGS = (
    ('pose_sample', 'configs/pose/micronet_m0_coco_sample.py'),
    ('seg_sample', 'configs/seg/micronet_m0_cityscapes_sample.py'),
)


def load_sample_config(config: str, work_dir: str, loaders=('train_dataloader', )):
    """The config at ``config`` (relative to the repository root) with modules registered
    and the data of ``loaders`` in place (sample sets generated on first use)."""
    args = argparse.Namespace(config=osp.join(REPO_ROOT, config), cfg_options=None,
                              launcher='none', work_dir=work_dir, local_rank=0)
    return load_run_config(args, loaders=loaders)


class ThroughputHook(Hook):
    """Times the training iterations after the first ``warmup`` ones."""

    priority = 'VERY_LOW'

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.iters = 0
        self.images = 0
        self.start = self.end = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.iters += 1
        if self.iters == self.warmup:
            self.start = time.perf_counter()
        elif self.iters > self.warmup:
            self.images += len(data_batch['inputs'])
            self.end = time.perf_counter()

    @property
    def images_per_second(self) -> float:
        return self.images / (self.end - self.start)


def measure_training(config: str, warmup: int, iters: int) -> dict:
    """Train ``config`` for the fewest whole epochs holding ``warmup + iters``
    iterations; images/s and the mean ``time`` / ``data_time`` (s) of the iterations
    after ``warmup``, and how many those were."""
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = load_sample_config(config, work_dir)
        # Whole epochs of the config's EpochBasedTrainLoop: mmengine's IterBasedTrainLoop
        # sleeps 2 s at every epoch transition, which the small sample sets hit often.
        epoch_len = len(Runner.build_dataloader(cfg.train_dataloader))
        epochs = math.ceil((warmup + iters) / epoch_len)
        iters = epochs * epoch_len - warmup
        cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs + 1)
        for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                    'test_evaluator'):
            cfg[key] = None
        cfg.default_hooks.checkpoint = None
        cfg.default_hooks.logger.interval = epoch_len
        cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(cfg)
        hook = ThroughputHook(warmup)
        runner.register_hook(hook)
        runner.train()
        history = runner.message_hub.log_scalars
        return dict(images_per_second=hook.images_per_second,
                    iter_time=history['train/time'].mean(iters),
                    data_time=history['train/data_time'].mean(iters),
                    iters=iters, batch_size=cfg.train_dataloader.batch_size,
                    num_workers=cfg.train_dataloader.num_workers)


def run(quick: bool = False) -> List[dict]:
    """Rows of the benchmark suite: images/s and ms per iteration of each sample config."""
    warmup, iters = (2, 5) if quick else (5, 30)
    rows = []
    for name, config in SAMPLE_CONFIGS:
        result = measure_training(config, warmup, iters)
        setting = (f"{config}, batch {result['batch_size']}, {result['num_workers']} "
                   f"worker(s), {result['iters']} iterations after {warmup} warm-up"
                   f"{', quick' if quick else ''}")
        rows += [
            dict(benchmark=f'training/{name}', setting=setting,
                 value=round(result['images_per_second'], 2), unit='img/s'),
            dict(benchmark=f'training/{name}/iter_time', setting=setting,
                 value=round(result['iter_time'] * 1e3, 1), unit='ms'),
            dict(benchmark=f'training/{name}/data_time', setting=setting,
                 value=round(result['data_time'] * 1e3, 1), unit='ms'),
        ]
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
