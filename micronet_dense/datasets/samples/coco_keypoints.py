"""Deterministic COCO-2017 person-keypoints sample with rendered cartoon people.

``make_coco_sample`` writes COCO's on-disk layout::

    out_dir/train2017/000000000001.jpg ...
    out_dir/val2017/...
    out_dir/annotations/person_keypoints_{train,val}2017.json
    out_dir/person_detection_results/COCO_{train,val}2017_detections_AP_H_56_person.json

so the whole pose pipeline (dataset, top-down crops from detections, OKS evaluation) runs
without COCO. The person's left limbs, eye and ear are drawn in blue hues and the right ones
in red/orange hues: left/right must be read from appearance, not position, because a quarter
of the figures are seen from behind and a horizontal flip swaps both colours and labels.
"""
import colorsys
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pycocotools import mask as mask_utils
from tqdm import tqdm

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO, coco_category
from micronet_dense.utils.atomic_io import write_bytes_atomic

# The person category as COCO's annotation files write it, from the one COCO description.
COCO_PERSON_CATEGORY = dict(supercategory='person', **coco_category(COCO_PERSON_METAINFO))
NUM_KEYPOINTS = COCO_PERSON_METAINFO['num_keypoints']

SPLITS = ('train', 'val')
# Leading bytes of every annotation file written here; a file without them is someone else's.
SAMPLE_DESCRIPTION = 'micronet_dense synthetic COCO person keypoints sample'

_NOSE, _LEFT_EYE, _RIGHT_EYE, _LEFT_EAR, _RIGHT_EAR = range(5)
_FACE = (_NOSE, _LEFT_EYE, _RIGHT_EYE)
# (shoulder, elbow, wrist) and (hip, knee, ankle) keypoint indices per side.
_ARM = dict(left=(5, 7, 9), right=(6, 8, 10))
_LEG = dict(left=(11, 13, 15), right=(12, 14, 16))
_EAR = dict(left=_LEFT_EAR, right=_RIGHT_EAR)
_EYE = dict(left=_LEFT_EYE, right=_RIGHT_EYE)

# Body proportions as fractions of the standing figure height; a cartoon head (larger than
# a real one) keeps eyes, ears and nose distinguishable on the smallest figures.
_TORSO, _SHOULDER_HALF, _HIP_HALF, _NECK = 0.29, 0.12, 0.075, 0.05
_HEAD_RADIUS = 0.09
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.17, 0.15, 0.23, 0.22
_WIDTH = dict(upper_arm=0.055, forearm=0.045, thigh=0.075, shin=0.06, neck=0.06)

# Owner-map ids: person i owns [i * _PART_SLOTS, (i + 1) * _PART_SLOTS); crowd figures own
# everything from _CROWD_OWNER up. A keypoint is visible (v=2) iff its own marker still
# owns its pixel once every figure is drawn.
_PART_TORSO, _PART_HEAD, _PART_LIMB = 0, 1, 2
_PART_MARKER = 10
_PART_SLOTS = 32
_CROWD_OWNER = 1000
_BACKGROUND = -1

_MAX_PERSONS = 4
_MIN_LABELLED = 8  # in-frame keypoints a person needs to be placed
_MAX_OCCLUDED = 0.45  # largest fraction of an earlier person's visible pixels a new one may hide
_PLACEMENT_TRIES = 25


@dataclass(frozen=True)
class _Figure:
    """Pose of one figure in image pixels; ``keypoints`` (17, 2) int32 in COCO order."""
    keypoints: np.ndarray
    head_center: np.ndarray
    head_radius: float
    head_down: np.ndarray  # unit vector from the crown to the chin
    torso: np.ndarray  # (4, 2) int32 polygon: shoulders' and hips' outer corners
    neck: np.ndarray  # (2, 2) int32: shoulder centre, head centre
    height: float
    front: bool

    @property
    def labelled(self) -> np.ndarray:
        """(17,) bool: keypoints an annotator could place; the face is hidden from behind."""
        labelled = np.ones(NUM_KEYPOINTS, bool)
        if not self.front:
            labelled[list(_FACE)] = False
        return labelled


