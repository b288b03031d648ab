"""Whole models (mmengine BaseModel): backbone + head + loss + decoding."""
from .image_classifier import ImageClassifier

__all__ = ['ImageClassifier']
