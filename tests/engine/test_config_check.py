"""A bad config fails before the runner is built, with the config path of every problem."""
import argparse
from pathlib import Path

import pytest
from mmengine.config import Config

from micronet_dense.engine.config_check import RUNNER_KEYS, ConfigError, check_config
from micronet_dense.engine.run_config import load_run_config
from micronet_dense.models.backbones.micronet import ARCH_ROWS, MicroNetArch

REPO = Path(__file__).parents[2]
CONFIGS = sorted(str(p) for p in REPO.glob('configs/*/*.py'))
SAMPLE_CONFIG = str(REPO / 'configs/pose/micronet_m0_coco_sample.py')


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: Path(p).stem)
def test_shipped_configs_pass(config):
    check_config(Config.fromfile(config))


def test_runner_keys_are_the_keys_mmengine_reads():
    # Runner.from_cfg's arguments (mmengine 0.10.7, read by hand) and keys its methods look up.
    from_cfg = {'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
                'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper',
                'param_scheduler', 'val_evaluator', 'test_evaluator', 'default_hooks',
                'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher', 'env_cfg',
                'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness',
                'experiment_name'}
    looked_up = {'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters', 'compile',
                 'activation_checkpointing', 'efficient_conv_bn_eval'}
    assert RUNNER_KEYS == from_cfg | looked_up
    check_config({'compile': True, 'activation_checkpointing': ['backbone']})
    with pytest.raises(ConfigError, match="complie: .* did you mean 'compile'"):
        check_config({'complie': True})


def run_args(tmp_path, **options):
    return argparse.Namespace(config=SAMPLE_CONFIG, cfg_options=options, launcher='none',
                              work_dir=str(tmp_path / 'work'), local_rank=0)


@pytest.mark.parametrize('options, messages', [
    ({'model.backbone.arch': 'm9'},
     ["model.backbone.arch: expected Literal['m0', 'm1', 'm2', 'm3'], got str 'm9'"]),
    ({'model.head.foo': 1}, ["model.head: MicroNetPoseHead has no argument 'foo'"]),
    ({'train_dataloader.batch_size': '8'},
     ["train_dataloader.batch_size: expected int | None, got str '8'"]),
    ({'trian_cfg.max_epochs': 1},
     ["trian_cfg: unknown top-level key, which mmengine would ignore; did you mean 'train_cfg'?"]),
    ({'train_cfg.max_epoch': 1},
     ["train_cfg: EpochBasedTrainLoop has no argument 'max_epoch'; did you mean 'max_epochs'?"]),
    ({'val_dataloader.dataset.pipeline': [dict(type='TopdownAffine', input_size=192)]},
     ['val_dataloader.dataset.pipeline[0].input_size: expected Tuple[int, int], got int 192']),
    ({'train_dataloader.dataset.pipeline': [dict(type='GenerateHeatmapTarget',
                                                 encoder=dict(type='MSRAHeatmap', sigm=2))]},
     ["train_dataloader.dataset.pipeline[0].encoder: MSRAHeatmap has no argument 'sigm'"]),
    ({'optim_wrapper.optimizer.lrr': 0.1}, ["optim_wrapper.optimizer: Adam has no argument 'lrr'"]),
    ({'lr_config': dict(policy='step')}, ['lr_config: an mmcv 1.x key that mmengine ignores']),
    ({'model.type': 'TopDownPoseEstimator'},
     ["model.type: 'TopDownPoseEstimator' is not registered in the model registry"]),
    # Several problems are reported together.
    ({'model.head.foo': 1, 'val_evaluator.score_mod': 'bbox'},
     ["model.head: MicroNetPoseHead has no argument 'foo'",
      "val_evaluator: CocoKeypointMetric has no argument 'score_mod'; did you mean 'score_mode'?"]),
])
def test_bad_config_is_rejected_by_load_run_config(tmp_path, options, messages):
    # load_run_config is what tools/train.py and tools/test.py call; it stops before the sample
    # set would be generated.
    with pytest.raises(ConfigError) as error:
        load_run_config(run_args(tmp_path, **options), loaders=('train_dataloader', ))
    for message in messages:
        assert message in str(error.value)
    assert not (tmp_path / 'work').exists()


def test_config_variables_and_keyword_forwarding_are_allowed():
    check_config(dict(
        codec=dict(type='MSRAHeatmap'), train_pipeline=[], data_root='data/', max_epochs=3,
        # data_root and lazy_init reach BaseDataset through CocoKeypointDataset's **kwargs;
        # requires_grad is consumed by mmcv's norm builder, so other libraries' nested dicts
        # are not judged against a constructor.
        train_dataloader=dict(batch_size=2, dataset=dict(type='CocoKeypointDataset',
                                                         lazy_init=True, data_root='x')),
        model=dict(type='MicroNet', arch='m3', init_cfg=None),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, backend_args=None)),
        param_scheduler=[dict(type='LinearLR', convert_to_iter_based=True, by_epoch=True)]))


@pytest.mark.parametrize('cfg, message', [
    (dict(train_dataloader=dict(dataset=dict(type='CocoKeypointDataset', lazy_init='yes'))),
     "train_dataloader.dataset.lazy_init: expected bool, got str 'yes'"),
    (dict(train_dataloader=dict(num_workers=1.5)),
     'train_dataloader.num_workers: expected int, got float 1.5'),
    (dict(train_dataloader=dict(shufle=True)),
     "train_dataloader: DataLoader has no argument 'shufle'; did you mean 'shuffle'?"),
    (dict(model=dict(type='MicroNet', out_indices=[1, 'x'])),
     "model.out_indices: expected Sequence[int], got list [1, 'x']"),
    (dict(model=dict(arch='m0')), "model: no 'type' given"),
    (dict(train_cfg=dict(max_epochs=3)), "train_cfg: needs 'type' or 'by_epoch'"),
    (dict(train_cfg=dict(by_epoch=False, max_iters=10, max_epochs=3)),
     "train_cfg: IterBasedTrainLoop has no argument 'max_epochs'; did you mean 'max_iters'?"),
    (dict(val_evaluator=[dict(type='IoUMetric'), dict(type='IoUMetric', num_class=3)]),
     "val_evaluator[1]: IoUMetric has no argument 'num_class'"),
])
def test_argument_checks(cfg, message):
    with pytest.raises(ConfigError, match='invalid config') as error:
        check_config(cfg)
    assert message in str(error.value)


def test_arch_type_lists_the_arch_table():
    assert MicroNetArch.__args__ == tuple(ARCH_ROWS)
