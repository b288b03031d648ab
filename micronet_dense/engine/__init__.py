"""Runner-side helpers: safe checkpoint loading, crash-safe checkpoints, the finite-loss guard."""
from .checkpoint_hook import AtomicCheckpointHook
from .finite_loss_hook import FiniteLossHook
from .safe_loading import (UnsafeCheckpointError, mmengine_checkpoint_allowlist,
                           mmengine_checkpoint_globals)

__all__ = ['AtomicCheckpointHook', 'FiniteLossHook', 'UnsafeCheckpointError',
           'mmengine_checkpoint_allowlist', 'mmengine_checkpoint_globals']
