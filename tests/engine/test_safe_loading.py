"""mmengine checkpoints load with weights_only=True; crafted pickles are refused without running."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.logging.history_buffer import HistoryBuffer

from micronet_dense.engine import UnsafeCheckpointError, mmengine_checkpoint_globals, read_checkpoint


def runner_like_checkpoint(path):
    hub = MessageHub.get_instance('safe_loading_test')
    for i in range(3):
        hub.update_scalar('train/loss', 0.5 / (i + 1))
    hub.update_info('iter', 3)
    torch.save({'meta': {'epoch': 1, 'seed': 0}, 'state_dict': {'w': torch.ones(2)},
                'message_hub': hub.state_dict(), 'optimizer': {'state': {}, 'param_groups': []}},
               path)


def test_runner_checkpoint_needs_and_passes_the_allow_list(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    runner_like_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    with mmengine_checkpoint_globals():
        ckpt = torch.load(path, weights_only=True)
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    np.testing.assert_allclose(buffer.data[0], [0.5, 0.25, 0.5 / 3])


class RunsCodeWhenUnpickled:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}',)


def test_crafted_checkpoint_is_refused_and_code_does_not_run(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': RunsCodeWhenUnpickled(marker)}, path)
    with mmengine_checkpoint_globals(), pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


class _GetattrGadget:
    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'gadget.pth'
    torch.save({'x': _GetattrGadget()}, path)
    with mmengine_checkpoint_globals(), pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        torch.load(path, weights_only=True)


def test_mmengine_loads_name_the_refused_file_and_the_loader_is_restored(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint, load_from_local

    marker, path = tmp_path / 'pwned', tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': RunsCodeWhenUnpickled(marker)}, path)
    with mmengine_checkpoint_globals(), pytest.raises(UnsafeCheckpointError) as refused:
        _load_checkpoint(str(path))  # the runner's route for resume, load_from and init_cfg
    assert str(path) in str(refused.value) and 'posix.system' in str(refused.value)
    assert not marker.exists()
    assert CheckpointLoader._get_checkpoint_loader(str(path)) is load_from_local


def test_read_checkpoint_outside_the_tools(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    runner_like_checkpoint(path)
    checkpoint = read_checkpoint(str(path))
    assert checkpoint['meta']['epoch'] == 1 and torch.equal(checkpoint['state_dict']['w'],
                                                            torch.ones(2))
    marker, evil = tmp_path / 'pwned', tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': RunsCodeWhenUnpickled(marker)}, evil)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth: refused to load'):
        read_checkpoint(str(evil))
    assert not marker.exists()


def test_nested_contexts_keep_naming_refusals_until_the_outermost_closes(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint

    path = tmp_path / 'evil.pth'
    torch.save({'payload': RunsCodeWhenUnpickled(tmp_path / 'pwned')}, path)
    with mmengine_checkpoint_globals():
        with mmengine_checkpoint_globals():  # as reading a pretrained backbone inside the tools
            pass
        with pytest.raises(UnsafeCheckpointError):
            _load_checkpoint(str(path))
