"""Street-scene geometry: objects as clipped polygons, world-metre shapes projected to pixels,
ground footprints that keep objects apart."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .polygon_clipping import Point, integer_polygon
from .street_camera import StreetCamera

REFERENCE_SIZE = (256, 512)  # (H, W) at which the scenes' pixel sizes are given


# Where an object's pixels lie in the world, for its depth (``StreetCamera.depth_at``):
# ('ground',) the road plane; ('x', x0) a vertical plane along the street; ('z', z0) a plane facing
# the camera; ('box', x1, x2, z1, z2) a box's rear face and the side facing the camera axis.
Geometry = Tuple
GROUND: Geometry = ('ground',)


@dataclass
class SceneObject:
    """One annotated polygon plus how to paint it (``look``: a key of ``PAINTERS``) and where it
    lies (``geometry``; None: no depth, as sky and the ego vehicle have none in Cityscapes)."""

    label: str
    polygon: List[Tuple[int, int]]
    look: str
    params: Dict = field(default_factory=dict)
    deleted: bool = False
    geometry: Optional[Geometry] = None

    def to_json(self) -> Dict:
        obj = {'label': self.label, 'polygon': [list(p) for p in self.polygon]}
        if self.deleted:
            obj['deleted'] = 1
        return obj


class StreetLayout:
    """Shapes projected by ``cam`` and the scene's objects collected in drawing order."""

    def __init__(self, rng: np.random.Generator, height: int, width: int) -> None:
        self.rng = rng
        self.cam = StreetCamera(rng, height, width)
        self.unit = width / REFERENCE_SIZE[1]  # pixel sizes are given at 256x512
        self.background: List[SceneObject] = []
        self.groups: List[Tuple[float, List[SceneObject]]] = []  # (depth, objects), far first
        self.footprints: List[Tuple[float, float, float, float]] = []

    def make(self, label: str, points: Sequence[Point], look: Optional[str] = None,
             geometry: Optional[Geometry] = None, **params) -> Optional[SceneObject]:
        poly = integer_polygon(points, self.cam.width, self.cam.height)
        return None if poly is None else SceneObject(label, poly, look or label, params,
                                                     geometry=geometry)

    def plane(self, x: float, z1: float, z2: float, height: float) -> List[Point]:
        """Vertical quad on ``x = const`` from depth z1 to z2, heights 0..height."""
        p = self.cam.project
        return [p(x, z1), p(x, z2), p(x, z2, height), p(x, z1, height)]

    def band(self, x1: float, x2: float, z1: float, z2: float) -> List[Point]:
        """Ground quad between lateral x1..x2 and depths z1..z2."""
        p = self.cam.project
        return [p(x1, z1), p(x2, z1), p(x2, z2), p(x1, z2)]

    def box(self, x1: float, x2: float, z1: float, z2: float, height: float) -> List[Point]:
        """Outline of a box: its rear face plus the side facing the camera axis."""
        p = self.cam.project
        rear = [p(x1, z1), p(x2, z1), p(x2, z1, height), p(x1, z1, height)]
        if x2 < 0:  # left of the camera: right side visible
            return rear[:2] + [p(x2, z2), p(x2, z2, height)] + rear[2:]
        if x1 > 0:
            return rear + [p(x1, z2, height), p(x1, z2)]
        return rear

    def sprite(self, template: Sequence[Point], x: float, z: float, size: float = 1.0,
               min_px_per_m: float = 0.0, flip: bool = False) -> List[Point]:
        """``template`` (metres) standing at (x, z); never below ``min_px_per_m`` px/m."""
        u, v = self.cam.project(x, z)
        s = max(self.cam.px_per_m(z), min_px_per_m * self.unit) * size
        sign = -1.0 if flip else 1.0
        return [(u + sign * tx * s, v - ty * s) for tx, ty in template]

    def front(self, x1: float, x2: float, z: float, height: float) -> List[Point]:
        """Rectangle facing the camera at depth z, lateral x1..x2, heights 0..height."""
        p = self.cam.project
        return [p(x1, z), p(x2, z), p(x2, z, height), p(x1, z, height)]

    def blob(self, cx: float, cy: float, rx: float, ry: float, n: int = 16,
             wobble: float = 0.12) -> List[Point]:
        """Irregular ellipse (image pixels) centred on (cx, cy)."""
        radius = 1 + wobble * self.rng.standard_normal(n)
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return [(cx + rx * r * np.cos(a), cy - ry * r * np.sin(a)) for a, r in zip(angles, radius)]

    def free(self, x1: float, x2: float, z1: float, z2: float) -> bool:
        """Reserve a ground footprint unless it overlaps one already taken."""
        for a1, a2, b1, b2 in self.footprints:
            if x1 < a2 and a1 < x2 and z1 < b2 and b1 < z2:
                return False
        self.footprints.append((x1, x2, z1, z2))
        return True

    def add_group(self, depth: float, *objects: Optional[SceneObject]) -> None:
        """Objects standing at ``depth``; those without a geometry face the camera there."""
        kept = [obj for obj in objects if obj is not None]
        for obj in kept:
            obj.geometry = obj.geometry or ('z', depth)
        if kept:
            self.groups.append((depth, kept))

    def add_background(self, *objects: Optional[SceneObject]) -> None:
        self.background += [obj for obj in objects if obj is not None]


def object_index_map(objects: Sequence[SceneObject], height: int, width: int) -> np.ndarray:
    """(H, W) int32 map of 1 + the index of the object drawn at each pixel (0: none).

    Drawn in order with the PIL rasteriser of the labels (deleted objects skipped), so image
    regions and depth follow label boundaries pixel for pixel.
    """
    index_map = Image.new('I', (width, height), 0)
    draw = ImageDraw.Draw(index_map)
    for index, obj in enumerate(objects, start=1):
        if not obj.deleted:
            draw.polygon([tuple(p) for p in obj.polygon], fill=index)
    return np.asarray(index_map)
