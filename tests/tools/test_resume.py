"""`tools/train.py --resume` after a SIGKILL mid-epoch ends where an uninterrupted run ends:
the same weights, the same loss at every iteration, the same metrics (deterministic mode); for a
multi-task model too, whose checkpoint then loads safely and evaluates with
`tools/test.py --out`."""
import json
import os
import signal
from pathlib import Path

import pytest
import torch
from mmengine.hooks import Hook

from micronet_dense.engine import mmengine_checkpoint_globals, read_checkpoint
from micronet_dense.registry import HOOKS
from tests.engine.test_safe_loading import RunsCodeWhenUnpickled
from tests.sample_runs import (MULTITASK_SAMPLE, POSE_SAMPLE, SEG_SAMPLE, TINY_POSE, TINY_SEG,
                               finish_run, run_script, sample_config, start_train)

KILL_AT = 4  # overall iteration (0-based): the second one of epoch 2


@HOOKS.register_module(force=True)
class SigkillAtIteration(Hook):
    """Test-only: the training process kills itself, as the OOM killer or a pre-emption would."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


def _final_state(work_dir: Path, epochs: int):
    """Weights and per-iteration losses of the last checkpoint, and the logged val metrics."""
    with mmengine_checkpoint_globals():
        ckpt = torch.load(work_dir / f'epoch_{epochs}.pth', weights_only=True)
    losses = ckpt['message_hub']['log_scalars']['train/loss'].data[0]
    logged = [json.loads(line) for path in sorted(work_dir.glob('*/vis_data/scalars.json'))
              for line in path.read_text().splitlines()]
    metrics = [{k: v for k, v in entry.items() if k not in ('time', 'data_time')}
               for entry in logged if 'lr' not in entry]  # the val entries
    return ckpt['state_dict'], losses, metrics


# One persistent dataloader worker: the case in which worker RNG streams would differ.
RESUME_OPTIONS = {'randomness.deterministic': True, 'train_dataloader.num_workers': 1,
                  'train_dataloader.persistent_workers': True, 'default_hooks.logger.interval': 1}


def _whole_and_resumed_runs(cfg, tmp_path: Path, epochs: int) -> None:
    """Trains ``cfg`` to the end in ``whole/``, and in ``resumed/`` killed at :data:`KILL_AT`
    then resumed; asserts both end alike."""
    cfg.dump(tmp_path / 'run.py')
    cfg.custom_imports = dict(imports=['tests.tools.test_resume'], allow_failed_imports=False)
    cfg.custom_hooks = [*cfg.custom_hooks, dict(type='SigkillAtIteration', iteration=KILL_AT)]
    cfg.dump(tmp_path / 'killed.py')

    whole = start_train(tmp_path / 'run.py', tmp_path / 'whole')
    killed = start_train(tmp_path / 'killed.py', tmp_path / 'resumed')
    finish_run(killed, tmp_path / 'resumed', returncode=-signal.SIGKILL)
    assert (tmp_path / 'resumed/epoch_1.pth').exists()
    assert not (tmp_path / 'resumed/epoch_2.pth').exists()
    resumed = start_train(tmp_path / 'run.py', tmp_path / 'resumed', '--resume')
    finish_run(whole, tmp_path / 'whole')
    assert 'resumed epoch: 1' in finish_run(resumed, tmp_path / 'resumed')

    weights, losses, metrics = _final_state(tmp_path / 'whole', epochs)
    weights_r, losses_r, metrics_r = _final_state(tmp_path / 'resumed', epochs)
    assert weights.keys() == weights_r.keys()
    for name in weights:
        if name.endswith('_extra_state'):  # a module's saved Python state, not a tensor
            assert weights_r[name] == weights[name], name
            continue
        torch.testing.assert_close(weights_r[name], weights[name], rtol=0, atol=1e-6, msg=name)
    assert len(losses_r) == len(losses)
    torch.testing.assert_close(torch.as_tensor(losses_r), torch.as_tensor(losses), rtol=0, atol=1e-7)
    assert len(metrics) == 1 and metrics_r == metrics


@pytest.mark.parametrize('config,tiny', [(POSE_SAMPLE, TINY_POSE), (SEG_SAMPLE, TINY_SEG)],
                         ids=['pose', 'seg'])
def test_resume_after_sigkill_matches_an_uninterrupted_run(config, tiny, tmp_path):
    epochs = 3
    _whole_and_resumed_runs(sample_config(config, tmp_path, epochs, **tiny, **RESUME_OPTIONS),
                            tmp_path, epochs)


def test_multi_task_run_resumes_loads_safely_and_tests_with_out(tmp_path):
    epochs = 3
    cfg = sample_config(MULTITASK_SAMPLE, tmp_path, epochs, **TINY_SEG, **RESUME_OPTIONS)
    # Dynamic Weight Average: its loss averages (the module's extra state) must survive the
    # resume, or epoch 3's task weights, and so its losses, would differ.
    cfg.model.task_weighting = dict(type='DynamicWeightAverage')
    _whole_and_resumed_runs(cfg, tmp_path, epochs)

    checkpoint = tmp_path / 'resumed' / f'epoch_{epochs}.pth'
    state = read_checkpoint(str(checkpoint))['state_dict']
    dwa = state['task_weighting._extra_state']
    assert dwa['completed_epochs'] == 2 and all(m > 0 for m in dwa['epoch_means'][1])
    assert any(k.startswith('tasks.seg.') for k in state)
    assert any(k.startswith('tasks.depth.') for k in state)
    out = tmp_path / 'metrics.json'
    run = run_script('tools/test.py', str(tmp_path / 'run.py'), str(checkpoint), '--out', str(out),
                     '--work-dir', str(tmp_path / 'test'))
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads(out.read_text())
    _, _, logged = _final_state(tmp_path / 'resumed', epochs)
    # The test split is the val split: the metrics the run logged after its last epoch.
    assert {'seg/mIoU', 'depth/AbsRel', 'depth/delta1'} <= set(metrics)
    for key in ('seg/mIoU', 'depth/AbsRel', 'depth/delta1'):
        assert metrics[key] == pytest.approx(logged[0][key], abs=1e-4), key


def test_resume_refuses_a_checkpoint_that_would_run_code(tmp_path):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    cfg.dump(tmp_path / 'run.py')
    work, marker = tmp_path / 'work', tmp_path / 'pwned'
    work.mkdir()
    torch.save({'meta': {}, 'state_dict': {}, 'payload': RunsCodeWhenUnpickled(marker)},
               work / 'epoch_1.pth')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    log = finish_run(start_train(tmp_path / 'run.py', work, '--resume'), work, returncode=1)
    assert f'error: {work / "epoch_1.pth"}: refused to load' in log
    assert not marker.exists()
