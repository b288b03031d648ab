"""A synthetic Cityscapes sample in the official file format: street scenes + gtFine polygons.

Layout under ``out_dir``, as the official archives (label maps in train ids are left to
``tools/dataset_converters/cityscapes.py``, exactly as for the real set)::

    leftImg8bit/{train,val}/<city>/<city>_<seq:06d>_000019_leftImg8bit.png
    gtFine/{train,val}/<city>/<city>_<seq:06d>_000019_gtFine_polygons.json
    gtFine/{train,val}/<city>/<city>_<seq:06d>_000019_gtFine_labelIds.png
    cityscapes_sample.json    manifest, written last (see :func:`is_complete`)

Each scene is seen by a pinhole camera 1.22 m above a straight street (Cityscapes' rig):
sky, facades, walls/fences/hedges, road with sidewalks and verges, and depth-sorted
poles with signs and lights, trees, persons, riders on bicycles/motorcycles, parked
bicycles, cars, trucks, buses, trams, void objects and the ego vehicle. Every one of the
19 train classes appears in each split. Classes get their own colour family and a
texture laid out in world metres (windows, bricks, slats, tiles, lane marks), plus
moderate lighting and sensor noise, so a small CNN learns them in minutes.

The label-id PNG is the polygons rasterised with PIL's ``ImageDraw.polygon`` in file
order, as cityscapesscripts' ``json2labelImg`` does, so the converter reproduces it.
"""
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from micronet_dense.datasets.cityscapes_conversion import POLYGONS_SUFFIX
from micronet_dense.utils.atomic_io import atomic_output_path
from micronet_dense.datasets.cityscapes_labels import (NAME_TO_LABEL, TRAIN_CLASSES,
                                                       label_ids_to_train_ids, resolve_label)

SPLIT_CITIES: Dict[str, Tuple[str, ...]] = {
    'train': ('aachen', 'bochum', 'bremen', 'cologne'),
    'val': ('frankfurt', 'lindau', 'munster'),
}
REDUCED_SIZE = (256, 512)  # (H, W)
FULL_SIZE = (1024, 2048)
IMAGE_SUFFIX = '_leftImg8bit.png'
LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
MANIFEST_NAME = 'cityscapes_sample.json'
_FRAME = 19  # gtFine annotates frame 19 of each 30-frame snippet

# Frequent classes are in every scene; each scene also forces three of the others in
# rotation, so any 3 consecutive scenes of a split hold all 19 classes.
_ALWAYS = ('road', 'sidewalk', 'building', 'vegetation', 'sky', 'pole', 'traffic light',
           'traffic sign', 'car', 'person')
_ROTATING = ('wall', 'fence', 'terrain', 'rider', 'motorcycle', 'bicycle', 'truck', 'bus',
             'train')
# A required class must cover this many pixels at 256x512 (scaled with the area).
_MIN_VISIBLE_PIXELS = 40
_MAX_SCENE_ATTEMPTS = 50
# People and two-wheelers are never drawn smaller than this (px per metre at 256x512).
_FIGURE_PX_PER_M = 14

Point = Tuple[float, float]

# Silhouettes in metres: x to the right, y up, origin on the ground below the centre.
_PERSON = ((-0.19, 0), (-0.05, 0), (0, 0.74), (0.05, 0), (0.19, 0), (0.17, 0.92), (0.26, 0.86),
           (0.24, 1.42), (0.07, 1.5), (0.09, 1.6), (0.06, 1.7), (0, 1.75), (-0.06, 1.7),
           (-0.09, 1.6), (-0.07, 1.5), (-0.24, 1.42), (-0.26, 0.86), (-0.17, 0.92))
_RIDER = ((0.02, 0.12), (0.18, 0.12), (0.16, 0.26), (0.26, 0.7), (0.04, 0.92), (0.03, 1.2),
          (0.36, 1.0), (0.4, 1.08), (0.08, 1.42), (0.1, 1.52), (0.1, 1.65), (0, 1.73),
          (-0.1, 1.65), (-0.1, 1.52), (-0.15, 1.42), (-0.32, 1.0), (-0.3, 0.88), (0.13, 0.63))


def _arc(cx: float, cy: float, r: float, start_deg: float, stop_deg: float) -> List[Point]:
    angles = np.deg2rad(np.linspace(start_deg, stop_deg, 7))
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles]


def _two_wheeler(wheel_r: float, half_base: float, top: Sequence[Point]) -> Tuple[Point, ...]:
    """Side-view outline: both wheels, the gap between them, then ``top`` front to back."""
    return tuple(_arc(-half_base, wheel_r, wheel_r, 90, 300) + [(0, wheel_r * 0.8)]
                 + _arc(half_base, wheel_r, wheel_r, 240, 450) + list(top))


_BICYCLE = _two_wheeler(0.34, 0.53, ((0.45, 1.0), (0.35, 1.03), (-0.22, 0.95), (-0.38, 0.95)))
_MOTORCYCLE = _two_wheeler(0.31, 0.7, ((0.62, 0.95), (0.5, 1.1), (0.1, 0.98), (-0.3, 0.88),
                                       (-0.85, 0.82)))


@dataclass
class _Object:
    """One annotated polygon plus how to paint it (``look``: a key of ``_PAINTERS``)."""

    label: str
    polygon: List[Tuple[int, int]]
    look: str
    params: Dict = field(default_factory=dict)
    deleted: bool = False

    def to_json(self) -> Dict:
        obj = {'label': self.label, 'polygon': [list(p) for p in self.polygon]}
        if self.deleted:
            obj['deleted'] = 1
        return obj


class _Camera:
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


def _clip_polygon(points: Sequence[Point], width: int, height: int) -> List[Point]:
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


def _integer_polygon(points: Sequence[Point], width: int,
                     height: int) -> Optional[List[Tuple[int, int]]]:
    """Clipped, rounded vertices without repeats; None when nothing with area is left."""
    poly: List[Tuple[int, int]] = []
    for x, y in _clip_polygon(points, width, height):
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


