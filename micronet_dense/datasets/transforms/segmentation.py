"""Semantic segmentation transforms (mmseg 1.x semantics) that mmcv.transforms lacks, and
``PackSegInputs``; the geometric ones move every dense map of a sample together.

Dense maps: ``gt_seg_map`` (labels) and ``gt_depth_map`` (metres, 0 = no measurement). Both are
resampled nearest-neighbour, never blended across object edges; padding fills ``ignore_index``
and 0, so padded pixels are ignored by the loss and the metrics. ``DenseResize`` and
``DenseRandomFlip`` are mmcv's ``Resize`` and ``RandomFlip`` extended to the depth map; random
resizing by a factor s divides depth by s (Eigen et al., NIPS 2014: zooming in by s shows the
scene as the unchanged camera would see it from s times closer), so apparent size and depth stay
consistent for a model that predicts metric depth.

All randomness is drawn from numpy's global generator, which the training loaders seed
per sample from (seed, epoch, index) (``datasets/augmentation_seeds.py``), so the
augmentation is reproducible, also across workers and resumed runs. mmcv's ``RandomResize``
and ``RandomFlip`` draw from the same generator.

Training pipeline (Cityscapes, 512x1024 crops)::

    LoadImage -> LoadSegAnnotation
    -> RandomResize(scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True)  (mmcv)
    -> SegRandomCrop(crop_size=(512, 1024), cat_max_ratio=0.75)
    -> RandomFlip(prob=0.5, direction='horizontal')  (mmcv)
    -> PhotoMetricDistortion() -> SegPad(size=(512, 1024)) -> PackSegInputs

Multi-task training pipeline (segmentation + depth)::

    LoadImage -> LoadSegAnnotation -> LoadDepthFromDisparity
    -> RandomResize(..., resize_type='DenseResize') -> SegRandomCrop -> DenseRandomFlip
    -> PhotoMetricDistortion -> SegPad -> PackDenseInputs

Test pipeline::

    LoadImage -> LoadSegAnnotation -> PackSegInputs

i.e. the whole image at full resolution and the labels at their original resolution;
the model resizes its logits back to ``ori_shape``.
"""
from typing import Optional, Sequence, Tuple

import albumentations as A
import cv2
import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform, RandomFlip, Resize
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.registry import TRANSFORMS


DENSE_MAP_KEYS = ('gt_seg_map', 'gt_depth_map')


