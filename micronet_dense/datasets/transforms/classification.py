"""ImageNet transforms of the official recipe that mmcv.transforms lacks: RandomResizedCrop (train,
by albumentations) and the short-edge resize to 256 (val); the flip and the 224 center crop are mmcv's
``RandomFlip`` and ``CenterCrop``. Random draws use numpy's global generator, seeded per sample
(``datasets/augmentation_seeds.py``)."""
from typing import Sequence, Tuple

import albumentations as A
import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from micronet_dense.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """torchvision's RandomResizedCrop, computed by albumentations (mmcv.transforms has none): crop
    a random area fraction in ``scale`` with an aspect ratio in ``ratio`` (log-uniform), 10 tries,
    then a central crop with the aspect ratio clamped to ``ratio``; resize it to ``size`` x
    ``size`` bilinearly. albumentations is re-seeded from numpy's global generator on every call,
    so the draw depends only on numpy's state (seeded per sample).

    Required Keys: img. Modified Keys: img, img_shape.
    """

    def __init__(self, size: int = 224, scale: Tuple[float, float] = (0.08, 1.0),
                 ratio: Tuple[float, float] = (3 / 4, 4 / 3)) -> None:
        self.size, self.scale, self.ratio = size, tuple(scale), tuple(ratio)
        self._crop = A.RandomResizedCrop(size=(size, size), scale=self.scale, ratio=self.ratio,
                                         interpolation=cv2.INTER_LINEAR)

    def transform(self, results: dict) -> dict:
        self._crop.set_random_seed(int(np.random.randint(0, 2**31 - 1)))
        img = self._crop(image=results['img'])['image']
        results['img'], results['img_shape'] = img, img.shape[:2]
        return results


@TRANSFORMS.register_module()
class ResizeShortEdge(BaseTransform):
    """Resize so the short edge is ``size``, keeping the aspect ratio (torchvision's
    ``Resize(256)``; mmcv's ``Resize`` bounds both edges by a scale instead).

    Required Keys: img. Modified Keys: img, img_shape.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        s = self.size / min(h, w)
        img = cv2.resize(results['img'], (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)
        results['img'], results['img_shape'] = img, img.shape[:2]
        return results


@TRANSFORMS.register_module()
class PackClsInputs(BaseTransform):
    """Pack for :class:`ImageClassifier`.

    Required Keys: img, gt_label (optional). Added Keys: inputs (uint8 (3, H, W) BGR tensor),
    data_samples (``BaseDataElement`` with ``gt_label`` and the ``meta_keys`` as metainfo).
    """

    def __init__(self, meta_keys: Sequence[str] = ('img_path', 'ori_shape', 'img_shape')) -> None:
        self.meta_keys = meta_keys

    def transform(self, results: dict) -> dict:
        inputs = torch.from_numpy(np.ascontiguousarray(results['img'].transpose(2, 0, 1)))
        sample = BaseDataElement(metainfo={k: results[k] for k in self.meta_keys if k in results})
        if 'gt_label' in results:
            sample.gt_label = torch.tensor(results['gt_label'], dtype=torch.long)
        return dict(inputs=inputs, data_samples=sample)
