"""Side-view outlines of people and two-wheelers, in metres, for the synthetic street scenes."""
from typing import List, Sequence, Tuple

import numpy as np

from .polygon_clipping import Point

# Silhouettes in metres: x to the right, y up, origin on the ground below the centre.
PERSON = ((-0.19, 0), (-0.05, 0), (0, 0.74), (0.05, 0), (0.19, 0), (0.17, 0.92), (0.26, 0.86),
          (0.24, 1.42), (0.07, 1.5), (0.09, 1.6), (0.06, 1.7), (0, 1.75), (-0.06, 1.7),
          (-0.09, 1.6), (-0.07, 1.5), (-0.24, 1.42), (-0.26, 0.86), (-0.17, 0.92))
RIDER = ((0.02, 0.12), (0.18, 0.12), (0.16, 0.26), (0.26, 0.7), (0.04, 0.92), (0.03, 1.2),
         (0.36, 1.0), (0.4, 1.08), (0.08, 1.42), (0.1, 1.52), (0.1, 1.65), (0, 1.73),
         (-0.1, 1.65), (-0.1, 1.52), (-0.15, 1.42), (-0.32, 1.0), (-0.3, 0.88), (0.13, 0.63))


def _arc(cx: float, cy: float, r: float, start_deg: float, stop_deg: float) -> List[Point]:
    angles = np.deg2rad(np.linspace(start_deg, stop_deg, 7))
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles]


def _two_wheeler(wheel_r: float, half_base: float, top: Sequence[Point]) -> Tuple[Point, ...]:
    """Side-view outline: both wheels, the gap between them, then ``top`` front to back."""
    return tuple(_arc(-half_base, wheel_r, wheel_r, 90, 300) + [(0, wheel_r * 0.8)]
                 + _arc(half_base, wheel_r, wheel_r, 240, 450) + list(top))


BICYCLE = _two_wheeler(0.34, 0.53, ((0.45, 1.0), (0.35, 1.03), (-0.22, 0.95), (-0.38, 0.95)))
MOTORCYCLE = _two_wheeler(0.31, 0.7, ((0.62, 0.95), (0.5, 1.1), (0.1, 0.98), (-0.3, 0.88),
                                      (-0.85, 0.82)))