def _image_and_label(results: dict, transform: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Return ``results['img']`` (H, W, 3) uint8 and ``results['gt_seg_map']`` (H, W) or None.

    Raises:
        ValueError: If the image is not a 3-channel uint8 array or a dense map (label map,
            depth map) does not have the image's height and width.
    """
    img = results['img']
    source = results.get('img_path', 'an in-memory image')
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"{transform}: 'img' of {source} must be a (H, W, 3) uint8 BGR array, "
                         f'got shape {img.shape} and dtype {img.dtype}')
    for key in DENSE_MAP_KEYS:
        dense_map = results.get(key)
        if dense_map is not None and dense_map.shape != img.shape[:2]:
            raise ValueError(f"{transform}: '{key}' of shape {dense_map.shape} does not match "
                             f"'img' of shape {img.shape} for {source}")
    return img, results.get('gt_seg_map')


def _check_pair(value: Sequence, name: str) -> Tuple[int, int]:
    """Return ``value`` as a pair of positive ints; raise ValueError naming ``name`` if not."""
    if len(value) != 2 or any(int(v) != v or v <= 0 for v in value):
        raise ValueError(f'{name} must be two positive integers, got {value}')
    return int(value[0]), int(value[1])


@TRANSFORMS.register_module()
class SegRandomCrop(BaseTransform):
    """Crop a random ``crop_size`` window, avoiding windows dominated by one class (mmseg's
    ``RandomCrop``; mmcv.transforms has no random crop).

    Up to 10 windows are drawn; the first one whose label map holds more than one
    class (``ignore_index`` not counted) with the most frequent one covering less than
    ``cat_max_ratio`` of the labelled pixels is kept, else the 10th (the depth map plays
    no part in the choice). An image smaller than ``crop_size`` is cropped to its own size
    along that axis.

    Required Keys: img, gt_seg_map (optional), gt_depth_map (optional)

    Modified Keys: img, gt_seg_map, gt_depth_map, img_shape

    Args:
        crop_size: ``(h, w)`` of the window.
        cat_max_ratio: Largest allowed share of one class; 1.0 disables the check.
        ignore_index: Label value left out of the class shares.
    """

    max_tries = 10

    def __init__(self,
                 crop_size: Tuple[int, int] = (512, 1024),
                 cat_max_ratio: float = 0.75,
                 ignore_index: int = 255) -> None:
        self.crop_size = _check_pair(crop_size, 'SegRandomCrop.crop_size')
        if not 0 < cat_max_ratio <= 1:
            raise ValueError(f'SegRandomCrop.cat_max_ratio must be in (0, 1], got {cat_max_ratio}')
        self.cat_max_ratio = cat_max_ratio
        self.ignore_index = ignore_index

    def _random_window(self, h: int, w: int) -> Tuple[slice, slice]:
        """Rows and columns of a uniformly placed window in an ``h`` x ``w`` image."""
        top = np.random.randint(0, max(h - self.crop_size[0], 0) + 1)
        left = np.random.randint(0, max(w - self.crop_size[1], 0) + 1)
        return slice(top, top + self.crop_size[0]), slice(left, left + self.crop_size[1])

    def _is_diverse(self, seg_map: np.ndarray) -> bool:
        """Whether the labelled pixels hold >1 class, none covering ``cat_max_ratio``."""
        labels, counts = np.unique(seg_map, return_counts=True)
        counts = counts[labels != self.ignore_index]
        return len(counts) > 1 and counts.max() / counts.sum() < self.cat_max_ratio

    def transform(self, results: dict) -> dict:
        img, seg_map = _image_and_label(results, type(self).__name__)
        h, w = img.shape[:2]
        rows, cols = self._random_window(h, w)
        if seg_map is not None and self.cat_max_ratio < 1:
            for _ in range(self.max_tries - 1):
                if self._is_diverse(seg_map[rows, cols]):
                    break
                rows, cols = self._random_window(h, w)
        results['img'] = img[rows, cols]
        for key in DENSE_MAP_KEYS:
            if results.get(key) is not None:
                results[key] = results[key][rows, cols]
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio}, ignore_index={self.ignore_index})')


@TRANSFORMS.register_module()
class DenseResize(Resize):
    """mmcv's ``Resize`` that also resizes the depth map, nearest-neighbour, and divides its
    values by the resize factor s = √(w_scale · h_scale) (0 = no measurement stays 0); use it
    as ``RandomResize(..., resize_type='DenseResize')``.

    Required Keys: img, gt_seg_map (optional), gt_depth_map (optional)

    Modified Keys: img, gt_seg_map, gt_depth_map, img_shape

    Added Keys: scale, scale_factor, keep_ratio
    """

    def _resize_seg(self, results: dict) -> None:
        super()._resize_seg(results)
        depth = results.get('gt_depth_map')
        if depth is None:
            return
        resize = mmcv.imrescale if self.keep_ratio else mmcv.imresize
        depth = resize(depth, results['scale'], interpolation='nearest', backend=self.backend)
        w_scale, h_scale = results['scale_factor']
        results['gt_depth_map'] = (depth / np.sqrt(w_scale * h_scale)).astype(np.float32)


@TRANSFORMS.register_module()
class DenseRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` that also flips the depth map (its values unchanged).

    Required Keys: img, gt_seg_map (optional), gt_depth_map (optional)

    Modified Keys: img, gt_seg_map, gt_depth_map

    Added Keys: flip, flip_direction, swap_seg_labels (with a label map)
    """

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        if results.get('gt_depth_map') is not None:
            results['gt_depth_map'] = mmcv.imflip(results['gt_depth_map'],
                                                  direction=results['flip_direction'])


@TRANSFORMS.register_module()
class PhotoMetricDistortion(BaseTransform):
    """mmseg's photometric jitter, built from albumentations operations.

    Each step is applied with probability 0.5, in mmseg's order: brightness, then
    contrast either first or last (coin flip), saturation, hue.

    - brightness: ``img + delta``, ``delta ~ U(-brightness_delta, brightness_delta)``
      (``A.RandomBrightnessContrast`` with ``brightness_by_max``; identical to mmseg);
    - contrast: ``img * alpha``, ``alpha ~ U(contrast_range)`` (same transform;
      identical to mmseg);
    - saturation: blend with the grey image by ``alpha ~ U(saturation_range)``
      (``A.ColorJitter``, torchvision's definition; mmseg scales HSV saturation
      instead, same range and effect direction);
    - hue: OpenCV hue (0..180) shifted by ``U(-hue_delta, hue_delta)`` modulo 180
      (``A.HueSaturationValue``; mmseg draws an integer shift).

    Results are clipped to [0, 255]. albumentations expects RGB, which matters for the
    saturation (luma weights) and hue steps, so the BGR image is converted around them.
    Each albumentations transform is re-seeded from numpy's global generator on every
    call, so the output depends only on numpy's state (albumentations 2.x otherwise
    keeps its own generators, unaffected by mmengine's seeding and identical in
    every forked dataloader worker).

    Required Keys: img (BGR uint8)

    Modified Keys: img

    Args:
        brightness_delta: Largest absolute brightness shift, in grey levels.
        contrast_range: ``(low, high)`` of the contrast factor.
        saturation_range: ``(low, high)`` of the saturation factor.
        hue_delta: Largest absolute hue shift, in OpenCV hue units (degrees / 2).
    """

    def __init__(self,
                 brightness_delta: float = 32,
                 contrast_range: Tuple[float, float] = (0.5, 1.5),
                 saturation_range: Tuple[float, float] = (0.5, 1.5),
                 hue_delta: float = 18) -> None:
        if not 0 <= brightness_delta <= 255 or not 0 <= hue_delta <= 90:
            raise ValueError('PhotoMetricDistortion: brightness_delta must be in [0, 255] and '
                             f'hue_delta in [0, 90], got {brightness_delta} and {hue_delta}')
        for name, (low, high) in (('contrast_range', contrast_range),
                                  ('saturation_range', saturation_range)):
            if not 0 <= low <= high:
                raise ValueError(f'PhotoMetricDistortion.{name} must be (low, high) with '
                                 f'0 <= low <= high, got {(low, high)}')
        self.brightness_delta = brightness_delta
        self.contrast_range = tuple(contrast_range)
        self.saturation_range = tuple(saturation_range)
        self.hue_delta = hue_delta
        self._brightness = A.RandomBrightnessContrast(
            brightness_limit=brightness_delta / 255, contrast_limit=0, brightness_by_max=True,
            p=0.5)
        self._contrast = A.RandomBrightnessContrast(
            brightness_limit=0,
            contrast_limit=(contrast_range[0] - 1, contrast_range[1] - 1),
            p=0.5)
        self._saturation = A.ColorJitter(
            brightness=(1, 1), contrast=(1, 1), saturation=tuple(saturation_range), hue=(0, 0),
            p=0.5)
        self._hue = A.HueSaturationValue(
            hue_shift_limit=hue_delta, sat_shift_limit=0, val_shift_limit=0, p=0.5)

    def transform(self, results: dict) -> dict:
        img, _ = _image_and_label(results, type(self).__name__)
        contrast_first = np.random.randint(2) == 1
        steps = [self._brightness, self._saturation, self._hue]
        steps.insert(1 if contrast_first else 3, self._contrast)
        # One seed per step: a shared seed would make all steps' coin flips identical.
        seeds = np.random.randint(0, 2**31 - 1, size=len(steps))
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        for step, seed in zip(steps, seeds):
            step.set_random_seed(int(seed))
            rgb = step(image=rgb)['image']
        results['img'] = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range={self.contrast_range}, '
                f'saturation_range={self.saturation_range}, hue_delta={self.hue_delta})')


