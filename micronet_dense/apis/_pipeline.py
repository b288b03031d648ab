"""Shared plumbing of the inference functions: image input, the config's test pipeline without
its file loaders, the config's dataset metainfo, and one batched ``predict`` step."""
import os
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from torch import nn

from micronet_dense.datasets.transforms import LoadImage
from micronet_dense.datasets.metainfo import dataset_metainfo

ImageInput = Union[str, os.PathLike, np.ndarray]
# The inference functions hand the pipeline a decoded image and no label or depth map.
_FILE_LOADERS = ('LoadImage', 'LoadSegAnnotation', 'LoadDepthFromDisparity')


def read_image(image: ImageInput) -> Tuple[np.ndarray, Optional[str]]:
    """A (H, W, 3) uint8 BGR image and its path (None for an array)."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'expected a (H, W, 3) uint8 BGR image, got shape {image.shape} '
                             f'and dtype {image.dtype}')
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise ValueError(f'the image array is empty ({image.shape[1]}x{image.shape[0]} '
                             'pixels): there is nothing to estimate')
        return image, None
    path = os.fspath(image)
    return LoadImage()(dict(img_path=path))['img'], path


def _test_dataset_cfg(cfg: Config) -> Config:
    for loader in ('test_dataloader', 'val_dataloader'):
        if cfg.get(loader):
            return cfg[loader].dataset
    raise KeyError('the config has neither test_dataloader nor val_dataloader, whose dataset '
                   'pipeline inference reuses')


def test_pipeline(cfg: Config) -> Compose:
    """The config's test (else val) pipeline without its file-loading transforms."""
    return Compose([t for t in _test_dataset_cfg(cfg).pipeline if t['type'] not in _FILE_LOADERS])


def config_dataset_meta(cfg: Config) -> dict:
    """The metainfo of the config's test (else val) dataset, ``metainfo`` included (keypoint
    set; classes, palette): what a model without a checkpoint's ``dataset_meta`` is drawn with."""
    return dataset_metainfo(_test_dataset_cfg(cfg))


def base_results(image: np.ndarray, path: Optional[str]) -> dict:
    """The keys ``LoadImage`` would have added."""
    return dict(img=image, img_path=path, img_shape=image.shape[:2], ori_shape=image.shape[:2])


@torch.no_grad()
def predict(model: nn.Module, packed: List[dict]) -> list:
    """Run ``model.test_step`` (data preprocessor + ``predict``) on packed pipeline outputs."""
    return model.test_step(pseudo_collate(packed))