class _SceneBuilder:
    """Lays a random street out in world metres and emits polygons in drawing order."""

    def __init__(self, rng: np.random.Generator, height: int, width: int,
                 required: Sequence[str]) -> None:
        self.rng = rng
        self.cam = _Camera(rng, height, width)
        self.unit = width / REDUCED_SIZE[1]  # pixel sizes below are given at 256x512
        self.required = set(required)
        self.background: List[_Object] = []
        self.groups: List[Tuple[float, List[_Object]]] = []  # (depth, objects), far first
        self.footprints: List[Tuple[float, float, float, float]] = []

    # ----- geometry -------------------------------------------------------------------
    def make(self, label: str, points: Sequence[Point], look: Optional[str] = None,
             **params) -> Optional[_Object]:
        poly = _integer_polygon(points, self.cam.width, self.cam.height)
        return None if poly is None else _Object(label, poly, look or label, params)

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

    def want(self, label: str, p: float) -> bool:
        return label in self.required or self.rng.random() < p

    def add_group(self, depth: float, *objects: Optional[_Object]) -> None:
        kept = [obj for obj in objects if obj is not None]
        if kept:
            self.groups.append((depth, kept))

    def add_background(self, *objects: Optional[_Object]) -> None:
        self.background += [obj for obj in objects if obj is not None]

    # ----- scene ----------------------------------------------------------------------
    def build(self) -> List[_Object]:
        rng, cam = self.rng, self.cam
        w = cam.width
        self.curbs = (-rng.uniform(2.5, 7.5), rng.uniform(2.5, 6.5))
        self.add_background(self.make('sky', [(0, 0), (w - 1, 0), (w - 1, cam.horizon + 2),
                                              (0, cam.horizon + 2)]))
        lanes = list(np.arange(self.curbs[0] + 3.3, self.curbs[1] - 2.0, 3.3))
        self.add_background(self.make('road', self.band(*self.curbs, 0.5, 4000), lanes=lanes,
                                      curbs=self.curbs))
        # Per side, outwards from the curb: [verge], sidewalk, [verge], facade.
        self.walks: List[Tuple[float, float]] = []  # sidewalk (near, far edge) x per side
        facades = []
        for side, curb in enumerate(self.curbs):
            out = 1 if side else -1
            verge = rng.uniform(2.0, 5.0) if self.want('terrain', 0.35) else 0.0
            inner = verge and rng.random() < 0.5
            walk_near = curb + out * verge * inner
            walk_far = walk_near + out * rng.uniform(2.5, 4.5)
            facades.append(walk_far + out * verge * (not inner))
            self.walks.append((walk_near, walk_far))
            self.add_background(self.make('sidewalk', self.band(*sorted(self.walks[-1]), 0.5,
                                                                4000)))
            if verge:
                x1, x2 = sorted((curb, walk_near) if inner else (walk_far, facades[-1]))
                self.add_background(self.make('terrain', self.band(x1, x2, 0.5, 4000)))
        self.facades = tuple(facades)
        self._road_patches()
        self._skyline()
        for side in (0, 1):
            self._facade(facades[side])
        self._walls_and_hedges()

        self._poles()
        self._trees()
        self._persons()
        self._two_wheelers()
        self._vehicles()
        self._void_objects()
        objects = list(self.background)
        for _, group in sorted(self.groups, key=lambda item: -item[0]):
            objects += group
        return objects + self._foreground()

    def _road_patches(self) -> None:
        rng = self.rng
        left_curb, right_curb = self.curbs
        if rng.random() < 0.35:  # parking strip along a curb
            side = rng.integers(2)
            x1, x2 = ((left_curb, left_curb + 2.2) if side == 0 else
                      (right_curb - 2.2, right_curb))
            z1 = rng.uniform(6, 15)
            z2 = z1 + rng.uniform(8, 25)
            self.add_background(self.make('parking', self.band(x1, x2, z1, z2)))
        self.tram_x = None
        if self.want('train', 0.15):
            margin = min(2.5, 0.5 * (right_curb - left_curb))
            self.tram_x = rng.uniform(left_curb + margin, right_curb - margin)
            self.add_background(self.make('rail track',
                                          self.band(self.tram_x - 1.0, self.tram_x + 1.0, 0.5,
                                                    4000), rails=self.tram_x))
        if rng.random() < 0.5:  # bare ground patch on a sidewalk
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            z1 = rng.uniform(5, 20)
            mid = 0.5 * (x1 + x2)
            self.add_background(self.make('ground', self.band(mid - 0.8, mid + 0.8, z1, z1 + 2.5)))

    def _skyline(self) -> None:
        rng, z = self.rng, 300.0
        x = self.facades[0] - 60
        while x < self.facades[1] + 60:
            width, height = rng.uniform(10, 30), rng.uniform(6, 40)
            if rng.random() < 0.3:
                u, v = self.cam.project(x + width / 2, z)
                s = self.cam.px_per_m(z)
                self.add_background(self.make('vegetation', self.blob(u, v - 0.3 * height * s,
                                                                      width * s / 2,
                                                                      0.4 * height * s)))
            else:
                self.add_background(self.make('building', self.front(x, x + width, z, height)))
            x += width

    def _facade(self, x: float) -> None:
        rng = self.rng
        z, z_end = 2.0, rng.uniform(90, 200)
        while z < z_end:
            length = rng.uniform(8, 28)
            height = rng.uniform(7, 24)
            self.add_background(self.make('building', self.plane(x, z, z + length, height),
                                          surface=('x', x), offset=rng.uniform(0, 3)))
            z += length

    def _walls_and_hedges(self) -> None:
        rng = self.rng
        for label, p, heights in (('wall', 0.5, (1.2, 2.8)), ('fence', 0.5, (1.0, 2.0))):
            if not self.want(label, p):
                continue
            side = rng.integers(2)
            inward = 1 if side == 0 else -1  # towards the road
            height = rng.uniform(*heights)
            if rng.random() < 0.5:  # along the facade
                x = self.facades[side] + 0.2 * inward
                z1 = rng.uniform(4, 14)
                self.add_background(self.make(label, self.plane(x, z1, z1 + rng.uniform(8, 30),
                                                                height), surface=('x', x)))
                continue
            # Facing the camera (a front garden or building site), so it hides what is behind.
            x1, x2 = sorted((self.facades[side], self.facades[side] + inward * rng.uniform(2, 4)))
            z = rng.uniform(6, 20)
            if self.free(x1, x2, z, z + 0.3):
                self.add_group(z, self.make(label, self.front(x1, x2, z, height),
                                            surface=('z', z)))
        if rng.random() < 0.5:
            side = rng.integers(2)
            x = self.facades[side] + (0.4 if side == 0 else -0.4)
            z1 = rng.uniform(5, 20)
            z2 = z1 + rng.uniform(6, 20)
            zs = np.linspace(z1, z2, 8)
            tops = [self.cam.project(x, z, rng.uniform(0.9, 1.4)) for z in zs]
            hedge = [self.cam.project(x, z1), self.cam.project(x, z2)] + tops[::-1]
            self.add_background(self.make('vegetation', hedge))

    def _poles(self) -> None:
        rng, cam, unit = self.rng, self.cam, self.unit
        signs_left, lights_left = 1, 1  # the scene must hold at least one of each
        for index in range(rng.integers(2, 6)):
            side = rng.integers(2)
            x = self.curbs[side] + (-0.5 if side == 0 else 0.5)
            z = rng.uniform(5, 35)
            if not self.free(x - 0.3, x + 0.3, z - 0.3, z + 0.3):
                continue
            s = cam.px_per_m(z)
            u, v = cam.project(x, z)
            half = max(0.12 * s, 3 * unit)
            top = v - rng.uniform(3.5, 8.0) * s
            pole = self.make('pole', [(u - half, top), (u + half, top), (u + half, v),
                                      (u - half, v)])
            extras = []
            if signs_left or rng.random() < 0.45:
                signs_left = 0
                size = max(0.7 * s, 13 * unit)
                cy = v - rng.uniform(2.2, 3.0) * s
                shape = rng.integers(4)
                if shape == 0:
                    points = self.blob(u, cy, size / 2, size / 2, n=14, wobble=0.0)
                elif shape == 1:
                    points = [(u - size / 2, cy - size * 0.43), (u + size / 2, cy - size * 0.43),
                              (u, cy + size * 0.43)]
                elif shape == 2:
                    points = [(u, cy - size / 2), (u + size / 2, cy), (u, cy + size / 2),
                              (u - size / 2, cy)]
                else:
                    points = [(u - size / 2, cy - size * 0.35), (u + size / 2, cy - size * 0.35),
                              (u + size / 2, cy + size * 0.35), (u - size / 2, cy + size * 0.35)]
                extras.append(self.make('traffic sign', points))
            if lights_left or rng.random() < 0.4:
                lights_left = 0
                lw = max(0.35 * s, 6 * unit)
                lh = 2.6 * lw
                toward_road = 1 if side == 0 else -1
                lx = u + toward_road * (half + lw / 2)
                ly = max(top + lh / 2, v - rng.uniform(2.8, 4.5) * s)
                extras.append(self.make('traffic light',
                                        [(lx - lw / 2, ly - lh / 2), (lx + lw / 2, ly - lh / 2),
                                         (lx + lw / 2, ly + lh / 2), (lx - lw / 2, ly + lh / 2)],
                                        lit=int(rng.integers(3))))
            self.add_group(z, pole, *extras)
        if rng.random() < 0.2:  # a cluster of thin far poles annotated as one polegroup
            side = rng.integers(2)
            x, z = self.curbs[side] + (-0.5 if side == 0 else 0.5), rng.uniform(35, 60)
            u, v = cam.project(x, z)
            s = cam.px_per_m(z)
            half = max(0.6 * s, 4 * unit)
            self.add_group(z, self.make('polegroup', [(u - half, v - 5 * s), (u + half, v - 5 * s),
                                                      (u + half, v), (u - half, v)], look='pole'))

    def _trees(self) -> None:
        rng, cam, unit = self.rng, self.cam, self.unit
        for _ in range(rng.integers(1, 5)):
            side = rng.integers(2)
            x = self.walks[side][1] + (0.8 if side == 0 else -0.8)
            z = rng.uniform(6, 80)
            if not self.free(x - 0.4, x + 0.4, z - 0.4, z + 0.4):
                continue
            s = cam.px_per_m(z)
            u, v = cam.project(x, z)
            half = max(0.16 * s, 2 * unit)
            trunk_top = v - 3.0 * s
            radius = rng.uniform(1.6, 3.0) * s
            trunk = self.make('vegetation', [(u - half, trunk_top), (u + half, trunk_top),
                                             (u + half, v), (u - half, v)], look='trunk')
            crown = self.make('vegetation', self.blob(u, trunk_top - 0.7 * radius, radius,
                                                      0.9 * radius))
            self.add_group(z, trunk, crown)

    def _persons(self) -> None:
        rng, cam = self.rng, self.cam
        z_max = cam.depth_for(20 * self.unit)
        for _ in range(rng.integers(2, 7)):
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            if rng.random() < 0.15:  # crossing the road
                x1, x2 = self.curbs
            x = rng.uniform(x1 + 0.3, x2 - 0.3)
            z = rng.uniform(4.5, z_max)
            if not self.free(x - 0.3, x + 0.3, z - 0.3, z + 0.3):
                continue
            self.add_group(z, self.make('person', self.sprite(_PERSON, x, z, rng.uniform(0.9, 1.1),
                                                              _FIGURE_PX_PER_M)))
        if rng.random() < 0.15:  # a far crowd annotated as one persongroup
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            z = rng.uniform(z_max, z_max + 15)
            x = 0.5 * (x1 + x2)
            width = rng.uniform(1.5, 3.0)
            tops = [(t, rng.uniform(1.5, 1.85)) for t in np.linspace(width / 2, -width / 2, 6)]
            template = [(-width / 2, 0), (width / 2, 0)] + tops
            crowd = self.sprite(template, x, z, 1.0, _FIGURE_PX_PER_M)
            self.add_group(z, self.make('persongroup', crowd, look='person'))

    def _two_wheelers(self) -> None:
        rng, cam = self.rng, self.cam
        riders = 1 if 'rider' in self.required else int(rng.random() < 0.5)
        need_motorcycle = 'motorcycle' in self.required
        for _ in range(riders + int(rng.random() < 0.3)):
            motor = need_motorcycle or rng.random() < 0.35
            need_motorcycle = False
            x = rng.uniform(self.curbs[0] + 1, self.curbs[1] - 1)
            z = rng.uniform(7, cam.depth_for(_FIGURE_PX_PER_M * self.unit))
            if not self.free(x - 1.0, x + 1.0, z - 0.5, z + 0.5):
                continue
            flip = bool(rng.random() < 0.5)
            vehicle = self.make('motorcycle' if motor else 'bicycle',
                                self.sprite(_MOTORCYCLE if motor else _BICYCLE, x, z, 1.0,
                                            _FIGURE_PX_PER_M, flip))
            shift = -0.25 if motor else 0.0  # sits behind a motorcycle's tank
            rider_points = self.sprite([(tx + shift, ty + (0.08 if motor else 0.0))
                                        for tx, ty in _RIDER], x, z, 1.0, _FIGURE_PX_PER_M, flip)
            self.add_group(z, vehicle, self.make('rider', rider_points))
        parked_bikes = rng.integers(1 if 'bicycle' in self.required else 0, 3)
        parked_motor = int(need_motorcycle) + int(rng.random() < 0.2)
        for label in ['bicycle'] * parked_bikes + ['motorcycle'] * parked_motor:
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            x = rng.uniform(x1 + 0.5, x2 - 0.5)
            z = rng.uniform(5, cam.depth_for(_FIGURE_PX_PER_M * self.unit))
            if not self.free(x - 0.9, x + 0.9, z - 0.4, z + 0.4):
                continue
            template = _BICYCLE if label == 'bicycle' else _MOTORCYCLE
            self.add_group(z, self.make(label, self.sprite(template, x, z, 1.0, _FIGURE_PX_PER_M,
                                                           bool(rng.random() < 0.5))))

    def _place_vehicle(self, label: str, width: float, length: float, height: float,
                       lateral: Tuple[float, float], depth: Tuple[float, float],
                       look: Optional[str] = None, **params) -> None:
        """Put a box-shaped vehicle on a free footprint (up to 20 tries), plate if near."""
        for _ in range(20):
            x = self.rng.uniform(*lateral)
            z = self.rng.uniform(*depth)
            x1, x2, z2 = x - width / 2, x + width / 2, z + length
            if self.free(x1, x2, z, z2):
                body = self.make(label, self.box(x1, x2, z, z2, height), look, **params)
                plate = None
                if label == 'car' and z < 25:
                    p = self.cam.project
                    plate = self.make('license plate', [p(x - 0.26, z, 0.3), p(x + 0.26, z, 0.3),
                                                        p(x + 0.26, z, 0.42), p(x - 0.26, z, 0.42)])
                self.add_group(z, body, plate)
                return

    def _vehicles(self) -> None:
        rng = self.rng
        left_curb, right_curb = self.curbs
        road = (left_curb + 1.3, right_curb - 1.3)
        for _ in range(rng.integers(2, 7)):
            parked = rng.random() < 0.5
            side = rng.integers(2)
            lateral = ((left_curb + 1.0, left_curb + 1.2) if side == 0 else
                       (right_curb - 1.2, right_curb - 1.0)) if parked else road
            self._place_vehicle('car', rng.uniform(1.7, 1.9), rng.uniform(4.0, 4.8),
                                rng.uniform(1.4, 1.6), lateral, (5.5, 70),
                                colour=int(rng.integers(len(_CAR_COLOURS))))
        if rng.random() < 0.35:
            self._place_vehicle('cargroup', 3.5, 8.0, 1.5, road, (60, 120), look='car',
                                colour=int(rng.integers(len(_CAR_COLOURS))))
        big = (('truck', 0.3, 2.5, (6.5, 9.0), (3.2, 3.8)),
               ('bus', 0.25, 2.55, (11.0, 13.0), (3.0, 3.3)))
        for label, p, width, lengths, heights in big:
            if self.want(label, p):
                self._place_vehicle(label, width, rng.uniform(*lengths), rng.uniform(*heights),
                                    road, (8, 40))
        if self.tram_x is not None:
            self._place_vehicle('train', 2.4, rng.uniform(20, 30), rng.uniform(3.3, 3.6),
                                (self.tram_x, self.tram_x), (9, 35))

    def _void_objects(self) -> None:
        rng = self.rng
        counts = (('static', rng.integers(1, 4) if rng.random() < 0.8 else 0, (0.5, 1.3),
                   (0.8, 1.6)),
                  ('dynamic', rng.integers(1, 3) if rng.random() < 0.6 else 0, (0.5, 0.8),
                   (0.8, 1.2)))
        for label, count, widths, heights in counts:
            for _ in range(count):
                side = rng.integers(2)
                x1, x2 = sorted(self.walks[side])
                x = rng.uniform(x1 + 0.6, x2 - 0.6)
                z = rng.uniform(5, 30)
                width = rng.uniform(*widths)
                if self.free(x - width / 2, x + width / 2, z, z + 0.5):
                    self.add_group(z, self.make(label, self.front(x - width / 2, x + width / 2,
                                                                  z, rng.uniform(*heights))))
        if rng.random() < 0.25:  # an annotation the labelling tool marked as deleted
            w, h = self.cam.width, self.cam.height
            u, v = rng.uniform(0.2, 0.8) * w, rng.uniform(0.5, 0.8) * h
            obj = self.make('car', [(u, v), (u + 0.15 * w, v), (u + 0.15 * w, v + 0.1 * h),
                                    (u, v + 0.1 * h)])
            obj.deleted = True
            self.add_group(1e9, obj)

    def _foreground(self) -> List[_Object]:
        rng, w, h = self.rng, self.cam.width, self.cam.height
        top = h - rng.uniform(0.07, 0.11) * h
        ego = self.make('ego vehicle', [(0, h - 1), (0, top + 0.4 * (h - top)),
                                        (0.2 * w, top + 0.1 * (h - top)), (0.5 * w, top),
                                        (0.8 * w, top + 0.1 * (h - top)),
                                        (w - 1, top + 0.4 * (h - top)), (w - 1, h - 1)])
        corner = 0.06 * w
        objects = [ego,
                   self.make('out of roi', [(0, h - 1), (0, top), (corner, h - 1)]),
                   self.make('out of roi', [(w - 1, h - 1), (w - 1, top), (w - 1 - corner, h - 1)])]
        if rng.random() < 0.3:
            edge = 3 * self.unit
            x0 = 0 if rng.random() < 0.5 else w - 1 - edge
            objects.append(self.make('rectification border',
                                     [(x0, 0), (x0 + edge, 0), (x0 + edge, h - 1), (x0, h - 1)]))
        return [obj for obj in objects if obj is not None]


