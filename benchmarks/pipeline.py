"""Data-pipeline throughput of the sample configs' training loaders, per worker count.

The config's ``train_dataloader`` (dataset, transforms, sampler, collate, batch size)
is built as the Runner builds it, with ``num_workers`` set to 0, 1 and 2, and iterated
without a model: samples/s after the first ``warmup`` batches (worker start-up
excluded), epochs restarting as in training. Compare with the model's images/s in
``benchmarks/training.py``: a pipeline slower than the model starves it.

Run alone: ``python benchmarks/pipeline.py [--quick] [--out result.json]``.
"""
import os.path as osp
import sys
import tempfile
import time
from typing import List, Sequence

from mmengine.runner import Runner
from mmengine.utils.dl_utils import set_multi_processing

if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from benchmarks.training import SAMPLE_CONFIGS, load_sample_config  # noqa: E402


def measure_pipeline(config: str, num_workers: int, warmup: int, batches: int) -> dict:
    """samples/s of ``config``'s train loader with ``num_workers`` workers over
    ``batches`` batches after ``warmup`` ones."""
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = load_sample_config(config, work_dir)
    set_multi_processing(**cfg.env_cfg.get('mp_cfg', {}), distributed=False)
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=num_workers, persistent_workers=num_workers > 0)
    loader = Runner.build_dataloader(loader_cfg, seed=cfg.get('randomness', {}).get('seed'))
    seen = samples = 0
    start = None
    while seen < warmup + batches:
        for batch in loader:
            seen += 1
            if seen == warmup:
                start = time.perf_counter()
            elif seen > warmup:
                samples += len(batch['inputs'])
            if seen == warmup + batches:
                break
    elapsed = time.perf_counter() - start
    return dict(samples_per_second=samples / elapsed, batch_size=loader_cfg.batch_size)


def run(quick: bool = False, worker_counts: Sequence[int] = (0, 1, 2)) -> List[dict]:
    """Rows of the benchmark suite: samples/s per sample config and worker count."""
    warmup, batches = (1, 4) if quick else (3, 30)
    rows = []
    for name, config in SAMPLE_CONFIGS:
        for num_workers in worker_counts:
            result = measure_pipeline(config, num_workers, warmup, batches)
            rows.append(
                dict(benchmark=f'pipeline/{name}/workers_{num_workers}',
                     setting=(f"{config} train pipeline, batch {result['batch_size']}, "
                              f'{num_workers} worker(s), {batches} batches after {warmup}'
                              f"{', quick' if quick else ''}"),
                     value=round(result['samples_per_second'], 1), unit='samples/s'))
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
