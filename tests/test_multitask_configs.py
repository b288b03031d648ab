"""The multi-task and depth configs: same backbone and segmentation head as the segmentation
configs, cheaper than the two single-task models together, their sample versions, and a short
run through mmengine's runner on the sample set (training, both metrics with task-prefixed keys)."""
import json
import os.path as osp
import re
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner

from micronet_dense.apis import init_model
from micronet_dense.models.complexity import model_complexity
from tests.sample_runs import MULTITASK_SAMPLE, SEG_SAMPLE, TINY_SEG, sample_config

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


def measured(config: str):
    """(params in M, MAdds in G) written in ``config``'s "Measured" comment."""
    match = re.search(r'Measured[^:]*: ([0-9.]+)M params, ([0-9.]+)G MAdds',
                      Path(config).read_text())
    return float(match.group(1)), float(match.group(2))


@pytest.mark.parametrize('arch', ARCHS)
def test_figures_in_the_configs_and_one_backbone_costing_less_than_two(arch):
    multi_config = f'configs/multitask/micronet_{arch}_cityscapes_seg_depth.py'
    depth_config = f'configs/depth/micronet_{arch}_cityscapes_depth.py'
    multi = model_complexity(init_model(multi_config), (1024, 2048))
    depth = model_complexity(init_model(depth_config), (1024, 2048))
    for config, report in ((multi_config, multi), (depth_config, depth)):
        assert measured(config) == (round(report['params'] / 1e6, 3),
                                    round(report['madds'] / 1e9, 3)), config
    rows = {name: madds for name, _, madds in multi['stages']}
    assert rows['tasks.seg'] > 0 and rows['tasks.depth'] > 0  # one row per head
    # The shared backbone: the multi-task model costs the segmentation model plus the depth head,
    # less than the two single-task models together.
    seg_madds = measured(f'configs/seg/micronet_{arch}_cityscapes.py')[1] * 1e9
    assert multi['madds'] == pytest.approx(seg_madds + rows['tasks.depth'], abs=1e6)
    assert multi['madds'] < seg_madds + depth['madds']


DEPTH_SAMPLE = 'configs/depth/micronet_m0_cityscapes_depth_sample.py'


def test_sample_configs_are_the_full_models_on_the_segmentation_sample_schedule():
    seg = Config.fromfile(SEG_SAMPLE)
    multi, depth = Config.fromfile(MULTITASK_SAMPLE), Config.fromfile(DEPTH_SAMPLE)
    full = Config.fromfile('configs/multitask/micronet_m0_cityscapes_seg_depth.py').model
    assert multi.model.tasks.seg.head == seg.model.decode_head  # the sample's attention pooling
    full.tasks.seg.head.update(pool_kernel_size=seg.model.decode_head.pool_kernel_size,
                               pool_stride=seg.model.decode_head.pool_stride)
    full.tasks.depth.loss.loss_weight = 0.1  # the sample's balance of the two losses
    assert multi.model == full
    assert depth.model.tasks == dict(depth=full.tasks.depth)  # the same depth loss weight
    for cfg in (multi, depth):
        for key in ('train_cfg', 'param_scheduler', 'optim_wrapper', 'sample_data', 'crop_size'):
            assert cfg[key] == seg[key], key
        assert cfg.train_dataloader.batch_size == seg.train_dataloader.batch_size
        geometric = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
        assert geometric == ['LoadImage', 'LoadSegAnnotation', 'LoadDepthFromDisparity',
                             'RandomResize', 'SegRandomCrop', 'DenseRandomFlip',
                             'PhotoMetricDistortion', 'SegPad', 'PackDenseInputs']


def test_one_epoch_through_the_runner_logs_both_tasks_and_evaluates_both_metrics(tmp_path):
    cfg = sample_config(MULTITASK_SAMPLE, tmp_path, 1, **TINY_SEG)
    cfg.model.task_weighting = dict(type='DynamicWeightAverage')
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


def test_learned_task_weights_are_not_decayed():
    cfg = Config.fromfile('configs/multitask/micronet_m0_cityscapes_seg_depth.py')
    cfg.model.task_weighting = dict(type='UncertaintyTaskWeighting')
    model = init_model(cfg)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {id(p): group['weight_decay'] for group in optim_wrapper.optimizer.param_groups
             for p in group['params']}
    assert decay[id(model.task_weighting.log_variances)] == 0.0
    weight_decay = cfg.optim_wrapper.optimizer.weight_decay
    assert weight_decay > 0 and decay[id(model.tasks.depth.head.regressor.weight)] == weight_decay
