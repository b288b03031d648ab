"""Runner-side helpers: safe checkpoint loading, crash-safe checkpoints, the finite-loss guard,
per-iteration seeds, prediction drawing."""
from .checkpoint_hook import AtomicCheckpointHook
from .finite_loss_hook import FiniteLossHook
from .iteration_seed_hook import IterationSeedHook
from .safe_loading import (UnsafeCheckpointError, mmengine_checkpoint_allowlist,
                           mmengine_checkpoint_globals)
from .visualization_hook import PredictionVisualizationHook

__all__ = ['AtomicCheckpointHook', 'FiniteLossHook', 'IterationSeedHook',
           'PredictionVisualizationHook', 'UnsafeCheckpointError', 'mmengine_checkpoint_allowlist',
           'mmengine_checkpoint_globals']