# ----- painting ---------------------------------------------------------------------------
@dataclass
class _Patch:
    """Where an object is painted: its mask in its bounding box and the scene context."""

    rng: np.random.Generator
    mask: np.ndarray  # (h, w) bool
    x0: int
    y0: int
    unit: float
    cam: _Camera
    params: Dict

    @property
    def shape(self) -> Tuple[int, int]:
        return self.mask.shape

    def pixel_grid(self) -> Tuple[np.ndarray, np.ndarray]:
        h, w = self.shape
        v, u = np.mgrid[0:h, 0:w].astype(np.float32)
        return u + self.x0, v + self.y0

    def surface_coords(self) -> Tuple[np.ndarray, np.ndarray]:
        """(along, up) metres of each pixel on the object's vertical plane."""
        return self.cam.surface_coords(self.params['surface'], *self.pixel_grid())

    def noise(self, cell_px: float, anisotropy: float = 1.0) -> np.ndarray:
        """Smooth N(0, 1)-ish noise with features ``cell_px`` (x ``anisotropy`` in y) wide."""
        h, w = self.shape
        cell = max(cell_px * self.unit, 1.0)
        grid = self.rng.standard_normal(
            (int(h / (cell * anisotropy)) + 2, int(w / cell) + 2)).astype(np.float32)
        return cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR)


