"""A NaN loss stops training with a message naming where, and the last checkpoint stays good."""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from micronet_dense.engine import FiniteLossHook, mmengine_checkpoint_globals
from tests.sample_runs import POSE_SAMPLE, TINY_POSE, sample_config


class _PoisonWeights(Hook):
    """Remembers the weights after epoch 1; sets the head's last conv to NaN before iteration
    ``at`` (0-based, overall)."""

    def __init__(self, at: int):
        self.at, self.after_epoch_1 = at, None

    def after_train_epoch(self, runner):
        if runner.epoch == 0:
            self.after_epoch_1 = {k: v.clone() for k, v in runner.model.state_dict().items()}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            with torch.no_grad():
                runner.model.head.final.weight.fill_(math.nan)


def test_nan_loss_stops_training_and_keeps_the_last_checkpoint(tmp_path):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 2, **TINY_POSE)
    runner = Runner.from_cfg(cfg)
    poison = _PoisonWeights(at=4)  # the second iteration of epoch 2
    runner.register_hook(poison)
    with pytest.raises(FloatingPointError,
                       match=r'epoch 2, iteration 2 of the epoch \(iteration 5 overall\): loss'):
        runner.train()
    work = tmp_path / 'work'
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    with mmengine_checkpoint_globals():
        ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert ckpt['meta']['epoch'] == 1
    assert ckpt['state_dict'].keys() == poison.after_epoch_1.keys()
    for name, saved in ckpt['state_dict'].items():
        assert torch.isfinite(saved.float()).all(), name
        assert torch.equal(saved, poison.after_epoch_1[name]), name


@pytest.mark.parametrize('bad', [math.inf, -math.inf, math.nan])
def test_any_non_finite_loss_term_stops_and_finite_ones_pass(bad):
    runner = SimpleNamespace(epoch=0, iter=6, message_hub=MessageHub.get_instance('finite_loss_test'))
    hook = FiniteLossHook()
    hook.after_train_iter(runner, 6, outputs={'loss': torch.tensor(0.5), 'acc_pose': math.nan})
    with pytest.raises(FloatingPointError, match=rf'epoch 1, iteration 7 .*: loss_kpt={bad}'):
        hook.after_train_iter(runner, 6, outputs={'loss': torch.tensor(0.5),
                                                  'loss_kpt': torch.tensor(bad)})
