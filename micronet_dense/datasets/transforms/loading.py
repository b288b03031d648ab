"""Loading of images and semantic-segmentation label maps with OpenCV.

Files are read as bytes and decoded from memory so that every failure (missing, empty,
undecodable, truncated) raises an error naming the file instead of OpenCV's silent ``None``.
Images are decoded in their stored orientation: COCO annotations describe the stored pixels, but
OpenCV 5's ``IMREAD_COLOR`` turns a JPEG by its EXIF Orientation tag, which would move every
keypoint. Where the annotation lists the image size, a file of another size is refused, before
decoding when its header tells the size.
"""
import os
import struct
from typing import Dict, Optional, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine import fileio

from micronet_dense.registry import TRANSFORMS
from micronet_dense.utils.checked_json import DataFileError

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


_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): they hold the size.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def encoded_image_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(H, W) in stored orientation from a PNG or JPEG header; None for other or damaged data."""
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b'IHDR':
        width, height = struct.unpack('>II', data[16:24])
        return height, width
    if not data.startswith(_JPEG_START):
        return None
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        length = struct.unpack('>H', data[position + 2:position + 4])[0]
        if marker in _JPEG_FRAME_MARKERS:
            return struct.unpack('>HH', data[position + 5:position + 9])
        position += 2 + length
    return None


def _read_file(path: Union[str, os.PathLike], what: str, backend_args: Optional[dict] = None
               ) -> bytes:
    """The bytes of ``path``, refusing a missing or empty file and a truncated JPEG."""
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} not found: {path}') from None
    if not data:
        raise DataFileError(f'{what} {path} is an empty file')
    if data.startswith(_JPEG_START) and not _jpeg_is_complete(data):
        raise DataFileError(f'{what} {path} is a truncated JPEG (no end-of-image marker)')
    return data


def decode_file(path: Union[str, os.PathLike], flags: int, what: str) -> np.ndarray:
    """Read and decode ``path`` with ``cv2.imdecode(flags)``; every failure names the file
    (``what`` it is: ``'segmentation map'``, ``'disparity map'``)."""
    decoded = cv2.imdecode(np.frombuffer(_read_file(path, what), np.uint8), flags)
    if decoded is None:
        raise _undecodable(path, what)
    return decoded


def _undecodable(path, what: str) -> DataFileError:
    return DataFileError(f'{what} {path} cannot be decoded (corrupt, truncated or not an image)')


def _check_size(size: Tuple[int, int], listed: Tuple[int, int], path, how: str) -> None:
    if tuple(size) != tuple(listed):
        raise DataFileError(
            f'image {path} is {size[1]}x{size[0]} (width x height, {how}) but its annotation lists '
            f'{listed[1]}x{listed[0]}: the annotations would not describe these pixels')


@TRANSFORMS.register_module()
class LoadImage(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` decoding in stored orientation, with the file checked.

    Added to mmcv's transform: errors name the file (missing, empty, undecodable, a JPEG without
    its end-of-image marker, which OpenCV 4 would pad with grey), and when the results already
    hold ``ori_shape`` (a dataset's annotated (H, W)), the image must have that size; a header
    that says otherwise is refused before decoding (a 20000 x 20000 file listed as 320 x 240 is
    never decoded).

    Required Keys:

    - img_path
    - ori_shape (optional): the annotated (H, W)

    Added Keys:

    - img (H, W, 3) uint8 BGR (float32 with ``to_float32``)
    - img_shape (H, W)
    - ori_shape (H, W)

    Args:
        color_type: mmcv's decode flag; by default colour in stored orientation.
        **kwargs: ``LoadImageFromFile``'s other arguments (``to_float32``, ``imdecode_backend``,
            ``backend_args``, ``ignore_empty``).
    """

    def __init__(self, color_type: str = 'color_ignore_orientation', **kwargs) -> None:
        super().__init__(color_type=color_type, **kwargs)

    def transform(self, results: Dict) -> Optional[Dict]:
        path = results['img_path']
        listed = results.get('ori_shape')
        try:
            data = _read_file(path, 'image', self.backend_args)
            header_size = encoded_image_size(data)
            if listed is not None and header_size is not None:
                _check_size(header_size, listed, path, 'its header; not decoded')
            img = mmcv.imfrombytes(data, flag=self.color_type, backend=self.imdecode_backend)
            if img is None or img.size == 0:
                raise _undecodable(path, 'image')
        except (FileNotFoundError, DataFileError):
            if self.ignore_empty:
                return None
            raise
        if listed is not None:
            _check_size(img.shape[:2], listed, path, 'decoded')
        if self.to_float32:
            img = img.astype(np.float32)
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
        seg_map = decode_file(path, cv2.IMREAD_UNCHANGED, 'segmentation map')
        if seg_map.ndim != 2:
            # OpenCV expands palette PNGs to BGR: labels must be stored as grey levels.
            raise DataFileError(
                f'segmentation map {path} must be single-channel (H, W), got shape '
                f'{seg_map.shape}; palette or RGB label images are not label-id maps')
        if seg_map.dtype != np.uint8:
            raise DataFileError(f'segmentation map {path} must be uint8, got {seg_map.dtype}')
        if 'img' in results and seg_map.shape != results['img'].shape[:2]:
            raise DataFileError(
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
        raise DataFileError(
            f'segmentation map {path} holds label ids {unknown.tolist()}, outside the '
            f'{num_classes} classes [0, {num_classes}) and the ignore index {ignore_index}; '
            f'is it a map of other ids (e.g. *_labelIds.png instead of *_labelTrainIds.png)?')
