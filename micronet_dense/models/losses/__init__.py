"""Losses."""
from .keypoint_mse import KeypointMSELoss
from .task_weighting import (DynamicWeightAverage, FixedTaskWeighting, TaskWeighting,
                             UncertaintyTaskWeighting)

__all__ = ['KeypointMSELoss', 'TaskWeighting', 'FixedTaskWeighting', 'UncertaintyTaskWeighting',
           'DynamicWeightAverage']
