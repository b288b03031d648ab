"""Drawing a cartoon person in colour and into an owner map (which pixels each part covers).

The person's left limbs, eye and ear are drawn in blue hues and the right ones in red/orange hues.
"""
import colorsys
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .person_figure import ARM, EAR, EYE, LEG, NOSE, PART_WIDTH, Figure

# Owner-map part ids within a figure's range; joint markers are PART_MARKER + keypoint index.
_PART_TORSO, _PART_HEAD, _PART_LIMB = 0, 1, 2
PART_MARKER = 10


@dataclass(frozen=True)
class FigureStyle:
    """BGR colours of one figure; ``side_colour[side] = (arm, leg)``."""
    side_colour: Dict[str, Tuple[tuple, tuple]]
    torso: tuple
    skin: tuple
    hair: tuple
    outline: tuple
    first_side: str  # the side drawn first, i.e. the one behind


def bgr(hue_deg: float, saturation: float, value: float) -> tuple:
    r, g, b = colorsys.hsv_to_rgb((hue_deg % 360) / 360, saturation, value)
    return (round(b * 255), round(g * 255), round(r * 255))


_SKIN_TONES = ((185, 205, 240), (145, 175, 225), (105, 140, 195), (75, 105, 155), (55, 75, 115))


def sample_style(rng: np.random.Generator) -> FigureStyle:
    """Left side in blues (arm blue, leg azure), right in reds (arm red, leg orange)."""
    def saturated(hue: float) -> tuple:
        return bgr(hue + rng.uniform(-8, 8), rng.uniform(0.75, 1.0), rng.uniform(0.75, 1.0))

    if rng.random() < 0.6:
        torso = bgr(rng.uniform(90, 150), rng.uniform(0.4, 0.9), rng.uniform(0.45, 0.9))
    else:
        torso = bgr(0, 0, rng.uniform(0.5, 0.95))  # grey to white shirts
    skin = tuple(int(np.clip(c + rng.integers(-12, 13), 0, 255))
                 for c in _SKIN_TONES[rng.integers(len(_SKIN_TONES))])
    hair = bgr(rng.uniform(15, 40), rng.uniform(0.3, 0.8), rng.uniform(0.1, 0.35))
    dark = int(rng.integers(10, 35))
    return FigureStyle(side_colour=dict(left=(saturated(220), saturated(195)),
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


def paint_figure(figure: Figure, style: FigureStyle, image: Optional[np.ndarray],
                 owner: np.ndarray, owner_base: int) -> None:
    """Torso, legs, arms, head, each joint's marker right after its limbs (so later parts and
    later figures can hide it)."""
    h, kp = figure.height, figure.keypoints
    paint = _Painter(image, owner, owner_base, style.outline, max(1, round(0.012 * h)))
    joint_radius = max(1, round(0.016 * h))
    paint.polygon(figure.torso, style.torso, _PART_TORSO)
    paint.capsule(*figure.neck, max(2, round(PART_WIDTH['neck'] * h)), style.skin, _PART_TORSO)

    sides = (style.first_side, 'right' if style.first_side == 'left' else 'left')
    part = _PART_LIMB
    for limb_index, (chains, widths) in enumerate(((LEG, ('thigh', 'shin')),
                                                   (ARM, ('upper_arm', 'forearm')))):
        for side in sides:
            colour = style.side_colour[side][1 - limb_index]
            root, middle, end = chains[side]
            for (a, b), name in zip(((root, middle), (middle, end)), widths):
                paint.capsule(kp[a], kp[b], max(2, round(PART_WIDTH[name] * h)), colour, part)
                part += 1
            for joint in chains[side]:
                paint.disc(kp[joint], joint_radius, _tint(colour), PART_MARKER + joint)

    r = figure.head_radius
    paint.disc(figure.head_center, max(2, round(r)), style.hair, _PART_HEAD, outlined=True)
    if figure.front:
        face_center = np.round(figure.head_center + 0.2 * r * figure.head_down).astype(np.int32)
        paint.disc(face_center, max(1, round(0.78 * r)), style.skin, _PART_HEAD)
        for side in ('left', 'right'):
            paint.disc(kp[EYE[side]], max(1, round(0.13 * r)), style.side_colour[side][0],
                       PART_MARKER + EYE[side])
        paint.disc(kp[NOSE], max(1, round(0.12 * r)), style.outline, PART_MARKER + NOSE)
    for side in ('left', 'right'):
        paint.disc(kp[EAR[side]], max(1, round(0.2 * r)), style.side_colour[side][0],
                   PART_MARKER + EAR[side])
