"""Metrics (mmengine BaseMetric)."""
from .accuracy import Accuracy
from .coco_keypoint_metric import CocoKeypointMetric, bbox_keypoint_score
from .depth_metric import DepthMetric
from .iou_metric import IoUMetric

__all__ = ['Accuracy', 'CocoKeypointMetric', 'DepthMetric', 'IoUMetric', 'bbox_keypoint_score']
