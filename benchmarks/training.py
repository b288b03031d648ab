"""Training throughput of the sample configs through mmengine's Runner.

Each config trains ``warmup + iters`` iterations (an ``IterBasedTrainLoop``, no
validation, no checkpoint); the images of the last ``iters`` iterations over their
wall time give images/s, data loading included as in a real run. The mean iteration
time and the part of it spent waiting for data (mmengine's ``time`` and ``data_time``)
come with it: a data time near the iteration time means the pipeline starves the model.
Schedules and hyper-parameters are the config's; only the loop length changes. The sample
data is generated first if missing.

Run alone: ``python benchmarks/training.py [--quick] [--out result.json]``.
"""
import argparse
import os.path as osp
import tempfile
import time
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.runner import Runner

from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.run_config import load_run_config

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
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
    """Train ``warmup + iters`` iterations of ``config``; images/s and the mean
    ``time`` / ``data_time`` (s) of the timed iterations."""
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = load_sample_config(config, work_dir)
        total = warmup + iters
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=total, val_interval=total + 1)
        for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                    'test_evaluator'):
            cfg[key] = None
        cfg.default_hooks.checkpoint = None
        cfg.default_hooks.logger.interval = total
        cfg.log_processor = dict(type='LogProcessor', window_size=iters, by_epoch=False)
        cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(cfg)
        hook = ThroughputHook(warmup)
        runner.register_hook(hook)
        runner.train()
        history = runner.message_hub.log_scalars
        return dict(images_per_second=hook.images_per_second,
                    iter_time=history['train/time'].mean(iters),
                    data_time=history['train/data_time'].mean(iters),
                    batch_size=cfg.train_dataloader.batch_size,
                    num_workers=cfg.train_dataloader.num_workers)


def run(quick: bool = False) -> List[dict]:
    """Rows of the benchmark suite: images/s and ms per iteration of each sample config."""
    warmup, iters = (2, 5) if quick else (5, 30)
    rows = []
    for name, config in SAMPLE_CONFIGS:
        result = measure_training(config, warmup, iters)
        setting = (f"{config}, batch {result['batch_size']}, {result['num_workers']} "
                   f"worker(s), {iters} iterations after {warmup} warm-up"
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


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='fewer iterations')
    parser.add_argument('--out', help='also write the rows to this JSON file')
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    for row in rows:
        print(f"{row['benchmark']:<36} {row['value']:>10.2f} {row['unit']:<6} {row['setting']}")
    if args.out:
        write_json_atomic(args.out, rows)


if __name__ == '__main__':
    main()
