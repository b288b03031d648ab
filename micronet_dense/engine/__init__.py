"""Runner-side helpers."""
from .safe_loading import mmengine_checkpoint_allowlist, mmengine_checkpoint_globals
from .visualization_hook import PredictionVisualizationHook

__all__ = ['PredictionVisualizationHook', 'mmengine_checkpoint_allowlist',
           'mmengine_checkpoint_globals']