@dataclass(frozen=True)
class _Style:
    """BGR colours of one figure; ``side_colour[side] = (arm, leg)``."""
    side_colour: Dict[str, Tuple[tuple, tuple]]
    torso: tuple
    skin: tuple
    hair: tuple
    outline: tuple
    first_side: str  # the side drawn first, i.e. the one behind


def _down(angle_deg: float) -> np.ndarray:
    """Unit vector pointing down the image, rotated by ``angle_deg`` towards +x."""
    angle = np.deg2rad(angle_deg)
    return np.array([np.sin(angle), np.cos(angle)])


def _lateral(down: np.ndarray) -> np.ndarray:
    """Unit vector perpendicular to ``down`` that points to +x for an upright body."""
    return np.array([down[1], -down[0]])


def _limb(root: np.ndarray, down: np.ndarray, outward: np.ndarray, lengths: Sequence[float],
          abduction_deg: float, bend_deg: float) -> Tuple[np.ndarray, np.ndarray]:
    """Middle and end joints of a two-segment limb hanging from ``root``.

    The first segment turns ``abduction_deg`` from ``down`` towards ``outward``; the second
    bends ``bend_deg`` from the first, positive towards the body's midline when hanging.
    """
    a, b = np.deg2rad(abduction_deg), np.deg2rad(bend_deg)
    first = np.cos(a) * down + np.sin(a) * outward
    inward = -np.cos(a) * outward + np.sin(a) * down  # perpendicular to ``first``
    second = np.cos(b) * first + np.sin(b) * inward
    middle = root + lengths[0] * first
    return middle, middle + lengths[1] * second


def _sample_figure(rng: np.random.Generator, height: float, front: bool,
                   center: np.ndarray) -> _Figure:
    """A random human-like pose ``height`` px tall whose extent is centred on ``center``."""
    pelvis_down = _down(rng.uniform(-12, 12))
    torso_down = _down(rng.uniform(-25, 25))
    head_down = _down(rng.uniform(-30, 30))
    pelvis_lateral, torso_lateral = _lateral(pelvis_down), _lateral(torso_down)
    head_lateral = _lateral(head_down)
    hip_center = np.zeros(2)
    shoulder_center = hip_center - _TORSO * height * torso_down
    radius = _HEAD_RADIUS * height
    head_center = shoulder_center - (_NECK * height + radius) * head_down

    points = np.zeros((NUM_KEYPOINTS, 2))
    # Seen from the front, the person's left is on the image's right.
    left_sign = 1.0 if front else -1.0
    for side, sign in (('left', left_sign), ('right', -left_sign)):
        shoulder = shoulder_center + sign * _SHOULDER_HALF * height * torso_lateral
        hip = hip_center + sign * _HIP_HALF * height * pelvis_lateral
        arm_lengths = height * np.array([_UPPER_ARM, _FOREARM]) * rng.uniform(0.75, 1.0, 2)
        elbow, wrist = _limb(shoulder, torso_down, sign * torso_lateral, arm_lengths,
                             rng.uniform(-15, 170), rng.uniform(-40, 150))
        leg_lengths = height * np.array([_THIGH, _SHIN]) * rng.uniform(0.8, 1.0, 2)
        knee, ankle = _limb(hip, pelvis_down, sign * pelvis_lateral, leg_lengths,
                            rng.uniform(-8, 40), rng.uniform(-35, 45))
        points[list(_ARM[side])] = shoulder, elbow, wrist
        points[list(_LEG[side])] = hip, knee, ankle
        points[_EYE[side]] = head_center + radius * (-0.1 * head_down + 0.38 * sign * head_lateral)
        points[_EAR[side]] = head_center + radius * (0.1 * head_down + 0.98 * sign * head_lateral)
    points[_NOSE] = head_center + 0.2 * radius * head_down

    shoulder_reach = (_SHOULDER_HALF + 0.02) * height * torso_lateral
    hip_reach = (_HIP_HALF + 0.035) * height * pelvis_lateral
    torso = np.stack([shoulder_center + shoulder_reach, shoulder_center - shoulder_reach,
                      hip_center - hip_reach, hip_center + hip_reach])

    extent = np.concatenate([points, head_center[None] - radius, head_center[None] + radius])
    offset = center - (extent.min(0) + extent.max(0)) / 2

    def as_pixels(xy: np.ndarray) -> np.ndarray:
        return np.round(xy + offset).astype(np.int32)

    return _Figure(keypoints=as_pixels(points), head_center=as_pixels(head_center),
                   head_radius=radius, head_down=head_down, torso=as_pixels(torso),
                   neck=as_pixels(np.stack([shoulder_center, head_center])),
                   height=height, front=front)


