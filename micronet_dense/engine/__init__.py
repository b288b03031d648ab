"""Runner-side helpers: safe checkpoint loading, crash-safe checkpoints, the finite-loss guard,
prediction drawing."""
from .checkpoint_hook import AtomicCheckpointHook
from .finite_loss_hook import FiniteLossHook
from .safe_loading import (UnsafeCheckpointError, mmengine_checkpoint_allowlist,
                           mmengine_checkpoint_globals)
from .visualization_hook import PredictionVisualizationHook

__all__ = ['AtomicCheckpointHook', 'FiniteLossHook', 'PredictionVisualizationHook',
           'UnsafeCheckpointError', 'mmengine_checkpoint_allowlist', 'mmengine_checkpoint_globals']
