"""Depth of the synthetic street scenes as Cityscapes stores it: a stereo disparity PNG and the
camera JSON (``disparity/`` and ``camera/`` of the official archives).

The depth of each pixel is that of the surface of the object drawn there (its ``geometry``:
road plane, facade, a plane facing the camera, a vehicle's box), with the same rasteriser and
drawing order as the labels; sky and the ego vehicle have none, as in Cityscapes. Disparity is
``baseline · fx / depth``, stored as ``p = round(256 · disparity) + 1`` (p = 0: no measurement).
"""
from typing import Dict, Sequence

import numpy as np

from .street_camera import StreetCamera
from .street_layout import SceneObject, object_index_map

# Cityscapes' stereo baseline in metres (extrinsic.baseline of its camera files).
STEREO_BASELINE_M = 0.209313


def render_depth(objects: Sequence[SceneObject], cam: StreetCamera) -> np.ndarray:
    """(H, W) float64 depth in metres of the drawn objects, 0 where the object has none."""
    index_map = object_index_map(objects, cam.height, cam.width)
    depth = np.zeros(index_map.shape, np.float64)
    for index, obj in enumerate(objects, start=1):
        if obj.deleted or obj.geometry is None:
            continue
        v, u = np.nonzero(index_map == index)
        if len(u):
            depth[v, u] = cam.depth_at(obj.geometry, u, v)
    return depth


def encode_disparity(depth: np.ndarray, baseline: float, fx: float) -> np.ndarray:
    """Cityscapes' uint16 disparity encoding of a depth map (0 = none stays 0).

    Shapes: (H, W) metres -> (H, W) uint16.
    """
    encoded = np.zeros(depth.shape, np.uint16)
    valid = depth > 0
    disparity = baseline * fx / depth[valid]
    encoded[valid] = np.minimum(np.rint(disparity * 256), 65534).astype(np.uint16) + 1
    return encoded


def camera_json(cam: StreetCamera, baseline: float = STEREO_BASELINE_M) -> Dict:
    """The Cityscapes camera file of ``cam``: a level camera (pitch, roll, yaw 0) at height
    ``HEIGHT_M`` above the street's origin, principal point (cx, horizon), square pixels."""
    return {
        'extrinsic': {'baseline': baseline, 'pitch': 0.0, 'roll': 0.0, 'x': 0.0, 'y': 0.0,
                      'yaw': 0.0, 'z': cam.HEIGHT_M},
        'intrinsic': {'fx': float(cam.focal), 'fy': float(cam.focal), 'u0': float(cam.cx),
                      'v0': float(cam.horizon)},
    }
