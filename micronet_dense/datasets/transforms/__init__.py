"""Data transforms (mmcv BaseTransform) that mmcv.transforms does not provide; pipelines use
mmcv's RandomResize, RandomFlip and CenterCrop (found through the registry's parent) as they are."""
from .classification import PackClsInputs, RandomResizedCrop, ResizeShortEdge
from .depth import LoadDepthFromDisparity, PackDenseInputs
from .loading import LoadImage, LoadSegAnnotation
from .segmentation import (DenseRandomFlip, DenseResize, PackSegInputs, PhotoMetricDistortion,
                           SegPad, SegRandomCrop)
from .topdown import (GenerateHeatmapTarget, GetBBoxCenterScale, PackPoseInputs, TopdownAffine,
                      TopdownRandomBBoxTransform, TopdownRandomFlip, TopdownRandomHalfBody,
                      get_warp_matrix)

__all__ = [
    'PackClsInputs', 'RandomResizedCrop', 'ResizeShortEdge', 'LoadDepthFromDisparity',
    'PackDenseInputs', 'LoadImage', 'LoadSegAnnotation',
    'DenseRandomFlip', 'DenseResize', 'PackSegInputs', 'PhotoMetricDistortion', 'SegPad',
    'SegRandomCrop', 'GenerateHeatmapTarget',
    'GetBBoxCenterScale',
    'PackPoseInputs', 'TopdownAffine', 'TopdownRandomBBoxTransform', 'TopdownRandomFlip',
    'TopdownRandomHalfBody', 'get_warp_matrix'
]
