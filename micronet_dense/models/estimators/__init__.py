"""Whole models (mmengine BaseModel): backbone + head + loss + decoding."""
from .image_classifier import ImageClassifier
from .topdown_pose import TopdownPoseEstimator

__all__ = ['ImageClassifier', 'TopdownPoseEstimator']
