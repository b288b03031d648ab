"""Loading of images and semantic-segmentation label maps with OpenCV.

Files are read as bytes and decoded with ``cv2.imdecode`` so that every
failure (missing, empty, undecodable, truncated) raises an error naming the
file instead of OpenCV's silent ``None`` from ``cv2.imread``.
"""
import os
from typing import Dict, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from micronet_dense.registry import TRANSFORMS

_JPEG_START = b'\xff\xd8'
_JPEG_START_OF_SCAN = b'\xff\xda'
_JPEG_END = b'\xff\xd9'


def _jpeg_is_complete(data: bytes) -> bool:
    """Whether a JPEG stream has an end-of-image marker after its last scan.

    OpenCV 5 refuses a JPEG cut short, but OpenCV 4 (libjpeg-turbo) only warns
    "Premature end of JPEG file" and returns a grey-padded image, so the check
    is done here. Inside entropy-coded data 0xFF is always stuffed (0xFF00) or
    a restart marker, hence the end marker cannot occur by accident.
    """
    last_scan = data.rfind(_JPEG_START_OF_SCAN)
    return last_scan != -1 and data.find(_JPEG_END, last_scan) != -1


def _decode_file(path: Union[str, os.PathLike], flags: int, what: str) -> np.ndarray:
    """Read and decode ``path`` with ``cv2.imdecode``; errors name the file."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} not found: {path}') from None
    if not data:
        raise ValueError(f'{what} {path} is an empty file')
    if data.startswith(_JPEG_START) and not _jpeg_is_complete(data):
        raise ValueError(f'{what} {path} is a truncated JPEG (no end-of-image marker)')
    decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if decoded is None:
        raise ValueError(
            f'{what} {path} cannot be decoded (corrupt, truncated or not an image)')
    return decoded


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Load a colour image as BGR uint8.

    Required Keys:

    - img_path

    Added Keys:

    - img (H, W, 3) uint8 BGR
    - img_shape (H, W)
    - ori_shape (H, W)
    """

    def transform(self, results: Dict) -> Dict:
        img = _decode_file(results['img_path'], cv2.IMREAD_COLOR, 'image')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadSegAnnotation(BaseTransform):
    """Load a single-channel uint8 label map (e.g. Cityscapes ``*_labelTrainIds.png``).

    With ``num_classes`` in the results (the dataset puts it in each data info) every value
    must be a class id in ``[0, num_classes)`` or ``ignore_index``: a map of another id space
    (e.g. ``*_labelIds.png``, ids up to 33) would otherwise train and score wrong classes, or
    fail later in the loss without naming the file.

    Required Keys:

    - seg_map_path
    - img (optional; its height and width must match the label map)
    - num_classes (optional), ignore_index (optional, default 255)
    - reduce_zero_label (optional, default False): 0 becomes ``ignore_index`` and every other
      id moves down by one (mmseg's convention for sets whose 0 means "unlabelled")

    Added Keys:

    - gt_seg_map (H, W) uint8
    """

    def transform(self, results: Dict) -> Dict:
        path = results['seg_map_path']
        seg_map = _decode_file(path, cv2.IMREAD_UNCHANGED, 'segmentation map')
        if seg_map.ndim != 2:
            # OpenCV expands palette PNGs to BGR: labels must be stored as grey levels.
            raise ValueError(
                f'segmentation map {path} must be single-channel (H, W), got shape '
                f'{seg_map.shape}; palette or RGB label images are not label-id maps')
        if seg_map.dtype != np.uint8:
            raise ValueError(f'segmentation map {path} must be uint8, got {seg_map.dtype}')
        if 'img' in results and seg_map.shape != results['img'].shape[:2]:
            raise ValueError(
                f'segmentation map {path} has size {seg_map.shape} (H, W) but image '
                f'{results.get("img_path")} has {results["img"].shape[:2]}')
        if results.get('reduce_zero_label', False):
            ignore_index = results.get('ignore_index', 255)
            reduced = seg_map.astype(np.int64) - 1
            reduced[(seg_map == 0) | (seg_map == ignore_index)] = ignore_index
            seg_map = reduced.astype(np.uint8)
        if 'num_classes' in results:
            _check_label_ids(seg_map, results['num_classes'], results.get('ignore_index', 255),
                             path)
        results['gt_seg_map'] = seg_map
        return results


def _check_label_ids(seg_map: np.ndarray, num_classes: int, ignore_index: int, path) -> None:
    """Raise naming ``path`` and the values if ``seg_map`` holds ids outside the classes."""
    present = np.bincount(seg_map.ravel(), minlength=256) > 0
    known = np.zeros(256, dtype=bool)
    known[:num_classes] = True
    if 0 <= ignore_index < 256:
        known[ignore_index] = True
    unknown = np.flatnonzero(present & ~known)
    if unknown.size:
        raise ValueError(
            f'segmentation map {path} holds label ids {unknown.tolist()}, outside the '
            f'{num_classes} classes [0, {num_classes}) and the ignore index {ignore_index}; '
            f'is it a map of other ids (e.g. *_labelIds.png instead of *_labelTrainIds.png)?')
