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
