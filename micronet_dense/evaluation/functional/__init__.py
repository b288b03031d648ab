"""Metric building blocks on plain arrays."""
from .depth import DEPTH_LOWER_IS_BETTER, depth_errors
from .iou import SegAreas, intersect_and_union, segmentation_scores, sum_areas
from .oks_nms import oks_iou, oks_nms, oks_nms_arrays

__all__ = [
    'DEPTH_LOWER_IS_BETTER', 'depth_errors', 'oks_iou', 'oks_nms', 'oks_nms_arrays', 'SegAreas',
    'intersect_and_union', 'segmentation_scores', 'sum_areas'
]
