"""Data transforms (mmcv BaseTransform)."""
from .classification import (CenterCrop, PackClsInputs, RandomHorizontalFlip, RandomResizedCrop,
                             ResizeShortEdge)
from .depth import LoadDepthFromDisparity, PackDenseInputs
from .loading import LoadImage, LoadSegAnnotation
from .segmentation import (PackSegInputs, PhotoMetricDistortion, SegPad, SegRandomCrop, SegRandomFlip,
                           SegRandomResize)
from .topdown import (GenerateHeatmapTarget, GetBBoxCenterScale, PackPoseInputs, TopdownAffine,
                      TopdownRandomBBoxTransform, TopdownRandomFlip, TopdownRandomHalfBody,
                      get_warp_matrix)

__all__ = [
    'CenterCrop', 'PackClsInputs', 'RandomHorizontalFlip', 'RandomResizedCrop', 'ResizeShortEdge',
    'LoadDepthFromDisparity', 'PackDenseInputs',
    'LoadImage', 'LoadSegAnnotation', 'PackSegInputs', 'PhotoMetricDistortion', 'SegPad',
    'SegRandomCrop', 'SegRandomFlip', 'SegRandomResize', 'GenerateHeatmapTarget', 'GetBBoxCenterScale',
    'PackPoseInputs', 'TopdownAffine', 'TopdownRandomBBoxTransform', 'TopdownRandomFlip',
    'TopdownRandomHalfBody', 'get_warp_matrix'
]
