"""Metric building blocks on plain arrays."""
from .iou import SegAreas, intersect_and_union, segmentation_scores, sum_areas
from .oks_nms import oks_iou, oks_nms, oks_nms_arrays

__all__ = [
    'oks_iou', 'oks_nms', 'oks_nms_arrays', 'SegAreas',
    'intersect_and_union', 'segmentation_scores', 'sum_areas'
]
