"""Periodic checkpoints that a kill can never leave half-written where resume looks."""
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from micronet_dense.registry import HOOKS
from micronet_dense.utils.atomic_io import atomic_output_path, write_bytes_atomic


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with crash-safe periodic checkpoints.

    mmengine writes ``epoch_N.pth`` and the ``last_checkpoint`` pointer in place, and deletes the
    oldest checkpoint (``max_keep_ckpts``) *before* saving the new one: a kill during a save can
    leave a truncated checkpoint, an empty pointer or, with ``max_keep_ckpts=1``, a pointer to a
    deleted file. Here the checkpoint is written to a temporary name and renamed, then the pointer
    is replaced the same way, and only then is the oldest checkpoint deleted, so at every instant
    ``last_checkpoint`` names a complete checkpoint. All arguments are ``CheckpointHook``'s;
    ``out_dir`` must be local (the rename is a filesystem operation). Best checkpoints
    (``save_best``) are still written by mmengine; resume never reads them.
    """

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        dropped = None
        # The bookkeeping precedes the save because the checkpoint's message hub carries it.
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                dropped = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        path = osp.join(self.out_dir, self.filename_tmpl.format(step))
        self.last_ckpt = path
        runner.message_hub.update_info('last_ckpt', path)
        if not is_main_process():  # the runner writes checkpoints on the main process only
            return
        with atomic_output_path(path) as tmp_path:
            runner.save_checkpoint(
                osp.dirname(tmp_path), osp.basename(tmp_path), save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
                **self.args)
        write_bytes_atomic(osp.join(runner.work_dir, 'last_checkpoint'), path.encode())
        if dropped is not None:
            dropped_path = osp.join(self.out_dir, self.filename_tmpl.format(dropped))
            if osp.isfile(dropped_path):
                os.remove(dropped_path)
