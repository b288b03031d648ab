"""Poses of the cartoon people of the synthetic COCO sample: 17 COCO keypoints, head and torso."""
from dataclasses import dataclass
from typing import Sequence, Tuple

import numpy as np

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO

NUM_KEYPOINTS = COCO_PERSON_METAINFO['num_keypoints']

NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR = range(5)
FACE = (NOSE, LEFT_EYE, RIGHT_EYE)
# (shoulder, elbow, wrist) and (hip, knee, ankle) keypoint indices per side.
ARM = dict(left=(5, 7, 9), right=(6, 8, 10))
LEG = dict(left=(11, 13, 15), right=(12, 14, 16))
EAR = dict(left=LEFT_EAR, right=RIGHT_EAR)
EYE = dict(left=LEFT_EYE, right=RIGHT_EYE)

# Body proportions as fractions of the standing figure height; a cartoon head (larger than
# a real one) keeps eyes, ears and nose distinguishable on the smallest figures.
_TORSO, _SHOULDER_HALF, _HIP_HALF, _NECK = 0.29, 0.12, 0.075, 0.05
_HEAD_RADIUS = 0.09
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.17, 0.15, 0.23, 0.22
PART_WIDTH = dict(upper_arm=0.055, forearm=0.045, thigh=0.075, shin=0.06, neck=0.06)


@dataclass(frozen=True)
class Figure:
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
            labelled[list(FACE)] = False
        return labelled


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


def sample_figure(rng: np.random.Generator, height: float, front: bool,
                  center: np.ndarray) -> Figure:
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
        points[list(ARM[side])] = shoulder, elbow, wrist
        points[list(LEG[side])] = hip, knee, ankle
        points[EYE[side]] = head_center + radius * (-0.1 * head_down + 0.38 * sign * head_lateral)
        points[EAR[side]] = head_center + radius * (0.1 * head_down + 0.98 * sign * head_lateral)
    points[NOSE] = head_center + 0.2 * radius * head_down

    shoulder_reach = (_SHOULDER_HALF + 0.02) * height * torso_lateral
    hip_reach = (_HIP_HALF + 0.035) * height * pelvis_lateral
    torso = np.stack([shoulder_center + shoulder_reach, shoulder_center - shoulder_reach,
                      hip_center - hip_reach, hip_center + hip_reach])

    extent = np.concatenate([points, head_center[None] - radius, head_center[None] + radius])
    offset = center - (extent.min(0) + extent.max(0)) / 2

    def as_pixels(xy: np.ndarray) -> np.ndarray:
        return np.round(xy + offset).astype(np.int32)

    return Figure(keypoints=as_pixels(points), head_center=as_pixels(head_center),
                  head_radius=radius, head_down=head_down, torso=as_pixels(torso),
                  neck=as_pixels(np.stack([shoulder_center, head_center])),
                  height=height, front=front)
