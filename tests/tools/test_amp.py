"""`tools/train.py --amp` on a machine without a GPU trains in bfloat16 (mmengine's
AmpOptimWrapper would stop: it needs a GPU)."""
import math

import pytest
import torch

from micronet_dense.engine import mmengine_checkpoint_globals
from tests.sample_runs import POSE_SAMPLE, TINY_POSE, finish_run, sample_config, start_train


@pytest.mark.skipif(torch.cuda.is_available(), reason='--amp picks float16 on a GPU')
def test_amp_without_a_gpu_trains_in_bfloat16(tmp_path):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    cfg.optim_wrapper.type = 'OptimWrapper'  # a float32 config: --amp switches it
    cfg.dump(tmp_path / 'run.py')
    work = tmp_path / 'work'
    log = finish_run(start_train(tmp_path / 'run.py', work, '--amp'), work)
    assert "type='BF16OptimWrapper'" in log
    with mmengine_checkpoint_globals():
        ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert all(v.dtype == torch.float32 for v in ckpt['state_dict'].values() if v.is_floating_point())
    losses = ckpt['message_hub']['log_scalars']['train/loss'].data[0]
    assert len(losses) == 3 and all(map(math.isfinite, losses))  # TINY_POSE: 3 iterations an epoch
