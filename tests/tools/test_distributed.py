"""Two processes (torchrun, gloo) evaluate a checkpoint exactly as one does: results are gathered
from both ranks in dataset order and the sampler's padding is cut off (odd-sized val sets)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from micronet_dense.registry import DATASETS, MODELS
from tests.sample_runs import (POSE_SAMPLE, REPO, SEG_SAMPLE, TINY_POSE, TINY_SEG, sample_config,
                               tool_env)


def _test(config: Path, checkpoint: Path, out: Path, nproc: int, *options: str) -> dict:
    launch = ([sys.executable, '-m', 'torch.distributed.run', '--standalone',  # a free port
               '--nproc_per_node', str(nproc)] if nproc > 1 else [sys.executable])
    launcher = ['--launcher', 'pytorch'] if nproc > 1 else []
    run = subprocess.run([*launch, 'tools/test.py', str(config), str(checkpoint), '--out', str(out),
                          '--work-dir', str(out.parent), *launcher, '--cfg-options', *options],
                         cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize('config,tiny,val_size', [
    (POSE_SAMPLE, {**TINY_POSE, 'sample_data.num_val_images': 5}, 11),  # 11 person boxes
    (SEG_SAMPLE, TINY_SEG, 3),
], ids=['pose', 'seg'])
def test_two_processes_evaluate_as_one(config, tiny, val_size, tmp_path):
    cfg = sample_config(config, tmp_path, 1, **tiny)
    cfg.dump(tmp_path / 'run.py')
    assert len(DATASETS.build(cfg.test_dataloader.dataset)) == val_size  # odd: rank 1 pads
    torch.manual_seed(0)
    checkpoint = tmp_path / 'untrained.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, checkpoint)
    results = {}
    for nproc in (1, 2):
        work = tmp_path / f'{nproc}proc'
        work.mkdir()
        # The COCO metric writes the predictions it evaluates; the IoU metric gives dataset sums.
        options = ([f'test_evaluator.outfile_prefix={work}/preds'] if config == POSE_SAMPLE else [])
        metrics = _test(tmp_path / 'run.py', checkpoint, work / 'metrics.json', nproc,
                        'env_cfg.dist_cfg.backend=gloo', *options)
        predictions = (json.loads((work / 'preds.keypoints.json').read_text())
                       if config == POSE_SAMPLE else None)
        results[nproc] = metrics, predictions
    metrics, predictions = results[1]
    assert results[2][0] == metrics
    if predictions is not None:
        assert len(predictions) == val_size
        assert sorted(results[2][1], key=json.dumps) == sorted(predictions, key=json.dumps)
