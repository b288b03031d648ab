"""Configs of short runs on sample sets generated in a test's tmp_path, and the tools and demos run
in a process of their own as a user runs them (shared by the tests that train or check what a user
sees)."""
import os
import subprocess
import sys
from pathlib import Path

from mmengine.config import Config

from micronet_dense.datasets.prepare import ensure_dataset

REPO = Path(__file__).parents[1]
POSE_SAMPLE = 'configs/pose/micronet_m0_coco_sample.py'
SEG_SAMPLE = 'configs/seg/micronet_m0_cityscapes_sample.py'
MULTITASK_SAMPLE = 'configs/multitask/micronet_m0_cityscapes_seg_depth_sample.py'
# Pose runs of seconds: 12 training instances in batches of 4 (3 iterations an epoch),
# 8 detections to evaluate, a checkpoint every epoch.
TINY_POSE = {'sample_data.num_train_images': 6, 'sample_data.num_val_images': 3,
             'train_dataloader.batch_size': 4, 'default_hooks.checkpoint.interval': 1}
# Segmentation runs of seconds: 3 training images one at a time, 3 to evaluate.
TINY_SEG = {'sample_data.num_train': 3, 'sample_data.num_val': 3, 'train_dataloader.batch_size': 1,
            'val_dataloader.batch_size': 1, 'default_hooks.checkpoint.interval': 1}


def _pose_paths(root: str) -> dict:
    ann_file = root + 'annotations/person_keypoints_val2017.json'
    bbox_file = root + 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'
    return {'val_dataloader.dataset.bbox_file': bbox_file, 'test_dataloader.dataset.bbox_file': bbox_file,
            'val_evaluator.ann_file': ann_file, 'test_evaluator.ann_file': ann_file}


def sample_config(path: str, tmp_path, epochs: int, **overrides) -> Config:
    """``path`` (a ``*_sample.py`` config) with its sample set generated under ``tmp_path``,
    ``epochs`` epochs validated and checkpointed once at the end, no dataloader workers;
    ``overrides`` are further ``--cfg-options``-style entries."""
    cfg = Config.fromfile(path)
    root = str(tmp_path / cfg.sample_data.type) + '/'
    cfg.work_dir = str(tmp_path / 'work')
    options = {'sample_data.root': root, 'train_cfg.max_epochs': epochs,
               'train_cfg.val_interval': epochs, 'param_scheduler.1.T_max': epochs,
               'param_scheduler.1.end': epochs, 'default_hooks.checkpoint.interval': epochs,
               'default_hooks.logger.interval': 100}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.dataset.data_root'] = root
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
    if cfg.sample_data.type == 'coco_keypoints':
        options.update(_pose_paths(root))
    options.update(overrides)
    cfg.merge_from_dict(options)
    ensure_dataset(cfg)
    return cfg


def tool_env() -> dict:
    """The environment of a tool's process: this checkout importable, one thread per process."""
    return dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')


def run_script(script: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``script`` (a tool or demo, relative to the repository) run from ``cwd`` to its end (at most
    5 min), its output captured."""
    return subprocess.run([sys.executable, str(REPO / script), *args], cwd=cwd, env=tool_env(),
                          capture_output=True, text=True, timeout=300)


def assert_one_error_line(run: subprocess.CompletedProcess, *expected: str,
                          alone: bool = False) -> str:
    """Checks that ``run`` ended with exit status 1 and an ``error:`` line holding each of
    ``expected`` as its last line of stderr, with no traceback (and, if ``alone``, nothing else
    printed: no log, no environment dump); returns that line."""
    output = run.stdout + run.stderr
    assert run.returncode == 1, output[-3000:]
    assert 'Traceback' not in output and 'weights_only=False' not in output, output[-3000:]
    lines = run.stderr.strip().splitlines()
    assert lines and lines[-1].startswith('error: '), output[-3000:]
    for text in expected:
        assert text in lines[-1], lines[-1]
    if alone:
        assert output.strip() == lines[-1], output[-3000:]
    return lines[-1]


def start_train(config: Path, work_dir: Path, *args: str) -> subprocess.Popen:
    """``tools/train.py`` in a process of its own, its output in ``<work_dir>.log``."""
    # A file, not a pipe: a killed run's orphaned dataloader worker would hold a pipe open.
    with open(f'{work_dir}.log', 'w') as log:
        return subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir',
                                 str(work_dir), *args], cwd=REPO, env=tool_env(), stdout=log,
                                stderr=subprocess.STDOUT)


def finish_run(run: subprocess.Popen, work_dir: Path, returncode: int = 0) -> str:
    """Waits for ``run`` (at most 5 min), checks its exit code and returns its log."""
    run.wait(timeout=300)
    log = Path(f'{work_dir}.log').read_text()
    assert run.returncode == returncode, log[-3000:]
    return log
