"""Datasets."""
from .cityscapes import CityscapesDataset
from .coco_keypoint import CocoKeypointDataset
from .image_folder import ImageFolderDataset

__all__ = ['CityscapesDataset', 'CocoKeypointDataset', 'ImageFolderDataset']
