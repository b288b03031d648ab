"""Datasets."""
from .augmentation_seeds import SeededAugmentationMixin, SeededIndex, SeededSampler
from .cityscapes import CityscapesDataset
from .coco_keypoint import CocoKeypointDataset
from .image_folder import ImageFolderDataset

__all__ = ['CityscapesDataset', 'CocoKeypointDataset', 'ImageFolderDataset', 'SeededAugmentationMixin',
           'SeededIndex', 'SeededSampler']
