"""The pinhole camera of the synthetic street scenes (Cityscapes' rig: 1.22 m above the road)."""
from typing import Tuple

import numpy as np

from .polygon_clipping import Point


class StreetCamera:
    """Pinhole camera ``HEIGHT_M`` above a flat street, looking along +z (x right, up)."""

    HEIGHT_M = 1.22

    def __init__(self, rng: np.random.Generator, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.horizon = height * rng.uniform(0.38, 0.46)
        self.cx = width * rng.uniform(0.42, 0.58)
        self.focal = width * 1.1  # Cityscapes: f ~ 2260 px at 2048 px width

    def project(self, x: float, z: float, up: float = 0.0) -> Point:
        return (self.cx + self.focal * x / z, self.horizon + self.focal * (self.HEIGHT_M - up) / z)

    def px_per_m(self, z: float) -> float:
        return self.focal / z

    def depth_for(self, px_per_m: float) -> float:
        return self.focal / px_per_m

    def ground_coords(self, u: np.ndarray, v: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(x, z) metres of the ground seen at pixels (u, v) below the horizon."""
        z = self.focal * self.HEIGHT_M / np.maximum(v - self.horizon, 0.5)
        return (u - self.cx) * z / self.focal, z

    def surface_coords(self, surface: Tuple[str, float], u: np.ndarray,
                       v: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(along, up) metres on a vertical plane seen at pixels (u, v).

        ``surface`` is ``('x', x0)`` for a plane along the street (along = depth z) or
        ``('z', z0)`` for one facing the camera (along = lateral x).
        """
        axis, value = surface
        if axis == 'z':
            z = np.float32(value)
            along = (u - self.cx) * z / self.focal
        else:
            du = u - self.cx
            du = np.where(np.abs(du) < 0.5, np.copysign(0.5, value), du)
            along = z = np.clip(self.focal * value / du, 0.5, 1e4)
        return along, self.HEIGHT_M - (v - self.horizon) * z / self.focal

    def depth_at(self, geometry: Tuple, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Depth z (metres along the optical axis) of the surface ``geometry`` seen at (u, v).

        ``geometry``: ('ground',), ('x', x0) (z as :meth:`surface_coords`), ('z', z0) or
        ('box', x1, x2, z1, z2): the rear face at z1 where the pixel's ray meets it, else the
        side seen from the optical axis (x = x2 left of it, x = x1 right of it), up to z2.

        Shapes: (N,) pixel coordinates -> (N,) float64 metres.
        """
        u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
        kind = geometry[0]
        if kind == 'ground':
            return self.ground_coords(u, v)[1]
        if kind == 'x':
            return self.surface_coords(geometry, u, v)[0]
        if kind == 'z':
            return np.full(u.shape, float(geometry[1]))
        if kind == 'box':
            x1, x2, z1, z2 = geometry[1:]
            x_rear = (u - self.cx) * z1 / self.focal
            side = x2 if x2 < 0 else x1 if x1 > 0 else None
            if side is None:
                return np.full(u.shape, float(z1))
            du = u - self.cx
            du = np.where(np.abs(du) < 1e-6, np.copysign(1e-6, side), du)
            z_side = np.clip(self.focal * side / du, z1, z2)
            on_rear = (x_rear >= x1) & (x_rear <= x2)
            return np.where(on_rear, float(z1), z_side)
        raise ValueError(f'unknown geometry {geometry!r}')
