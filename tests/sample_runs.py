"""Configs of short runs on sample sets generated in a test's tmp_path, and ``tools/train.py`` in a
process of its own (shared by the tests that train)."""
import json
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from mmengine.config import Config

from micronet_dense.datasets.prepare import ensure_dataset

REPO = Path(__file__).parents[1]
POSE_SAMPLE = 'configs/pose/micronet_m0_coco_sample.py'
SEG_SAMPLE = 'configs/seg/micronet_m0_cityscapes_sample.py'
MULTITASK = 'configs/multitask/micronet_m0_cityscapes_seg_depth.py'
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


def write_depth_files(root: str, baseline: float = 0.2, fx: float = 500.0) -> None:
    """A disparity PNG and a camera JSON for every image of a Cityscapes-layout ``root``: a
    ground plane (disparity growing down the rows), no measurement in the top third."""
    for folder, _, files in os.walk(osp.join(root, 'leftImg8bit')):
        for file in files:
            h, w = cv2.imread(osp.join(folder, file)).shape[:2]
            rows = np.arange(h, dtype=np.float64)[:, None].repeat(w, 1)
            disparity = np.where(rows > h / 3, (rows - h / 3) / 4, 0)
            encoded = np.where(disparity > 0, disparity * 256 + 1, 0).astype(np.uint16)
            stem = file[:-len('_leftImg8bit.png')]
            for kind in ('disparity', 'camera'):
                os.makedirs(folder.replace('leftImg8bit', kind), exist_ok=True)
            cv2.imwrite(osp.join(folder.replace('leftImg8bit', 'disparity'),
                                 stem + '_disparity.png'), encoded)
            with open(osp.join(folder.replace('leftImg8bit', 'camera'), stem + '_camera.json'),
                      'w') as f:
                json.dump({'extrinsic': {'baseline': baseline}, 'intrinsic': {'fx': fx}}, f)


def multitask_sample_config(tmp_path, epochs: int, **overrides) -> Config:
    """:func:`sample_config` of the segmentation sample with depth files next to its images
    (:func:`write_depth_files`) and the model, pipelines, evaluators and best-checkpoint metric of
    the m0 segmentation + depth config."""
    cfg = sample_config(SEG_SAMPLE, tmp_path, epochs, **overrides)
    write_depth_files(cfg.sample_data.root)
    multi = Config.fromfile(MULTITASK)
    cfg.model = multi.model
    cfg.train_dataloader.dataset.pipeline = multi.train_dataloader.dataset.pipeline
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.pipeline = multi.val_dataloader.dataset.pipeline
    cfg.val_evaluator = cfg.test_evaluator = multi.val_evaluator
    cfg.default_hooks.checkpoint.save_best = multi.default_hooks.checkpoint.save_best
    return cfg


def start_train(config: Path, work_dir: Path, *args: str) -> subprocess.Popen:
    """``tools/train.py`` in a process of its own, its output in ``<work_dir>.log``."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    # A file, not a pipe: a killed run's orphaned dataloader worker would hold a pipe open.
    with open(f'{work_dir}.log', 'w') as log:
        return subprocess.Popen([sys.executable, 'tools/train.py', str(config), '--work-dir',
                                 str(work_dir), *args], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def finish_run(run: subprocess.Popen, work_dir: Path, returncode: int = 0) -> str:
    """Waits for ``run`` (at most 5 min), checks its exit code and returns its log."""
    run.wait(timeout=300)
    log = Path(f'{work_dir}.log').read_text()
    assert run.returncode == returncode, log[-3000:]
    return log
