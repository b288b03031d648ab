"""Metric building blocks on plain arrays."""
from .oks_nms import COCO_KEYPOINT_SIGMAS, oks_iou, oks_nms

__all__ = ['COCO_KEYPOINT_SIGMAS', 'oks_iou', 'oks_nms']