def _jitter(rng: np.random.Generator, colour: Sequence[float], amount: float = 0.06) -> np.ndarray:
    return np.asarray(colour, np.float32) * (1 + amount * rng.standard_normal(3)).astype(np.float32)


def _fill(patch: _Patch, colour: Sequence[float], grain: float = 0.05,
          cell: float = 1.0) -> np.ndarray:
    shade = 1 + grain * patch.noise(cell)
    return shade[..., None] * _jitter(patch.rng, colour)


def _rows(patch: _Patch) -> np.ndarray:
    """(h, 1) relative row position 0..1 inside the bounding box."""
    h = patch.shape[0]
    return (np.arange(h, dtype=np.float32) / max(h - 1, 1))[:, None]


def _paint_sky(patch: _Patch) -> np.ndarray:
    t = _rows(patch)[..., None]
    image = _jitter(patch.rng, (105, 155, 215)) * (1 - t) + _jitter(patch.rng, (190, 210, 232)) * t
    cloud = np.clip(patch.noise(40) * 0.7 - 0.3, 0, 1)[..., None]
    return image * (1 - cloud) + np.float32(238) * cloud


def _paint_building(patch: _Patch) -> np.ndarray:
    colours = ((170, 140, 112), (150, 118, 96), (188, 170, 142), (136, 112, 100), (164, 152, 134))
    base = colours[patch.rng.integers(len(colours))]
    image = _fill(patch, base, 0.05, 2)
    if 'surface' not in patch.params:  # far skyline: no window detail
        return image
    along, up = patch.surface_coords()
    along = (along + patch.params['offset']) % 3.4
    windows = (along < 1.4) & ((up % 3.2) > 0.9) & ((up % 3.2) < 2.4) & (up > 1.2)
    glass = _jitter(patch.rng, (55, 66, 84), 0.1) * (1 + 0.15 * patch.noise(6))[..., None]
    return np.where(windows[..., None], glass, image)


