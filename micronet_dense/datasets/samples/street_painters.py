"""Painters of the synthetic street scenes: a texture per look (windows in metres on a facade,
lane marks on the road, ...), then lighting and sensor noise over the whole image."""
from dataclasses import dataclass
from typing import Callable, Dict, Sequence, Tuple

import cv2
import numpy as np

from .street_camera import StreetCamera
from .street_layout import SceneObject, object_index_map
from .street_scene import CAR_COLOURS


@dataclass
class Patch:
    """Where an object is painted: its mask in its bounding box and the scene context."""

    rng: np.random.Generator
    mask: np.ndarray  # (h, w) bool
    x0: int
    y0: int
    unit: float
    cam: StreetCamera
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


def _fill(patch: Patch, colour: Sequence[float], grain: float = 0.05,
          cell: float = 1.0) -> np.ndarray:
    shade = 1 + grain * patch.noise(cell)
    return shade[..., None] * _jitter(patch.rng, colour)


def _rows(patch: Patch) -> np.ndarray:
    """(h, 1) relative row position 0..1 inside the bounding box."""
    h = patch.shape[0]
    return (np.arange(h, dtype=np.float32) / max(h - 1, 1))[:, None]


def _paint_sky(patch: Patch) -> np.ndarray:
    t = _rows(patch)[..., None]
    image = _jitter(patch.rng, (105, 155, 215)) * (1 - t) + _jitter(patch.rng, (190, 210, 232)) * t
    cloud = np.clip(patch.noise(40) * 0.7 - 0.3, 0, 1)[..., None]
    return image * (1 - cloud) + np.float32(238) * cloud


def _paint_building(patch: Patch) -> np.ndarray:
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


def _paint_wall(patch: Patch) -> np.ndarray:
    image = _fill(patch, (96, 108, 146), 0.05, 2)
    along, up = patch.surface_coords()
    joints = ((up % 0.5) < 0.06) | ((along + 1.0 * (np.floor(up / 0.5) % 2)) % 2.0 < 0.08)
    return np.where(joints[..., None], image * 0.72, image)


def _paint_fence(patch: Patch) -> np.ndarray:
    slats = _fill(patch, (222, 218, 205), 0.05, 1)
    along, up = patch.surface_coords()
    gaps = ((along % 0.3) > 0.16) & ((up % 0.9) > 0.12)
    return np.where(gaps[..., None], _jitter(patch.rng, (62, 60, 56)), slats)


def _paint_vegetation(patch: Patch) -> np.ndarray:
    leaves = np.clip(0.8 + 0.25 * patch.noise(2) + 0.2 * patch.noise(8), 0.3, 1.4)[..., None]
    light = np.clip(0.5 + 0.5 * patch.noise(10), 0, 1)[..., None]
    colour = (_jitter(patch.rng, (48, 92, 34)) * (1 - light)
              + _jitter(patch.rng, (96, 140, 52)) * light)
    return colour * leaves


def _paint_trunk(patch: Patch) -> np.ndarray:
    return _fill(patch, (88, 70, 52), 0.15, 1)


def _paint_terrain(patch: Patch) -> np.ndarray:
    blades = 1 + 0.14 * patch.noise(1, anisotropy=4) + 0.06 * patch.noise(12)
    return blades[..., None] * _jitter(patch.rng, (156, 168, 98))


def _paint_road(patch: Patch) -> np.ndarray:
    image = _fill(patch, (84, 81, 90), 0.06, 1) * (1 + 0.04 * patch.noise(24))[..., None]
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    marks = np.zeros(patch.shape, bool)
    for lane in patch.params['lanes']:
        marks |= (np.abs(x - lane) < 0.08) & ((z % 9.0) < 3.0)
    for curb in patch.params['curbs']:
        marks |= np.abs(x - curb + np.sign(curb) * 0.35) < 0.07
    return np.where(marks[..., None], np.float32(215), image)


def _paint_sidewalk(patch: Patch) -> np.ndarray:
    image = _fill(patch, (172, 158, 160), 0.04, 1)
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    joints = ((x % 0.6) < 0.05) | ((z % 0.6) < 0.05)
    return np.where(joints[..., None], image * 0.78, image)


def _paint_parking(patch: Patch) -> np.ndarray:
    image = _fill(patch, (112, 106, 112), 0.06, 1)
    _, z = patch.cam.ground_coords(*patch.pixel_grid())
    return np.where(((z % 2.6) < 0.12)[..., None], np.float32(220), image)


def _paint_rail_track(patch: Patch) -> np.ndarray:
    image = _fill(patch, (98, 86, 74), 0.15, 1)
    x, z = patch.cam.ground_coords(*patch.pixel_grid())
    centre = patch.params['rails']
    rails = (np.abs(np.abs(x - centre) - 0.72) < 0.05)
    image = np.where(((z % 0.65) < 0.2)[..., None], image * 0.7, image)
    return np.where(rails[..., None], np.float32(200), image)


def _paint_pole(patch: Patch) -> np.ndarray:
    w = patch.shape[1]
    across = np.sin(np.pi * (np.arange(w, dtype=np.float32) + 0.5) / w)
    return (0.55 + 0.6 * across)[None, :, None] * _fill(patch, (150, 154, 160), 0.03, 2)


def _paint_traffic_light(patch: Patch) -> np.ndarray:
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


def _paint_traffic_sign(patch: Patch) -> np.ndarray:
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


