"""Metrics (mmengine BaseMetric)."""
from .accuracy import Accuracy
from .coco_keypoint_metric import CocoKeypointMetric, bbox_keypoint_score
from .iou_metric import IoUMetric

__all__ = ['Accuracy', 'CocoKeypointMetric', 'IoUMetric', 'bbox_keypoint_score']