def _paint_wall(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (96, 108, 146), 0.05, 2)
    along, up = patch.surface_coords()
    joints = ((up % 0.5) < 0.06) | ((along + 1.0 * (np.floor(up / 0.5) % 2)) % 2.0 < 0.08)
    return np.where(joints[..., None], image * 0.72, image)


def _paint_fence(patch: _Patch) -> np.ndarray:
    slats = _fill(patch, (222, 218, 205), 0.05, 1)
    along, up = patch.surface_coords()
    gaps = ((along % 0.3) > 0.16) & ((up % 0.9) > 0.12)
    return np.where(gaps[..., None], _jitter(patch.rng, (62, 60, 56)), slats)


def _paint_vegetation(patch: _Patch) -> np.ndarray:
    leaves = np.clip(0.8 + 0.25 * patch.noise(2) + 0.2 * patch.noise(8), 0.3, 1.4)[..., None]
    light = np.clip(0.5 + 0.5 * patch.noise(10), 0, 1)[..., None]
    colour = (_jitter(patch.rng, (48, 92, 34)) * (1 - light)
              + _jitter(patch.rng, (96, 140, 52)) * light)
    return colour * leaves


def _paint_trunk(patch: _Patch) -> np.ndarray:
    return _fill(patch, (88, 70, 52), 0.15, 1)


