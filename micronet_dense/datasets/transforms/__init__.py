"""Data transforms (mmcv BaseTransform)."""
from .classification import (CenterCrop, PackClsInputs, RandomHorizontalFlip, RandomResizedCrop,
                             ResizeShortEdge)

__all__ = ['CenterCrop', 'PackClsInputs', 'RandomHorizontalFlip', 'RandomResizedCrop', 'ResizeShortEdge']
