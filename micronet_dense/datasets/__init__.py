"""Datasets."""
from .augmentation_seeds import SeededAugmentationMixin, SeededIndex, SeededSampler
from .cityscapes import CityscapesDataset
from .coco_keypoint import CocoKeypointDataset
from .image_folder import ImageFolderDataset
from .seg_dataset import BaseSegDataset

__all__ = ['BaseSegDataset', 'CityscapesDataset', 'CocoKeypointDataset', 'ImageFolderDataset',
           'SeededAugmentationMixin', 'SeededIndex', 'SeededSampler']
