"""Datasets."""
from .image_folder import ImageFolderDataset

__all__ = ['ImageFolderDataset']
