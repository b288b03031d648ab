"""Runner-side helpers."""
from .safe_loading import mmengine_checkpoint_allowlist, mmengine_checkpoint_globals

__all__ = ['mmengine_checkpoint_allowlist', 'mmengine_checkpoint_globals']
