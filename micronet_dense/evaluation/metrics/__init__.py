"""Metrics (mmengine BaseMetric)."""
from .accuracy import Accuracy
from .coco_keypoint_metric import CocoKeypointMetric, bbox_keypoint_score

__all__ = ['Accuracy', 'CocoKeypointMetric', 'bbox_keypoint_score']