def _bgr(hue_deg: float, saturation: float, value: float) -> tuple:
    r, g, b = colorsys.hsv_to_rgb((hue_deg % 360) / 360, saturation, value)
    return (round(b * 255), round(g * 255), round(r * 255))


_SKIN_TONES = ((185, 205, 240), (145, 175, 225), (105, 140, 195), (75, 105, 155), (55, 75, 115))


def _sample_style(rng: np.random.Generator) -> _Style:
    """Left side in blues (arm blue, leg azure), right in reds (arm red, leg orange)."""
    def saturated(hue: float) -> tuple:
        return _bgr(hue + rng.uniform(-8, 8), rng.uniform(0.75, 1.0), rng.uniform(0.75, 1.0))

    if rng.random() < 0.6:
        torso = _bgr(rng.uniform(90, 150), rng.uniform(0.4, 0.9), rng.uniform(0.45, 0.9))
    else:
        torso = _bgr(0, 0, rng.uniform(0.5, 0.95))  # grey to white shirts
    skin = tuple(int(np.clip(c + rng.integers(-12, 13), 0, 255))
                 for c in _SKIN_TONES[rng.integers(len(_SKIN_TONES))])
    hair = _bgr(rng.uniform(15, 40), rng.uniform(0.3, 0.8), rng.uniform(0.1, 0.35))
    dark = int(rng.integers(10, 35))
    return _Style(side_colour=dict(left=(saturated(220), saturated(195)),
                                   right=(saturated(0), saturated(25))),
                  torso=torso, skin=skin, hair=hair, outline=(dark, dark, dark),
                  first_side=('left', 'right')[rng.integers(2)])


def _tint(colour: tuple) -> tuple:
    """Lighter shade of ``colour`` marking a joint on its limb."""
    return tuple(int(c + (255 - c) * 0.55) for c in colour)


class _Painter:
    """Draws each shape in colour into ``image`` (optional) and as a part id into ``owner``.

    Antialiasing is off (LINE_8) so the owner map is exact and the output deterministic.
    """

    def __init__(self, image: Optional[np.ndarray], owner: np.ndarray, owner_base: int,
                 outline: tuple, outline_width: int) -> None:
        self.image, self.owner, self.base = image, owner, owner_base
        self.outline, self.outline_width = outline, outline_width

    def capsule(self, p: np.ndarray, q: np.ndarray, width: int, colour: tuple, part: int) -> None:
        outer = width + 2 * self.outline_width
        # cv2 draws thick lines with round caps, i.e. capsules centred on the joints.
        cv2.line(self.owner, tuple(p), tuple(q), self.base + part, outer, cv2.LINE_8)
        if self.image is not None:
            cv2.line(self.image, tuple(p), tuple(q), self.outline, outer, cv2.LINE_8)
            cv2.line(self.image, tuple(p), tuple(q), colour, width, cv2.LINE_8)

    def disc(self, center: np.ndarray, radius: int, colour: tuple, part: int,
             outlined: bool = False) -> None:
        outer = radius + (self.outline_width if outlined else 0)
        cv2.circle(self.owner, tuple(center), outer, self.base + part, -1, cv2.LINE_8)
        if self.image is not None:
            cv2.circle(self.image, tuple(center), outer, self.outline, -1, cv2.LINE_8)
            cv2.circle(self.image, tuple(center), radius, colour, -1, cv2.LINE_8)

    def polygon(self, points: np.ndarray, colour: tuple, part: int) -> None:
        thickness = 2 * self.outline_width + 1
        cv2.fillPoly(self.owner, [points], self.base + part, cv2.LINE_8)
        cv2.polylines(self.owner, [points], True, self.base + part, thickness, cv2.LINE_8)
        if self.image is not None:
            cv2.fillPoly(self.image, [points], colour, cv2.LINE_8)
            cv2.polylines(self.image, [points], True, self.outline, thickness, cv2.LINE_8)


