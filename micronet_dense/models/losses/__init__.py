"""Losses."""
from .depth_losses import DepthL1Loss, ScaleInvariantLogLoss
from .keypoint_mse import KeypointMSELoss
from .task_weighting import (DynamicWeightAverage, FixedTaskWeighting, TaskWeighting,
                             UncertaintyTaskWeighting)

__all__ = ['DepthL1Loss', 'ScaleInvariantLogLoss', 'KeypointMSELoss', 'TaskWeighting',
           'FixedTaskWeighting', 'UncertaintyTaskWeighting', 'DynamicWeightAverage']
