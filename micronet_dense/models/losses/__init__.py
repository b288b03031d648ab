"""Losses."""
from .keypoint_mse import KeypointMSELoss

__all__ = ['KeypointMSELoss']
