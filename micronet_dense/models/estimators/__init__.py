"""Whole models (mmengine BaseModel): backbone + head + loss + decoding."""
from .dense_tasks import DenseTask, DepthEstimationTask, SemanticSegmentationTask
from .encoder_decoder import EncoderDecoder
from .image_classifier import ImageClassifier
from .multitask import MultiTaskEstimator
from .topdown_pose import TopdownPoseEstimator

__all__ = ['DenseTask', 'DepthEstimationTask', 'SemanticSegmentationTask', 'EncoderDecoder',
           'ImageClassifier', 'MultiTaskEstimator', 'TopdownPoseEstimator']