def _paint_figure(figure: _Figure, style: _Style, image: Optional[np.ndarray],
                  owner: np.ndarray, owner_base: int) -> None:
    """Torso, legs, arms, head, each joint's marker right after its limbs (so later parts and
    later figures can hide it)."""
    h, kp = figure.height, figure.keypoints
    paint = _Painter(image, owner, owner_base, style.outline, max(1, round(0.012 * h)))
    joint_radius = max(1, round(0.016 * h))
    paint.polygon(figure.torso, style.torso, _PART_TORSO)
    paint.capsule(*figure.neck, max(2, round(_WIDTH['neck'] * h)), style.skin, _PART_TORSO)

    sides = (style.first_side, 'right' if style.first_side == 'left' else 'left')
    part = _PART_LIMB
    for limb_index, (chains, widths) in enumerate(((_LEG, ('thigh', 'shin')),
                                                   (_ARM, ('upper_arm', 'forearm')))):
        for side in sides:
            colour = style.side_colour[side][1 - limb_index]
            root, middle, end = chains[side]
            for (a, b), name in zip(((root, middle), (middle, end)), widths):
                paint.capsule(kp[a], kp[b], max(2, round(_WIDTH[name] * h)), colour, part)
                part += 1
            for joint in chains[side]:
                paint.disc(kp[joint], joint_radius, _tint(colour), _PART_MARKER + joint)

    r = figure.head_radius
    paint.disc(figure.head_center, max(2, round(r)), style.hair, _PART_HEAD, outlined=True)
    if figure.front:
        face_center = np.round(figure.head_center + 0.2 * r * figure.head_down).astype(np.int32)
        paint.disc(face_center, max(1, round(0.78 * r)), style.skin, _PART_HEAD)
        for side in ('left', 'right'):
            paint.disc(kp[_EYE[side]], max(1, round(0.13 * r)), style.side_colour[side][0],
                       _PART_MARKER + _EYE[side])
        paint.disc(kp[_NOSE], max(1, round(0.12 * r)), style.outline, _PART_MARKER + _NOSE)
    for side in ('left', 'right'):
        paint.disc(kp[_EAR[side]], max(1, round(0.2 * r)), style.side_colour[side][0],
                   _PART_MARKER + _EAR[side])


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
        colour = _bgr(rng.uniform(0, 360), rng.uniform(0.05, 0.45), rng.uniform(0.3, 0.9))
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
        figure = _sample_figure(rng, figure_height * rng.uniform(0.85, 1.15), rng.random() < 0.75,
                                center + rng.uniform(-1, 1, 2) * spread)
        _paint_figure(figure, _sample_style(rng), image, owner, _CROWD_OWNER)