@TRANSFORMS.register_module()
class SegPad(BaseTransform):
    """Pad image, label map and depth map at the bottom and right to at least ``size``.

    ``img_shape`` keeps the unpadded size, i.e. the region holding real pixels, which the
    segmentor reads to crop its logits before resizing them to ``ori_shape``. mmcv's ``Pad``
    does the same padding but sets ``img_shape`` to the padded size (and ``pad_shape`` to
    (H, W, C)), so it is not used here.

    Required Keys: img, gt_seg_map (optional), gt_depth_map (optional)

    Modified Keys: img, gt_seg_map, gt_depth_map

    Added Keys: pad_shape ((H, W) after padding)

    Args:
        size: Smallest ``(h, w)`` of the output; larger inputs are left as they are.
        pad_val: Image value of padded pixels.
        seg_pad_val: Label of padded pixels, normally the ignore index. Padded depth is 0
            (no measurement).
    """

    def __init__(self,
                 size: Tuple[int, int] = (512, 1024),
                 pad_val: int = 0,
                 seg_pad_val: int = 255) -> None:
        self.size = _check_pair(size, 'SegPad.size')
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    def transform(self, results: dict) -> dict:
        img, seg_map = _image_and_label(results, type(self).__name__)
        pad_h = max(self.size[0] - img.shape[0], 0)
        pad_w = max(self.size[1] - img.shape[1], 0)
        results['img'] = np.pad(
            img, ((0, pad_h), (0, pad_w), (0, 0)), constant_values=self.pad_val)
        for key, value in zip(DENSE_MAP_KEYS, (self.seg_pad_val, 0)):
            if results.get(key) is not None:
                results[key] = np.pad(results[key], ((0, pad_h), (0, pad_w)),
                                      constant_values=value)
        results['pad_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, pad_val={self.pad_val}, '
                f'seg_pad_val={self.seg_pad_val})')


@TRANSFORMS.register_module()
class PackSegInputs(BaseTransform):
    """Pack a sample into the model's ``inputs`` tensor and ``data_samples`` element.

    Returns ``dict(inputs, data_samples)``: ``inputs`` is a contiguous (3, H, W)
    torch.uint8 BGR tensor; ``data_samples`` is a ``BaseDataElement`` whose metainfo
    holds the ``meta_keys`` present in the results and, when ``gt_seg_map`` is present,
    the field ``gt_sem_seg = PixelData(data=(1, H, W) torch.long)``.

    Required Keys: img, gt_seg_map (optional), the ``meta_keys`` present

    Args:
        meta_keys: Keys copied into the data sample's metainfo when present.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                                             'pad_shape', 'scale_factor', 'flip')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img, seg_map = _image_and_label(results, type(self).__name__)
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        data_sample = BaseDataElement(
            metainfo={key: results[key] for key in self.meta_keys if key in results})
        if seg_map is not None:
            data_sample.gt_sem_seg = PixelData(
                data=torch.from_numpy(seg_map.astype(np.int64)[None]))
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
