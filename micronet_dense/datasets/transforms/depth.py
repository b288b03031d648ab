"""Depth ground truth from Cityscapes stereo disparity, and packing of the depth map.

Cityscapes ships, next to each left image, ``disparity/{split}/{city}/*_disparity.png`` (uint16,
disparity = (p − 1) / 256 pixels for p > 0, p = 0 invalid) and ``camera/{split}/{city}/
*_camera.json`` (``extrinsic.baseline`` in metres, ``intrinsic.fx`` in pixels); depth is
``baseline · fx / disparity`` (cityscapesScripts' README, "Disparity").
"""
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from micronet_dense.registry import TRANSFORMS
from micronet_dense.utils.checked_json import load_json

from .loading import decode_file
from .segmentation import PackSegInputs

_IMAGE_FOLDER = 'leftImg8bit'
# What a missing disparity or camera file asks for.
DEPTH_DOWNLOAD_HINT = ('Cityscapes depth needs disparity_trainvaltest.zip and '
                       'camera_trainvaltest.zip from https://www.cityscapes-dataset.com/downloads/, '
                       'extracted next to leftImg8bit/ (as disparity/ and camera/)')


def disparity_to_depth(encoded: np.ndarray, baseline: float, fx: float) -> np.ndarray:
    """Depth in metres of a Cityscapes disparity PNG's uint16 values; 0 where there is none.

    p = 0 marks no measurement and p = 1 a disparity of 0 (infinitely far): both give depth 0.

    Shapes: (H, W) uint16 -> (H, W) float32.
    """
    disparity = (encoded.astype(np.float64) - 1) / 256
    depth = np.zeros(encoded.shape, dtype=np.float64)
    valid = disparity > 0
    depth[valid] = baseline * fx / disparity[valid]
    return depth.astype(np.float32)


def cityscapes_depth_paths(img_path: str) -> Tuple[str, str]:
    """The disparity PNG and camera JSON of a ``leftImg8bit/{split}/{city}/*_leftImg8bit.png``.

    Raises:
        ValueError: ``img_path`` is not in the Cityscapes layout.
    """
    parts = osp.normpath(img_path).split(osp.sep)
    suffix = f'_{_IMAGE_FOLDER}.png'
    if _IMAGE_FOLDER not in parts[:-1] or not parts[-1].endswith(suffix):
        raise ValueError(f'{img_path} is not a Cityscapes image path (.../{_IMAGE_FOLDER}/<split>/'
                         f'<city>/*{suffix}); give disparity_path and camera_path instead')
    folder = len(parts) - 1 - parts[::-1].index(_IMAGE_FOLDER)
    stem = parts[-1][:-len(suffix)]

    def sibling(kind: str, ending: str) -> str:
        return osp.sep.join([*parts[:folder], kind, *parts[folder + 1:-1], stem + ending])

    return sibling('disparity', '_disparity.png'), sibling('camera', '_camera.json')


def read_stereo_camera(path: str) -> Tuple[float, float]:
    """``(extrinsic.baseline, intrinsic.fx)`` of a Cityscapes camera JSON.

    Raises:
        FileNotFoundError, ValueError: naming ``path``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'camera file not found: {path}; {DEPTH_DOWNLOAD_HINT}')
    camera = load_json(path, 'camera file')
    try:
        values = float(camera['extrinsic']['baseline']), float(camera['intrinsic']['fx'])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f'camera file {path} lacks a numeric extrinsic.baseline and '
                         'intrinsic.fx') from None
    if not all(np.isfinite(values)) or min(values) <= 0:
        raise ValueError(f'camera file {path}: baseline and fx must be positive, got {values}')
    return values


@TRANSFORMS.register_module()
class LoadDepthFromDisparity(BaseTransform):
    """Load a Cityscapes disparity map and its camera as a depth map in metres.

    The files are ``disparity_path`` and ``camera_path`` when the results have them, else the
    ones next to ``img_path`` in the Cityscapes layout (:func:`cityscapes_depth_paths`).

    Required Keys:

    - img_path, or disparity_path and camera_path
    - img (optional; its height and width must match the disparity map)

    Added Keys:

    - gt_depth_map (H, W) float32 metres, 0 where there is no measurement
    - disparity_path, camera_path
    """

    def transform(self, results: Dict) -> Dict:
        if 'disparity_path' in results and 'camera_path' in results:
            disparity_path, camera_path = results['disparity_path'], results['camera_path']
        else:
            disparity_path, camera_path = cityscapes_depth_paths(results['img_path'])
        if not osp.isfile(disparity_path):
            raise FileNotFoundError(f'disparity map not found: {disparity_path}; '
                                    f'{DEPTH_DOWNLOAD_HINT}')
        encoded = decode_file(disparity_path, cv2.IMREAD_UNCHANGED, 'disparity map')
        if encoded.ndim != 2 or encoded.dtype != np.uint16:
            raise ValueError(f'disparity map {disparity_path} must be a single-channel uint16 PNG, '
                             f'got shape {encoded.shape} and dtype {encoded.dtype}')
        if 'img' in results and encoded.shape != results['img'].shape[:2]:
            raise ValueError(f'disparity map {disparity_path} has size {encoded.shape} (H, W) but '
                             f'image {results.get("img_path")} has {results["img"].shape[:2]}')
        results['gt_depth_map'] = disparity_to_depth(encoded, *read_stereo_camera(camera_path))
        results['disparity_path'], results['camera_path'] = disparity_path, camera_path
        return results


@TRANSFORMS.register_module()
class PackDenseInputs(PackSegInputs):
    """:class:`PackSegInputs` that also packs the depth map when the results have one.

    Added data-sample field: ``gt_depth_map = PixelData(data=(1, H, W) torch.float32)``, metres,
    0 = no measurement.
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        depth = results.get('gt_depth_map')
        if depth is not None:
            if depth.shape != results['img'].shape[:2]:
                raise ValueError(f"PackDenseInputs: 'gt_depth_map' of shape {depth.shape} does not "
                                 f"match 'img' of shape {results['img'].shape} for "
                                 f"{results.get('img_path', 'an in-memory image')}")
            packed['data_samples'].gt_depth_map = PixelData(
                data=torch.from_numpy(np.ascontiguousarray(depth, dtype=np.float32)[None]))
        return packed