def _place_person(rng: np.random.Generator, owner: np.ndarray,
                  placed: int) -> Optional[Tuple[_Figure, _Style]]:
    """A figure that shows >= _MIN_LABELLED keypoints in frame and hides at most
    _MAX_OCCLUDED of any earlier person; None when none fits in _PLACEMENT_TRIES."""
    height, width = owner.shape
    for _ in range(_PLACEMENT_TRIES):
        figure_height = height * np.exp(rng.uniform(np.log(0.27), np.log(0.96)))
        center = np.array([rng.uniform(0.08, 0.92) * width, rng.uniform(0.3, 0.7) * height])
        figure = _sample_figure(rng, figure_height, rng.random() < 0.75, center)
        style = _sample_style(rng)
        in_frame = _in_frame(figure.keypoints, (width, height)) & figure.labelled
        if in_frame.sum() < _MIN_LABELLED:
            continue
        silhouette = np.full_like(owner, _BACKGROUND)
        _paint_figure(figure, style, None, silhouette, 0)
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


def _render_image(rng: np.random.Generator, size: Tuple[int, int], num_persons: int,
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
        _paint_figure(*placement, image, owner, len(figures) * _PART_SLOTS)
        figures.append(placement[0])

    annotations = []
    for index, figure in enumerate(figures):
        region = _mask_annotation(owner // _PART_SLOTS == index, polygons=True)
        if region is None:
            continue
        kp = figure.keypoints
        in_frame = _in_frame(kp, size) & figure.labelled
        x, y = np.clip(kp[:, 0], 0, width - 1), np.clip(kp[:, 1], 0, height - 1)
        markers = index * _PART_SLOTS + _PART_MARKER + np.arange(len(kp))
        visibility = np.where(in_frame, np.where(owner[y, x] == markers, 2, 1), 0)
        keypoints = np.concatenate([kp * in_frame[:, None], visibility[:, None]], axis=1)
        annotations.append(dict(
            num_keypoints=int(in_frame.sum()), iscrowd=0,
            keypoints=[int(v) for v in keypoints.reshape(-1)],
            category_id=COCO_PERSON_CATEGORY['id'], **region))
    crowd = _mask_annotation(owner >= _CROWD_OWNER, polygons=False) if with_crowd else None
    if crowd is not None:
        annotations.append(dict(num_keypoints=0, iscrowd=1,
                                keypoints=[0] * 3 * NUM_KEYPOINTS,
                                category_id=COCO_PERSON_CATEGORY['id'], **crowd))

    # Sensor-like noise over everything so flat colours are not a shortcut.
    noise = rng.normal(0, rng.uniform(3, 10), image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8), annotations


def _detections(rng: np.random.Generator, image_id: int, annotations: List[dict],
                size: Tuple[int, int]) -> List[dict]:
    """A person detector's output: jittered boxes of ~95% of the persons (score 0.5-1) and
    random false positives (score < 0.5); boxes clipped to the image."""
    width, height = size
    boxes, scores = [], []
    for ann in annotations:
        if ann['iscrowd'] or rng.random() < 0.05:
            continue
        x, y, w, h = ann['bbox']
        shift = np.clip(rng.normal(0, 0.04, 2), -0.1, 0.1) * (w, h)
        scale = np.exp(np.clip(rng.normal(0, 0.08, 2), -0.2, 0.2))
        center = np.array([x + w / 2, y + h / 2]) + shift
        boxes.append(np.concatenate([center - scale * (w, h) / 2, center + scale * (w, h) / 2]))
        scores.append(rng.uniform(0.5, 1.0))
    for _ in range(int(rng.poisson(0.6))):
        h = rng.uniform(0.15, 0.6) * height
        w = h * rng.uniform(0.3, 0.8)
        x, y = rng.uniform(-0.1 * w, width - 0.9 * w), rng.uniform(-0.1 * h, height - 0.9 * h)
        boxes.append(np.array([x, y, x + w, y + h]))
        scores.append(rng.uniform(0.02, 0.45))
    detections = []
    for (x0, y0, x1, y1), score in zip(boxes, scores):
        x0, x1 = np.clip([x0, x1], 0, width)
        y0, y1 = np.clip([y0, y1], 0, height)
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            detections.append(dict(
                image_id=image_id, category_id=COCO_PERSON_CATEGORY['id'],
                bbox=[round(float(v), 2) for v in (x0, y0, x1 - x0, y1 - y0)],
                score=round(float(score), 3)))
    return detections


def _split_schedule(rng: np.random.Generator, num_images: int) -> List[Tuple[int, bool]]:
    """(number of persons, has crowd) per image; at least one empty and one crowd image per
    split of two or more, so every split exercises both cases."""
    num_persons = rng.choice(np.arange(1, _MAX_PERSONS + 1), num_images, p=[0.3, 0.3, 0.25, 0.15])
    crowd = np.zeros(num_images, bool)
    if num_images >= 2:
        order = rng.permutation(num_images)
        num_empty = max(1, round(0.08 * num_images))
        num_crowd = max(1, round(0.12 * num_images))
        num_persons[order[:num_empty]] = 0
        crowd[order[num_empty:num_empty + num_crowd]] = True
    return [(int(n), bool(c)) for n, c in zip(num_persons, crowd)]


def annotation_path(out_dir: str, split: str) -> str:
    """``out_dir/annotations/person_keypoints_{split}2017.json``."""
    return osp.join(out_dir, 'annotations', f'person_keypoints_{split}2017.json')


def detection_path(out_dir: str, split: str) -> str:
    """The person detection results, named like the file real users download for val."""
    return osp.join(out_dir, 'person_detection_results',
                    f'COCO_{split}2017_detections_AP_H_56_person.json')


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(',', ':')).encode('utf-8')


def _check_not_foreign(out_dir: str) -> None:
    """Refuse to overwrite annotation files this module did not write (e.g. real COCO)."""
    marker = _json_bytes(dict(info=dict(description=SAMPLE_DESCRIPTION)))[:-2]
    for split in SPLITS:
        path = annotation_path(out_dir, split)
        if osp.exists(path):
            with open(path, 'rb') as f:
                head = f.read(len(marker))
            if head != marker:
                raise FileExistsError(
                    f'{path}: not written by make_coco_sample (its info.description differs); '
                    'refusing to overwrite it, choose another out_dir')


def _validate(num_train_images: int, num_val_images: int, seed: int,
              image_size: Tuple[int, int]) -> None:
    for name, value in (('num_train_images', num_train_images),
                        ('num_val_images', num_val_images), ('seed', seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f'{name} must be a non-negative int, got {value!r}')
    if (len(image_size) != 2 or not all(isinstance(v, (int, np.integer)) for v in image_size)
            or min(image_size) < 64):
        raise ValueError(f'image_size must be (width, height) ints >= 64, got {image_size!r}')


def make_coco_sample(out_dir: str, num_train_images: int = 160, num_val_images: int = 40,
                     seed: int = 0, image_size: Tuple[int, int] = (320, 240),
                     progress: bool = True) -> Dict[str, Dict[str, int]]:
    """Write a synthetic COCO-2017 person-keypoints sample to ``out_dir`` (layout: module doc).

    Same arguments give byte-identical files. Annotation files are written last and removed
    first, so ``is_complete`` is False for an interrupted run. Persons are 0-4 per image,
    ~60-230 px tall at 240 px image height, may overlap (hidden joints v=1) or be cut by the
    frame (v=0); some images have a crowd region (iscrowd=1, RLE) or nobody.

    Args:
        image_size: (width, height) of every image in pixels.

    Returns:
        ``{split: {'images': int, 'persons': int, 'crowd_regions': int}}``.
    """
    _validate(num_train_images, num_val_images, seed, image_size)
    size = (int(image_size[0]), int(image_size[1]))
    _check_not_foreign(out_dir)
    for split in SPLITS:
        for path in (annotation_path(out_dir, split), detection_path(out_dir, split)):
            if osp.exists(path):
                os.remove(path)
    for folder in ('annotations', 'person_detection_results', *(f'{s}2017' for s in SPLITS)):
        os.makedirs(osp.join(out_dir, folder), exist_ok=True)

    num_images = dict(train=num_train_images, val=num_val_images)
    datasets, detections, counts = {}, {}, {}
    # COCO-like ids: unique across splits, file names are the 12-digit zero-padded id.
    next_image_id, next_ann_id = 1, 1
    with tqdm(total=sum(num_images.values()), desc='coco sample', unit='img',
              disable=not progress) as bar:
        for split_index, split in enumerate(SPLITS):
            streams = np.random.SeedSequence([seed, split_index]).spawn(num_images[split] + 1)
            schedule = _split_schedule(np.random.default_rng(streams[0]), num_images[split])
            images, annotations, split_detections = [], [], []
            for stream, (num_persons, with_crowd) in zip(streams[1:], schedule):
                image_rng, detection_rng = map(np.random.default_rng, stream.spawn(2))
                image, image_annotations = _render_image(image_rng, size, num_persons, with_crowd)
                file_name = f'{next_image_id:012d}.jpg'
                ok, jpeg = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, 92])
                if not ok:
                    raise RuntimeError(f'OpenCV failed to encode {file_name}')
                write_bytes_atomic(osp.join(out_dir, f'{split}2017', file_name), jpeg.tobytes())
                images.append(dict(license=1, file_name=file_name, coco_url='',
                                   height=size[1], width=size[0], date_captured='',
                                   flickr_url='', id=next_image_id))
                for ann in image_annotations:
                    annotations.append(dict(ann, image_id=next_image_id, id=next_ann_id))
                    next_ann_id += 1
                split_detections += _detections(detection_rng, next_image_id,
                                                image_annotations, size)
                next_image_id += 1
                bar.update()
            datasets[split] = dict(
                info=dict(description=SAMPLE_DESCRIPTION, url='', version='1.0', year=2017,
                          contributor='micronet_dense make_coco_sample', date_created='',
                          seed=seed),
                licenses=[dict(url='', id=1, name='synthetic images, no restrictions')],
                images=images, annotations=annotations, categories=[COCO_PERSON_CATEGORY])
            detections[split] = split_detections
            counts[split] = dict(images=len(images),
                                 persons=sum(1 for a in annotations if not a['iscrowd']),
                                 crowd_regions=sum(1 for a in annotations if a['iscrowd']))
    for split in SPLITS:
        write_bytes_atomic(detection_path(out_dir, split), _json_bytes(detections[split]))
    for split in SPLITS:
        write_bytes_atomic(annotation_path(out_dir, split), _json_bytes(datasets[split]))
    return counts


def is_complete(out_dir: str, num_train_images: Optional[int] = None,
                num_val_images: Optional[int] = None, seed: Optional[int] = None,
                image_size: Optional[Tuple[int, int]] = None) -> bool:
    """True when ``out_dir`` holds a finished sample: both annotation files parse, every image
    they list exists, and the detection files exist; and, for each of the other arguments given,
    the sample was generated with that value (a sample of another size or seed is not the one
    asked for)."""
    wanted_images = dict(train=num_train_images, val=num_val_images)
    for split in SPLITS:
        if not osp.isfile(detection_path(out_dir, split)):
            return False
        try:
            with open(annotation_path(out_dir, split), 'rb') as f:
                dataset = json.load(f)
            images, stored_seed = dataset['images'], dataset['info']['seed']
            files = [osp.join(out_dir, f'{split}2017', image['file_name']) for image in images]
            sizes = {(image['width'], image['height']) for image in images}
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if wanted_images[split] is not None and len(images) != wanted_images[split]:
            return False
        if seed is not None and stored_seed != seed:
            return False
        if image_size is not None and images and sizes != {tuple(image_size)}:
            return False
        if not all(osp.isfile(path) for path in files):
            return False
    return True
