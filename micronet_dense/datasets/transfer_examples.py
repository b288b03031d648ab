"""Small generated data sets in the layouts of ``docs/transfer.md``: a user's own image+mask
set and a user's own COCO-format keypoint set, to try the walk-through (and test it) without
any download.

Segmentation (``make_segmentation_example``), 4 classes: background, disc, square, bar::

    root/images/{train,val}/NNNN.jpg   root/masks/{train,val}/NNNN.png  (grey levels 0..3)

Keypoints (``make_keypoint_example``), one category (the description's) of 5 keypoints drawn as
a bird seen from the front — beak, left wing, right wing, left foot, right foot, in this order,
the left parts blue and the right ones red so that a flip is visible::

    root/images/NNNN.jpg   root/annotations/{train,val}.json
"""
import os.path as osp
from typing import List, Mapping, Tuple

import cv2
import numpy as np

from micronet_dense.datasets.keypoint_metainfo import coco_category, parse_keypoint_metainfo
from micronet_dense.utils.atomic_io import write_image_atomic, write_json_atomic

SEGMENTATION_CLASSES = ('background', 'disc', 'square', 'bar')
IMAGE_SIZE = 96  # pixels, square images
# Keypoints of the drawn bird relative to its centre, in units of its size (x right, y down).
_BIRD_OFFSETS = np.array([[0.0, -0.45], [-0.5, -0.05], [0.5, -0.05], [-0.2, 0.45], [0.2, 0.45]])
# BGR: beak yellow, left parts blue, right parts red.
_BIRD_COLOURS = ((0, 220, 255), (255, 80, 0), (0, 0, 255), (255, 80, 0), (0, 0, 255))


def _background(rng: np.random.Generator) -> np.ndarray:
    base = rng.integers(60, 120, size=3)
    noise = rng.integers(-20, 21, size=(IMAGE_SIZE, IMAGE_SIZE, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _segmentation_pair(rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """A (H, W, 3) BGR image and its (H, W) uint8 class-id mask, one shape of each class."""
    image, mask = _background(rng), np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.uint8)
    layer = np.zeros_like(mask)
    for class_id, colour in ((1, (40, 200, 240)), (2, (220, 60, 60)), (3, (60, 220, 60))):
        layer[:] = 0
        cx, cy = rng.integers(16, IMAGE_SIZE - 16, size=2)
        size = int(rng.integers(8, 16))
        if class_id == 1:
            cv2.circle(layer, (int(cx), int(cy)), size, 1, -1)
        elif class_id == 2:
            cv2.rectangle(layer, (int(cx - size), int(cy - size)), (int(cx + size), int(cy + size)),
                          1, -1)
        else:
            cv2.rectangle(layer, (0, int(cy - 4)), (IMAGE_SIZE - 1, int(cy + 4)), 1, -1)
        image[layer > 0] = colour
        mask[layer > 0] = class_id
    return image, mask


def make_segmentation_example(root: str, num_train: int = 16, num_val: int = 4,
                              seed: int = 0) -> None:
    """Write the 4-class image+mask set (module docstring) under ``root``."""
    rng = np.random.default_rng(seed)
    for split, count in (('train', num_train), ('val', num_val)):
        for index in range(count):
            image, mask = _segmentation_pair(rng)
            write_image_atomic(osp.join(root, 'images', split, f'{index:04d}.jpg'), image)
            write_image_atomic(osp.join(root, 'masks', split, f'{index:04d}.png'), mask)


def _draw_bird(image: np.ndarray, centre: np.ndarray, size: float) -> np.ndarray:
    """Draw a bird on ``image`` in place; its (5, 2) keypoints in pixels."""
    keypoints = centre + _BIRD_OFFSETS * size
    body = np.round(keypoints[[0, 2, 4, 3, 1]]).astype(np.int32)
    cv2.fillPoly(image, [body], (200, 200, 200))
    for point, colour in zip(np.round(keypoints).astype(int), _BIRD_COLOURS):
        cv2.circle(image, (int(point[0]), int(point[1])), max(2, int(size / 10)), colour, -1)
    return keypoints


def _keypoint_split(root: str, split: str, first_id: int, count: int, category: Mapping,
                    rng: np.random.Generator) -> dict:
    images, annotations = [], []
    for image_id in range(first_id, first_id + count):
        image = _background(rng)
        for _ in range(int(rng.integers(1, 3))):
            size = float(rng.uniform(24, 40))
            centre = rng.uniform(size / 2 + 2, IMAGE_SIZE - size / 2 - 2, size=2)
            keypoints = _draw_bird(image, centre, size)
            x0, y0 = keypoints.min(axis=0) - 3
            w, h = keypoints.max(axis=0) - keypoints.min(axis=0) + 6
            annotations.append(dict(
                id=len(annotations) + 1, image_id=image_id,
                category_id=category['id'], iscrowd=0, num_keypoints=len(keypoints),
                bbox=[float(x0), float(y0), float(w), float(h)], area=float(w * h),
                keypoints=[v for x, y in keypoints.tolist() for v in (round(x, 2), round(y, 2), 2)]))
        file_name = f'{image_id:04d}.jpg'
        write_image_atomic(osp.join(root, 'images', file_name), image)
        images.append(dict(id=image_id, file_name=file_name, width=IMAGE_SIZE, height=IMAGE_SIZE))
    return dict(images=images, annotations=annotations, categories=[category])


def make_keypoint_example(root: str, description: str, num_train: int = 24, num_val: int = 6,
                          seed: int = 0) -> None:
    """Write the bird keypoint set (module docstring) under ``root``, its category and keypoint
    names taken from the keypoint description file ``description`` (5 keypoints)."""
    metainfo = parse_keypoint_metainfo(dict(from_file=description))
    if metainfo['num_keypoints'] != len(_BIRD_OFFSETS):
        raise ValueError(f'{description}: the drawn birds have {len(_BIRD_OFFSETS)} keypoints, '
                         f'the description {metainfo["num_keypoints"]}')
    category = coco_category(metainfo)
    rng = np.random.default_rng(seed)
    splits: List[Tuple[str, int, int]] = [('train', 1, num_train), ('val', 1 + num_train, num_val)]
    for split, first_id, count in splits:
        coco = _keypoint_split(root, split, first_id, count, category, rng)
        write_json_atomic(osp.join(root, 'annotations', f'{split}.json'), coco)
