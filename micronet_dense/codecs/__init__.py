"""Keypoint codecs: keypoints <-> training targets."""
from .msra_heatmap import MSRAHeatmap, flip_heatmaps

__all__ = ['MSRAHeatmap', 'flip_heatmaps']
