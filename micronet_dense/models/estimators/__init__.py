"""Whole models (mmengine BaseModel): backbone + head + loss + decoding."""
from .encoder_decoder import EncoderDecoder
from .image_classifier import ImageClassifier
from .topdown_pose import TopdownPoseEstimator

__all__ = ['EncoderDecoder', 'ImageClassifier', 'TopdownPoseEstimator']
