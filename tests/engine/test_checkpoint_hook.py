"""A run killed while saving a checkpoint leaves `last_checkpoint` naming a complete checkpoint."""
import pytest
import torch
from mmengine.fileio.backends import LocalBackend
from mmengine.runner import Runner

from micronet_dense.engine import mmengine_checkpoint_globals
from tests.sample_runs import POSE_SAMPLE, TINY_POSE, sample_config


class _Killed(BaseException):
    """Stands for the process dying: not an Exception, so no handler of the run catches it."""


def test_kill_during_a_save_leaves_the_previous_checkpoint_named(tmp_path, monkeypatch):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 2, **TINY_POSE,
                        **{'default_hooks.checkpoint.max_keep_ckpts': 1})
    runner = Runner.from_cfg(cfg)
    put, calls = LocalBackend.put, []

    def put_dying_at_the_second_save(self, obj, filepath):
        calls.append(filepath)
        if len(calls) < 2:
            return put(self, obj, filepath)
        with open(filepath, 'wb') as f:  # half of epoch 2's checkpoint reaches the disk
            f.write(obj[:len(obj) // 2])
        raise _Killed

    monkeypatch.setattr(LocalBackend, 'put', put_dying_at_the_second_save)
    with pytest.raises(_Killed):
        runner.train()
    work = tmp_path / 'work'
    assert not (work / 'epoch_2.pth').exists()
    named = (work / 'last_checkpoint').read_text()
    assert named == str(work / 'epoch_1.pth')  # still there although max_keep_ckpts=1
    with mmengine_checkpoint_globals():
        ckpt = torch.load(named, weights_only=True)
    assert ckpt['meta']['epoch'] == 1 and ckpt['message_hub']['runtime_info']['keep_ckpt_ids'] == [1]
