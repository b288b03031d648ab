"""Runner-side helpers: safe checkpoint loading and the check that a checkpoint fits the model,
crash-safe checkpoints, the work-dir lock, the finite-loss guard, per-iteration seeds, prediction
drawing, bfloat16 training on any device."""
from .bf16_optim_wrapper import BF16OptimWrapper
from .checkpoint_hook import AtomicCheckpointHook
from .checkpoint_match import CheckpointMismatchError, check_checkpoint_matches
from .finite_loss_hook import FiniteLossHook
from .iteration_seed_hook import IterationSeedHook
from .safe_loading import (CheckpointLoadError, UnsafeCheckpointError,
                           mmengine_checkpoint_allowlist, mmengine_checkpoint_globals,
                           read_checkpoint)
from .visualization_hook import PredictionVisualizationHook
from .work_dir_lock import WorkDirLockedError, work_dir_lock

__all__ = ['AtomicCheckpointHook', 'BF16OptimWrapper', 'CheckpointLoadError',
           'CheckpointMismatchError', 'FiniteLossHook', 'IterationSeedHook',
           'PredictionVisualizationHook', 'UnsafeCheckpointError', 'WorkDirLockedError',
           'check_checkpoint_matches', 'mmengine_checkpoint_allowlist',
           'mmengine_checkpoint_globals', 'read_checkpoint', 'work_dir_lock']