def _paint_terrain(patch: _Patch) -> np.ndarray:
    blades = 1 + 0.14 * patch.noise(1, anisotropy=4) + 0.06 * patch.noise(12)
    return blades[..., None] * _jitter(patch.rng, (156, 168, 98))


def _paint_road(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (84, 81, 90), 0.06, 1) * (1 + 0.04 * patch.noise(24))[..., None]
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    marks = np.zeros(patch.shape, bool)
    for lane in patch.params['lanes']:
        marks |= (np.abs(x - lane) < 0.08) & ((z % 9.0) < 3.0)
    for curb in patch.params['curbs']:
        marks |= np.abs(x - curb + np.sign(curb) * 0.35) < 0.07
    return np.where(marks[..., None], np.float32(215), image)


def _paint_sidewalk(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (172, 158, 160), 0.04, 1)
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    joints = ((x % 0.6) < 0.05) | ((z % 0.6) < 0.05)
    return np.where(joints[..., None], image * 0.78, image)


def _paint_parking(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (112, 106, 112), 0.06, 1)
    _, z = patch.cam.ground_coords(*patch.pixel_grid())
    return np.where(((z % 2.6) < 0.12)[..., None], np.float32(220), image)


def _paint_rail_track(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (98, 86, 74), 0.15, 1)
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    centre = patch.params['rails']
    rails = (np.abs(np.abs(x - centre) - 0.72) < 0.05)
    image = np.where(((z % 0.65) < 0.2)[..., None], image * 0.7, image)
    return np.where(rails[..., None], np.float32(200), image)


def _paint_pole(patch: _Patch) -> np.ndarray:
    w = patch.shape[1]
    across = np.sin(np.pi * (np.arange(w, dtype=np.float32) + 0.5) / w)
    return (0.55 + 0.6 * across)[None, :, None] * _fill(patch, (150, 154, 160), 0.03, 2)


def _paint_traffic_light(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (38, 40, 36), 0.05, 1)
    h, w = patch.shape
    v, u = np.mgrid[0:h, 0:w].astype(np.float32)
    lamps = ((225, 40, 30), (240, 170, 25), (40, 205, 85))
    radius = 0.32 * min(w, h / 3)
    for index, colour in enumerate(lamps):
        inside = (u - w / 2) ** 2 + (v - h * (2 * index + 1) / 6) ** 2 < radius ** 2
        bright = 1.0 if index == patch.params['lit'] else 0.35
        image = np.where(inside[..., None], np.float32(bright) * np.asarray(colour, np.float32),
                         image)
    return image


def _paint_traffic_sign(patch: _Patch) -> np.ndarray:
    image = _fill(patch, (30, 78, 192), 0.04, 2)
    border = max(int(round(1.5 * patch.unit)), 1)
    # Outside the box counts as background, so the border also runs along the box edges.
    inner = cv2.erode(patch.mask.astype(np.uint8), np.ones((2 * border + 1,) * 2, np.uint8),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0)
    h, w = patch.shape
    symbol = np.zeros(patch.shape, bool)
    symbol[int(0.42 * h):int(0.58 * h) + 1, int(0.25 * w):int(0.75 * w) + 1] = True
    white = (patch.mask & (inner == 0)) | symbol
    return np.where(white[..., None], np.float32(235), image)


def _paint_figure(patch: _Patch, head: Sequence[float], torso: Sequence[float]) -> np.ndarray:
    """Human: ``head`` colour on top, ``torso`` colour on the upper body, dark legs."""
    t = _rows(patch)[..., None]
    legs = _jitter(patch.rng, (40, 45, 80))
    image = np.where(t < 0.15, _jitter(patch.rng, head), np.where(t < 0.52,
                                                                    _jitter(patch.rng, torso),
                                                                    legs))
    return image * (1 + 0.06 * patch.noise(1))[..., None]


def _paint_person(patch: _Patch) -> np.ndarray:
    clothes = ((176, 36, 72), (122, 48, 136), (150, 30, 100))
    return _paint_figure(patch, (222, 184, 154), clothes[patch.rng.integers(len(clothes))])


def _paint_rider(patch: _Patch) -> np.ndarray:
    return _paint_figure(patch, (236, 236, 232), (240, 100, 20))


_CAR_COLOURS = ((176, 179, 186), (32, 32, 38), (222, 222, 216), (82, 84, 92), (34, 44, 92))


def _paint_vehicle(patch: _Patch, body: Sequence[float], glass_rows: Tuple[float, float],
                   bottom: float) -> np.ndarray:
    """Body colour, a dark glass band and dark wheels/bumper at the bottom."""
    t = _rows(patch)[..., None]
    image = _fill(patch, body, 0.04, 3)
    glass = (t > glass_rows[0]) & (t < glass_rows[1])
    image = np.where(glass, _jitter(patch.rng, (42, 52, 66)), image)
    return np.where(t > bottom, _jitter(patch.rng, (26, 26, 28)), image)


def _paint_car(patch: _Patch) -> np.ndarray:
    image = _paint_vehicle(patch, _CAR_COLOURS[patch.params['colour']], (0.08, 0.4), 0.84)
    t = _rows(patch)
    u = (np.arange(patch.shape[1]) / max(patch.shape[1] - 1, 1))[None, :]
    lights = (t > 0.45) & (t < 0.56) & ((u < 0.12) | (u > 0.88))
    return np.where(lights[..., None], np.asarray((200, 30, 30), np.float32), image)


