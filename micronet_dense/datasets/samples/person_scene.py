"""Images of the synthetic COCO sample: a background, cartoon people placed with bounded
occlusion, an optional crowd, sensor noise; with the COCO annotations of what is visible."""
from typing import List, Optional, Tuple

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO

from .person_figure import NUM_KEYPOINTS, Figure, sample_figure
from .person_painter import PART_MARKER, FigureStyle, bgr, paint_figure, sample_style

# Owner-map ids: person i owns [i * _PART_SLOTS, (i + 1) * _PART_SLOTS); crowd figures own
# everything from _CROWD_OWNER up. A keypoint is visible (v=2) iff its own marker still
# owns its pixel once every figure is drawn.
_PART_SLOTS = 32
_CROWD_OWNER = 1000
_BACKGROUND = -1

_MIN_LABELLED = 8  # in-frame keypoints a person needs to be placed
_MAX_OCCLUDED = 0.45  # largest fraction of an earlier person's visible pixels a new one may hide
_PLACEMENT_TRIES = 25


def _in_frame(keypoints: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    width, height = size
    return ((keypoints[:, 0] >= 0) & (keypoints[:, 0] < width)
            & (keypoints[:, 1] >= 0) & (keypoints[:, 1] < height))


def _background(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """Smooth random-colour field with muted clutter shapes; (H, W, 3) uint8 BGR."""
    width, height = size
    grid = (int(rng.integers(3, 8)), int(rng.integers(3, 8)))
    hsv = np.stack([rng.uniform(0, 180, grid), rng.uniform(20, 140, grid),
                    rng.uniform(80, 230, grid)], axis=-1).astype(np.uint8)
    image = cv2.resize(cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 9))):
        colour = bgr(rng.uniform(0, 360), rng.uniform(0.05, 0.45), rng.uniform(0.3, 0.9))
        x0, x1 = sorted(rng.integers(0, width, 2).tolist())
        y0, y1 = sorted(rng.integers(0, height, 2).tolist())
        if rng.random() < 0.5:
            cv2.rectangle(image, (x0, y0), (x1, y1), colour, -1, cv2.LINE_8)
        else:
            cv2.ellipse(image, ((x0 + x1) // 2, (y0 + y1) // 2),
                        (max(1, (x1 - x0) // 2), max(1, (y1 - y0) // 2)),
                        float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_8)
    return image


def _paint_crowd(rng: np.random.Generator, image: np.ndarray, owner: np.ndarray) -> None:
    """A packed cluster of 6-12 small unannotated figures (annotated as one iscrowd region)."""
    height, width = owner.shape
    figure_height = rng.uniform(0.09, 0.15) * height
    center = np.array([rng.uniform(0.2, 0.8) * width, rng.uniform(0.3, 0.7) * height])
    spread = np.array([rng.uniform(0.12, 0.22) * width, 0.25 * figure_height])
    for _ in range(int(rng.integers(6, 13))):
        figure = sample_figure(rng, figure_height * rng.uniform(0.85, 1.15), rng.random() < 0.75,
                               center + rng.uniform(-1, 1, 2) * spread)
        paint_figure(figure, sample_style(rng), image, owner, _CROWD_OWNER)


def _place_person(rng: np.random.Generator, owner: np.ndarray,
                  placed: int) -> Optional[Tuple[Figure, FigureStyle]]:
    """A figure that shows >= _MIN_LABELLED keypoints in frame and hides at most
    _MAX_OCCLUDED of any earlier person; None when none fits in _PLACEMENT_TRIES."""
    height, width = owner.shape
    for _ in range(_PLACEMENT_TRIES):
        figure_height = height * np.exp(rng.uniform(np.log(0.27), np.log(0.96)))
        center = np.array([rng.uniform(0.08, 0.92) * width, rng.uniform(0.3, 0.7) * height])
        figure = sample_figure(rng, figure_height, rng.random() < 0.75, center)
        style = sample_style(rng)
        in_frame = _in_frame(figure.keypoints, (width, height)) & figure.labelled
        if in_frame.sum() < _MIN_LABELLED:
            continue
        silhouette = np.full_like(owner, _BACKGROUND)
        paint_figure(figure, style, None, silhouette, 0)
        covers = silhouette != _BACKGROUND
        visible = [owner // _PART_SLOTS == i for i in range(placed)]
        if all((covers & v).sum() <= _MAX_OCCLUDED * v.sum() for v in visible):
            return figure, style
    return None


def _mask_annotation(mask: np.ndarray, polygons: bool) -> Optional[dict]:
    """segmentation/area/bbox of a binary mask; COCO polygons, else compressed RLE."""
    height, width = mask.shape
    if polygons:
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        segmentation = [[float(v) for v in c.reshape(-1)] for c in contours if len(c) >= 3]
        if not segmentation:
            return None
        rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    else:
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        segmentation = dict(counts=rle['counts'].decode('ascii'), size=list(rle['size']))
    area = float(mask_utils.area(rle))
    if area == 0:
        return None
    return dict(segmentation=segmentation, area=area,
                bbox=[float(v) for v in mask_utils.toBbox(rle)])


def render_annotated_image(rng: np.random.Generator, size: Tuple[int, int], num_persons: int,
                           with_crowd: bool) -> Tuple[np.ndarray, List[dict]]:
    """(H, W, 3) uint8 BGR image and its annotations without ``id``/``image_id``."""
    width, height = size
    image = _background(rng, size)
    owner = np.full((height, width), _BACKGROUND, np.int16)
    if with_crowd:
        _paint_crowd(rng, image, owner)
    figures = []
    for _ in range(num_persons):
        placement = _place_person(rng, owner, len(figures))
        if placement is None:
            continue
        paint_figure(*placement, image, owner, len(figures) * _PART_SLOTS)
        figures.append(placement[0])

    annotations = []
    for index, figure in enumerate(figures):
        region = _mask_annotation(owner // _PART_SLOTS == index, polygons=True)
        if region is None:
            continue
        kp = figure.keypoints
        in_frame = _in_frame(kp, size) & figure.labelled
        x, y = np.clip(kp[:, 0], 0, width - 1), np.clip(kp[:, 1], 0, height - 1)
        markers = index * _PART_SLOTS + PART_MARKER + np.arange(len(kp))
        visibility = np.where(in_frame, np.where(owner[y, x] == markers, 2, 1), 0)
        keypoints = np.concatenate([kp * in_frame[:, None], visibility[:, None]], axis=1)
        annotations.append(dict(
            num_keypoints=int(in_frame.sum()), iscrowd=0,
            keypoints=[int(v) for v in keypoints.reshape(-1)],
            category_id=COCO_PERSON_METAINFO['category_id'], **region))
    crowd = _mask_annotation(owner >= _CROWD_OWNER, polygons=False) if with_crowd else None
    if crowd is not None:
        annotations.append(dict(num_keypoints=0, iscrowd=1,
                                keypoints=[0] * 3 * NUM_KEYPOINTS,
                                category_id=COCO_PERSON_METAINFO['category_id'], **crowd))

    # Sensor-like noise over everything so flat colours are not a shortcut.
    noise = rng.normal(0, rng.uniform(3, 10), image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8), annotations
