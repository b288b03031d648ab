"""Short training runs on the built-in sample sets: the metric rises clearly above an untrained model.
(The full sample schedules and their curves are in the README / closing notes.)"""
from mmengine.runner import Runner

from tests.sample_runs import POSE_SAMPLE, SEG_SAMPLE, sample_config


def _untrained_and_trained(cfg, key):
    baseline = cfg.copy()
    baseline.default_hooks.checkpoint.save_best = None  # its best-checkpoint logic needs a train run
    untrained = Runner.from_cfg(baseline).val()[key]
    runner = Runner.from_cfg(cfg)
    runner.train()
    return untrained, runner.val()[key]


def test_pose_sample_learns(tmp_path):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 20)
    untrained, trained = _untrained_and_trained(cfg, 'coco/AP')
    assert untrained < 0.01
    # Measured 0.030 after this 20-epoch schedule (0.34 after the 100-epoch one).
    assert trained > 0.02 and trained > 3 * untrained + 0.01


def test_segmentation_sample_learns(tmp_path):
    cfg = sample_config(SEG_SAMPLE, tmp_path, 30)
    untrained, trained = _untrained_and_trained(cfg, 'mIoU')
    assert trained > untrained + 10  # measured ≈ 21 mIoU after 30-40 epochs
