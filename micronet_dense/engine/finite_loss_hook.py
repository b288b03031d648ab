"""Stop training at the first NaN or Inf loss, before that state reaches a checkpoint."""
from typing import Optional

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook

from micronet_dense.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raises ``FloatingPointError`` when a loss of the iteration just run is NaN or Inf.

    The message names the epoch and the iteration (as the training log counts them, from 1), the
    offending values and the last checkpoint. The check runs in ``after_train_iter`` ahead of
    ``CheckpointHook`` (priority VERY_LOW), so the weights updated from the bad loss are never
    saved and the last checkpoint stays as it was. Under DDP the ranks agree on the verdict (one
    all-reduce of a count) and all stop together instead of leaving the others waiting.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        losses = {name: value for name, value in (outputs or {}).items() if 'loss' in name}
        bad = {name: value for name, value in losses.items()
               if not torch.isfinite(torch.as_tensor(value)).all()}
        count = torch.tensor(float(len(bad)))
        if is_distributed():
            all_reduce(count)
        if count.item() == 0:
            return
        values = ', '.join(f'{name}={torch.as_tensor(value).float().mean().item()}'
                           for name, value in bad.items()) or 'on another rank'
        last = runner.message_hub.get_info('last_ckpt') or 'none written yet'
        raise FloatingPointError(
            f'non-finite loss at epoch {runner.epoch + 1}, iteration {batch_idx + 1} of the epoch '
            f'(iteration {runner.iter + 1} overall): {values}. Training stopped before saving this '
            f'state; the last checkpoint is {last}')