def _paint_truck(patch: _Patch) -> np.ndarray:
    cargo = ((214, 214, 204), (122, 126, 72))[patch.rng.integers(2)]
    image = _paint_vehicle(patch, cargo, (0.0, 0.0), 0.86)
    ribs = (np.arange(patch.shape[1]) % max(int(4 * patch.unit), 2)) == 0
    return np.where(ribs[None, :, None], image * 0.75, image)


def _paint_bus(patch: _Patch) -> np.ndarray:
    image = _paint_vehicle(patch, (36, 150, 142), (0.15, 0.5), 0.9)
    t = _rows(patch)
    return np.where(((t > 0.58) & (t < 0.64))[..., None], np.float32(230), image)


def _paint_train(patch: _Patch) -> np.ndarray:
    body = _jitter(patch.rng, (226, 188, 44))
    image = _paint_vehicle(patch, body, (0.2, 0.5), 0.92)
    t = _rows(patch)
    pillars = (np.arange(patch.shape[1]) % max(int(9 * patch.unit), 3)) < max(int(patch.unit), 1)
    image = np.where(((t > 0.2) & (t < 0.5) & pillars[None, :])[..., None], body, image)
    return np.where(((t > 0.6) & (t < 0.66))[..., None], _jitter(patch.rng, (70, 70, 74)), image)


def _paint_bicycle(patch: _Patch) -> np.ndarray:
    h, w = patch.shape
    v, u = np.mgrid[0:h, 0:w]
    period = max(int(3 * patch.unit), 2)
    frame = ((u + v) % period) == 0
    image = np.where(frame[..., None], _jitter(patch.rng, (50, 180, 210)),
                     _jitter(patch.rng, (36, 34, 40)))
    return image * (1 + 0.05 * patch.noise(1))[..., None]


def _paint_motorcycle(patch: _Patch) -> np.ndarray:
    return _paint_vehicle(patch, (40, 72, 212), (0.0, 0.0), 0.55)


def _paint_plain(colour: Sequence[float], grain: float,
                 cell: float = 1.0) -> Callable[[_Patch], np.ndarray]:
    return lambda patch: _fill(patch, colour, grain, cell)


def _paint_ego_vehicle(patch: _Patch) -> np.ndarray:
    t = _rows(patch)[..., None]
    return _fill(patch, (30, 32, 40), 0.03, 4) * (1.6 - 0.6 * t)


_PAINTERS: Dict[str, Callable[[_Patch], np.ndarray]] = {
    'sky': _paint_sky, 'building': _paint_building, 'wall': _paint_wall, 'fence': _paint_fence,
    'vegetation': _paint_vegetation, 'trunk': _paint_trunk, 'terrain': _paint_terrain,
    'road': _paint_road, 'sidewalk': _paint_sidewalk, 'parking': _paint_parking,
    'rail track': _paint_rail_track, 'pole': _paint_pole, 'traffic light': _paint_traffic_light,
    'traffic sign': _paint_traffic_sign, 'person': _paint_person, 'rider': _paint_rider,
    'car': _paint_car, 'truck': _paint_truck, 'bus': _paint_bus, 'train': _paint_train,
    'bicycle': _paint_bicycle, 'motorcycle': _paint_motorcycle,
    'static': _paint_plain((104, 94, 84), 0.12), 'dynamic': _paint_plain((172, 126, 60), 0.1, 3),
    'ground': _paint_plain((128, 112, 94), 0.14),
    'license plate': _paint_plain((236, 236, 226), 0.05),
    'ego vehicle': _paint_ego_vehicle, 'out of roi': _paint_plain((12, 12, 12), 0.1),
    'rectification border': _paint_plain((0, 0, 0), 0.0),
}


def _paint(rng: np.random.Generator, objects: Sequence[_Object], cam: _Camera,
           unit: float) -> np.ndarray:
    """(H, W, 3) uint8 RGB image of the drawn objects, later ones on top."""
    height, width = cam.height, cam.width
    # Object indices drawn with the same PIL rasteriser as the labels, so image regions
    # follow label boundaries pixel for pixel.
    index_map = Image.new('I', (width, height), 0)
    draw = ImageDraw.Draw(index_map)
    for index, obj in enumerate(objects, start=1):
        if not obj.deleted:
            draw.polygon([tuple(p) for p in obj.polygon], fill=index)
    index_map = np.asarray(index_map)
    image = np.full((height, width, 3), 128, np.float32)
    for index, obj in enumerate(objects, start=1):
        if obj.deleted:
            continue
        xs, ys = np.array(obj.polygon).T
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        mask = index_map[y0:y1, x0:x1] == index
        if not mask.any():
            continue
        texture = _PAINTERS[obj.look](_Patch(rng, mask, int(x0), int(y0), unit, cam, obj.params))
        region = image[y0:y1, x0:x1]
        region[mask] = texture[mask]
    # Lighting and sensor: global gain and tint, a lateral light falloff, noise, lens blur.
    u = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :, None]
    image *= rng.uniform(0.82, 1.15) * rng.uniform(0.95, 1.05, 3).astype(np.float32)
    image *= 1 + rng.uniform(-0.2, 0.2) * u
    image += rng.normal(0, rng.uniform(2, 5), image.shape).astype(np.float32)
    image = cv2.GaussianBlur(image, (0, 0), 0.6 * unit ** 0.5)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


# ----- annotation and files ---------------------------------------------------------------
def rasterize_label_ids(annotation: Dict) -> np.ndarray:
    """(H, W) uint8 label-id map of a Cityscapes polygon annotation.

    Same rules and PIL calls as cityscapesscripts' ``json2labelImg(..., 'ids')``:
    background 'unlabeled' (0); objects drawn in order, later on top; deleted objects
    and labels with a negative id (license plate) skipped; 'xgroup' read as 'x'.
    """
    image = Image.new('L', (annotation['imgWidth'], annotation['imgHeight']),
                      NAME_TO_LABEL['unlabeled'].id)
    draw = ImageDraw.Draw(image)
    for obj in annotation['objects']:
        if obj.get('deleted', 0):
            continue
        label = resolve_label(obj['label'])
        if label.id >= 0:
            draw.polygon([tuple(p) for p in obj['polygon']], fill=label.id)
    return np.asarray(image)


