"""Polygons in image pixels: clipping to the image and rounding to integer vertices."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

Point = Tuple[float, float]


def clip_polygon(points: Sequence[Point], width: int, height: int) -> List[Point]:
    """Sutherland-Hodgman clipping to the pixel-centre rectangle [0, W-1] x [0, H-1]."""
    out = list(points)
    for axis, bound, sign in ((0, 0.0, 1), (0, width - 1.0, -1), (1, 0.0, 1),
                              (1, height - 1.0, -1)):
        src, out = out, []
        for i, cur in enumerate(src):
            prev = src[i - 1]
            cur_in = sign * (cur[axis] - bound) >= 0
            if cur_in != (sign * (prev[axis] - bound) >= 0):
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if cur_in:
                out.append(cur)
    return out


def integer_polygon(points: Sequence[Point], width: int,
                    height: int) -> Optional[List[Tuple[int, int]]]:
    """Clipped, rounded vertices without repeats; None when nothing with area is left."""
    poly: List[Tuple[int, int]] = []
    for x, y in clip_polygon(points, width, height):
        p = (int(round(x)), int(round(y)))
        if not poly or p != poly[-1]:
            poly.append(p)
    while len(poly) > 1 and poly[0] == poly[-1]:
        poly.pop()
    if len(poly) < 3:
        return None
    xs, ys = np.array(poly, dtype=np.float64).T
    area = 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))
    return poly if area > 0 else None