def _paint_figure(patch: Patch, head: Sequence[float], torso: Sequence[float]) -> np.ndarray:
    """Human: ``head`` colour on top, ``torso`` colour on the upper body, dark legs."""
    t = _rows(patch)[..., None]
    legs = _jitter(patch.rng, (40, 45, 80))
    image = np.where(t < 0.15, _jitter(patch.rng, head), np.where(t < 0.52,
                                                                    _jitter(patch.rng, torso),
                                                                    legs))
    return image * (1 + 0.06 * patch.noise(1))[..., None]


def _paint_person(patch: Patch) -> np.ndarray:
    clothes = ((176, 36, 72), (122, 48, 136), (150, 30, 100))
    return _paint_figure(patch, (222, 184, 154), clothes[patch.rng.integers(len(clothes))])


def _paint_rider(patch: Patch) -> np.ndarray:
    return _paint_figure(patch, (236, 236, 232), (240, 100, 20))


def _paint_vehicle(patch: Patch, body: Sequence[float], glass_rows: Tuple[float, float],
                   bottom: float) -> np.ndarray:
    """Body colour, a dark glass band and dark wheels/bumper at the bottom."""
    t = _rows(patch)[..., None]
    image = _fill(patch, body, 0.04, 3)
    glass = (t > glass_rows[0]) & (t < glass_rows[1])
    image = np.where(glass, _jitter(patch.rng, (42, 52, 66)), image)
    return np.where(t > bottom, _jitter(patch.rng, (26, 26, 28)), image)


def _paint_car(patch: Patch) -> np.ndarray:
    image = _paint_vehicle(patch, CAR_COLOURS[patch.params['colour']], (0.08, 0.4), 0.84)
    t = _rows(patch)
    u = (np.arange(patch.shape[1]) / max(patch.shape[1] - 1, 1))[None, :]
    lights = (t > 0.45) & (t < 0.56) & ((u < 0.12) | (u > 0.88))
    return np.where(lights[..., None], np.asarray((200, 30, 30), np.float32), image)


def _paint_truck(patch: Patch) -> np.ndarray:
    cargo = ((214, 214, 204), (122, 126, 72))[patch.rng.integers(2)]
    image = _paint_vehicle(patch, cargo, (0.0, 0.0), 0.86)
    ribs = (np.arange(patch.shape[1]) % max(int(4 * patch.unit), 2)) == 0
    return np.where(ribs[None, :, None], image * 0.75, image)


def _paint_bus(patch: Patch) -> np.ndarray:
    image = _paint_vehicle(patch, (36, 150, 142), (0.15, 0.5), 0.9)
    t = _rows(patch)
    return np.where(((t > 0.58) & (t < 0.64))[..., None], np.float32(230), image)


def _paint_train(patch: Patch) -> np.ndarray:
    body = _jitter(patch.rng, (226, 188, 44))
    image = _paint_vehicle(patch, body, (0.2, 0.5), 0.92)
    t = _rows(patch)
    pillars = (np.arange(patch.shape[1]) % max(int(9 * patch.unit), 3)) < max(int(patch.unit), 1)
    image = np.where(((t > 0.2) & (t < 0.5) & pillars[None, :])[..., None], body, image)
    return np.where(((t > 0.6) & (t < 0.66))[..., None], _jitter(patch.rng, (70, 70, 74)), image)


def _paint_bicycle(patch: Patch) -> np.ndarray:
    h, w = patch.shape
    v, u = np.mgrid[0:h, 0:w]
    period = max(int(3 * patch.unit), 2)
    frame = ((u + v) % period) == 0
    image = np.where(frame[..., None], _jitter(patch.rng, (50, 180, 210)),
                     _jitter(patch.rng, (36, 34, 40)))
    return image * (1 + 0.05 * patch.noise(1))[..., None]


def _paint_motorcycle(patch: Patch) -> np.ndarray:
    return _paint_vehicle(patch, (40, 72, 212), (0.0, 0.0), 0.55)


def _paint_plain(colour: Sequence[float], grain: float,
                 cell: float = 1.0) -> Callable[[Patch], np.ndarray]:
    return lambda patch: _fill(patch, colour, grain, cell)


def _paint_ego_vehicle(patch: Patch) -> np.ndarray:
    t = _rows(patch)[..., None]
    return _fill(patch, (30, 32, 40), 0.03, 4) * (1.6 - 0.6 * t)


PAINTERS: Dict[str, Callable[[Patch], np.ndarray]] = {
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


def paint_scene(rng: np.random.Generator, objects: Sequence[SceneObject], cam: StreetCamera,
                unit: float) -> np.ndarray:
    """(H, W, 3) uint8 RGB image of the drawn objects, later ones on top."""
    height, width = cam.height, cam.width
    index_map = object_index_map(objects, height, width)
    image = np.full((height, width, 3), 128, np.float32)
    for index, obj in enumerate(objects, start=1):
        if obj.deleted:
            continue
        xs, ys = np.array(obj.polygon).T
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        mask = index_map[y0:y1, x0:x1] == index
        if not mask.any():
            continue
        texture = PAINTERS[obj.look](Patch(rng, mask, int(x0), int(y0), unit, cam, obj.params))
        region = image[y0:y1, x0:x1]
        region[mask] = texture[mask]
    # Lighting and sensor: global gain and tint, a lateral light falloff, noise, lens blur.
    u = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :, None]
    image *= rng.uniform(0.82, 1.15) * rng.uniform(0.95, 1.05, 3).astype(np.float32)
    image *= 1 + rng.uniform(-0.2, 0.2) * u
    image += rng.normal(0, rng.uniform(2, 5), image.shape).astype(np.float32)
    image = cv2.GaussianBlur(image, (0, 0), 0.6 * unit ** 0.5)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)
