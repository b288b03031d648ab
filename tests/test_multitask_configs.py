"""The multi-task and depth configs: same backbone and segmentation head as the segmentation
configs, cheaper than the two single-task models together, and a short run through mmengine's
runner on a sample set with disparity files (training, both metrics with task-prefixed keys)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from micronet_dense.apis import init_model
from micronet_dense.utils.complexity import model_complexity
from tests.sample_runs import SEG_SAMPLE, TINY_SEG, sample_config

ARCHS = ['m0', 'm1', 'm2', 'm3']


@pytest.mark.parametrize('arch', ARCHS)
def test_configs_reuse_the_segmentation_backbone_and_head(arch):
    seg = Config.fromfile(f'configs/seg/micronet_{arch}_cityscapes.py').model
    multi = Config.fromfile(f'configs/multitask/micronet_{arch}_cityscapes_seg_depth.py').model
    depth = Config.fromfile(f'configs/depth/micronet_{arch}_cityscapes_depth.py').model
    assert multi.backbone == depth.backbone == seg.backbone
    assert multi.tasks.seg.head == seg.decode_head
    assert multi.tasks.depth == depth.tasks.depth
    assert list(depth.tasks) == ['depth']
    assert multi.tasks.depth.head.in_channels == seg.decode_head.in_channels


def test_multi_task_m3_costs_less_than_the_two_single_task_models():
    shape = (1024, 2048)
    seg = model_complexity(init_model('configs/seg/micronet_m3_cityscapes.py'), shape)
    depth = model_complexity(init_model('configs/depth/micronet_m3_cityscapes_depth.py'), shape)
    multi = model_complexity(init_model('configs/multitask/micronet_m3_cityscapes_seg_depth.py'),
                             shape)
    rows = {name: madds for name, _, madds in multi['stages']}
    assert rows['tasks.seg'] > 0 and rows['tasks.depth'] > 0  # one row per head
    assert multi['madds'] < seg['madds'] + depth['madds']
    # Shared backbone: the multi-task model is the segmentation model plus the depth head.
    assert multi['madds'] == pytest.approx(seg['madds'] + rows['tasks.depth'], rel=1e-3)


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
            for kind, ending in (('disparity', '_disparity.png'), ('camera', '_camera.json')):
                os.makedirs(folder.replace('leftImg8bit', kind), exist_ok=True)
            cv2.imwrite(osp.join(folder.replace('leftImg8bit', 'disparity'),
                                 stem + '_disparity.png'), encoded)
            with open(osp.join(folder.replace('leftImg8bit', 'camera'), stem + '_camera.json'),
                      'w') as f:
                json.dump({'extrinsic': {'baseline': baseline}, 'intrinsic': {'fx': fx}}, f)


def test_one_epoch_through_the_runner_logs_both_tasks_and_evaluates_both_metrics(tmp_path):
    cfg = sample_config(SEG_SAMPLE, tmp_path, 1, **TINY_SEG)
    write_depth_files(cfg.sample_data.root)
    multi = Config.fromfile('configs/multitask/micronet_m0_cityscapes_seg_depth.py')
    cfg.model = multi.model
    cfg.model.task_weighting = dict(type='DynamicWeightAverage')
    cfg.train_dataloader.dataset.pipeline = multi.train_dataloader.dataset.pipeline
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.pipeline = multi.val_dataloader.dataset.pipeline
    cfg.val_evaluator = cfg.test_evaluator = multi.val_evaluator
    cfg.default_hooks.checkpoint.save_best = 'seg/mIoU'
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert {'seg/mIoU', 'seg/aAcc', 'depth/AbsRel', 'depth/delta1'} <= set(metrics)
    assert 0 <= metrics['depth/delta3'] <= 1 and metrics['depth/RMSE'] > 0
    scalars = [json.loads(line) for line in open(osp.join(
        runner.log_dir, 'vis_data', 'scalars.json'))]
    logged = set().union(*scalars)
    assert {'loss_seg', 'loss_depth', 'seg_weight', 'depth_weight', 'seg_unweighted',
            'depth_unweighted'} <= logged