def expected_train_ids(label_ids_path: str) -> np.ndarray:
    """(H, W) uint8 train-id map the converter must produce for a ``*_gtFine_labelIds.png``."""
    label_ids = cv2.imread(label_ids_path, cv2.IMREAD_UNCHANGED)
    if label_ids is None:
        raise FileNotFoundError(f'cannot read label-id map {label_ids_path}')
    return label_ids_to_train_ids(label_ids)


def _render(rng: np.random.Generator, height: int, width: int,
            required: Sequence[str]) -> Tuple[Dict, np.ndarray, np.ndarray]:
    """A scene whose label map shows every ``required`` train class: (json, ids, RGB)."""
    min_pixels = _MIN_VISIBLE_PIXELS * height * width / (REDUCED_SIZE[0] * REDUCED_SIZE[1])
    required_ids = [TRAIN_CLASSES.index(name) for name in required]
    for _ in range(_MAX_SCENE_ATTEMPTS):
        builder = _SceneBuilder(rng, height, width, required)
        objects = builder.build()
        annotation = {'imgHeight': height, 'imgWidth': width,
                      'objects': [obj.to_json() for obj in objects]}
        label_ids = rasterize_label_ids(annotation)
        counts = np.bincount(label_ids_to_train_ids(label_ids).ravel(), minlength=256)
        if all(counts[train_id] >= min_pixels for train_id in required_ids):
            return annotation, label_ids, _paint(rng, objects, builder.cam, builder.unit)
    raise RuntimeError(f'no scene showing all of {list(required)} in {_MAX_SCENE_ATTEMPTS} '
                       f'attempts')


def _write_bytes(path: str, data: bytes) -> None:
    with atomic_output_path(path) as tmp_path:
        with open(tmp_path, 'wb') as f:
            f.write(data)


def _png(array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode('.png', array)
    if not ok:
        raise RuntimeError('PNG encoding failed')
    return buffer.tobytes()


def sample_names(split: str, count: int) -> List[str]:
    """``<city>/<city>_<seq>_000019`` names of a split, cities in turn."""
    cities = SPLIT_CITIES[split]
    return [f'{cities[i % len(cities)]}/{cities[i % len(cities)]}_{i // len(cities):06d}_'
            f'{_FRAME:06d}' for i in range(count)]


def is_complete(out_dir: str) -> bool:
    """Whether ``out_dir`` holds a finished sample: manifest and every file it lists."""
    manifest_path = osp.join(out_dir, MANIFEST_NAME)
    if not osp.isfile(manifest_path):
        return False
    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
    return all(
        osp.isfile(osp.join(out_dir, folder, split, name + suffix))
        for split, names in manifest['samples'].items() for name in names
        for folder, suffix in (('leftImg8bit', IMAGE_SUFFIX), ('gtFine', LABEL_IDS_SUFFIX),
                               ('gtFine', POLYGONS_SUFFIX)))


def make_cityscapes_sample(out_dir: str, num_train: int = 40, num_val: int = 12, seed: int = 0,
                           full_resolution: bool = False,
                           progress: bool = True) -> Dict[str, List[str]]:
    """Write a synthetic Cityscapes sample (see the module docstring) under ``out_dir``.

    Deterministic: the same arguments give byte-identical files. Every file is written
    through a temporary file and renamed; per image the polygons JSON comes last and the
    manifest after all images, so :func:`is_complete` tells a finished sample from one
    cut short. A complete sample made with the same arguments is kept as it is.

    Args:
        out_dir: Cityscapes root to create or fill.
        num_train: Images in the train split (>= 3 for all 19 classes).
        num_val: Images in the val split (>= 3 for all 19 classes).
        seed: Seed of the scenes.
        full_resolution: 1024x2048 images instead of 256x512.
        progress: Show a tqdm progress bar.

    Returns:
        split -> sample names (``<city>/<city>_<seq>_000019``).
    """
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train}, {num_val}')
    height, width = FULL_SIZE if full_resolution else REDUCED_SIZE
    samples = {'train': sample_names('train', num_train), 'val': sample_names('val', num_val)}
    manifest = {'seed': seed, 'imgHeight': height, 'imgWidth': width, 'samples': samples}
    manifest_path = osp.join(out_dir, MANIFEST_NAME)
    if osp.isfile(manifest_path):
        with open(manifest_path, encoding='utf-8') as f:
            if json.load(f) != manifest:
                raise FileExistsError(f'{out_dir} holds a Cityscapes sample made with other '
                                      f'arguments (see {manifest_path}); remove it or choose '
                                      f'another folder')
        if is_complete(out_dir):
            return samples

    jobs = [(split, index, name) for split, names in samples.items()
            for index, name in enumerate(names)]
    for split, index, name in tqdm(jobs, desc='Cityscapes sample', unit='img',
                                   disable=not progress):
        rng = np.random.default_rng([seed, list(samples).index(split), index])
        required = _ALWAYS + tuple(_ROTATING[(index + k) % len(_ROTATING)] for k in (0, 3, 6))
        annotation, label_ids, image = _render(rng, height, width, required)
        image_base = osp.join(out_dir, 'leftImg8bit', split, name)
        gt_base = osp.join(out_dir, 'gtFine', split, name)
        _write_bytes(image_base + IMAGE_SUFFIX, _png(image[..., ::-1]))
        _write_bytes(gt_base + LABEL_IDS_SUFFIX, _png(label_ids))
        _write_bytes(gt_base + POLYGONS_SUFFIX,
                     json.dumps(annotation, indent=4).encode('utf-8'))
    _write_bytes(manifest_path, json.dumps(manifest, indent=2).encode('utf-8'))
    return samples
