"""Runner-side helpers: safe checkpoint loading, crash-safe checkpoints, the finite-loss guard,
per-iteration seeds, prediction drawing, bfloat16 training on any device."""
from .bf16_optim_wrapper import BF16OptimWrapper
from .checkpoint_hook import AtomicCheckpointHook
from .finite_loss_hook import FiniteLossHook
from .iteration_seed_hook import IterationSeedHook
from .safe_loading import (UnsafeCheckpointError, mmengine_checkpoint_allowlist,
                           mmengine_checkpoint_globals, read_checkpoint)
from .visualization_hook import PredictionVisualizationHook

__all__ = ['AtomicCheckpointHook', 'BF16OptimWrapper', 'FiniteLossHook', 'IterationSeedHook',
           'PredictionVisualizationHook', 'UnsafeCheckpointError', 'mmengine_checkpoint_allowlist',
           'mmengine_checkpoint_globals', 'read_checkpoint']
