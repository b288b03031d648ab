"""A random street laid out in world metres: road, sidewalks, facades, poles, vegetation,
people, two-wheelers, vehicles and void objects, as Cityscapes polygons in drawing order."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .street_layout import GROUND, SceneObject, StreetLayout
from .street_silhouettes import BICYCLE, MOTORCYCLE, PERSON, RIDER

# People and two-wheelers are never drawn smaller than this (px per metre at 256x512).
FIGURE_PX_PER_M = 14
CAR_COLOURS = ((176, 179, 186), (32, 32, 38), (222, 222, 216), (82, 84, 92), (34, 44, 92))


class StreetSceneBuilder(StreetLayout):
    """Lays a random street out in world metres and emits polygons in drawing order.

    ``required``: labels the scene must contain (each is placed even where chance says no).
    """

    def __init__(self, rng: np.random.Generator, height: int, width: int,
                 required: Sequence[str]) -> None:
        super().__init__(rng, height, width)
        self.required = set(required)

    def want(self, label: str, p: float) -> bool:
        return label in self.required or self.rng.random() < p

    def build(self) -> List[SceneObject]:
        rng, cam = self.rng, self.cam
        w = cam.width
        self.curbs = (-rng.uniform(2.5, 7.5), rng.uniform(2.5, 6.5))
        self.add_background(self.make('sky', [(0, 0), (w - 1, 0), (w - 1, cam.horizon + 2),
                                              (0, cam.horizon + 2)]))
        lanes = list(np.arange(self.curbs[0] + 3.3, self.curbs[1] - 2.0, 3.3))
        self.add_background(self.make('road', self.band(*self.curbs, 0.5, 4000), lanes=lanes,
                                      curbs=self.curbs, geometry=GROUND))
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
                                                                4000), geometry=GROUND))
            if verge:
                x1, x2 = sorted((curb, walk_near) if inner else (walk_far, facades[-1]))
                self.add_background(self.make('terrain', self.band(x1, x2, 0.5, 4000),
                                                       geometry=GROUND))
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
            self.add_background(self.make('parking', self.band(x1, x2, z1, z2), geometry=GROUND))
        self.tram_x = None
        if self.want('train', 0.15):
            margin = min(2.5, 0.5 * (right_curb - left_curb))
            self.tram_x = rng.uniform(left_curb + margin, right_curb - margin)
            self.add_background(self.make('rail track',
                                          self.band(self.tram_x - 1.0, self.tram_x + 1.0, 0.5,
                                                    4000), rails=self.tram_x, geometry=GROUND))
        if rng.random() < 0.5:  # bare ground patch on a sidewalk
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            z1 = rng.uniform(5, 20)
            mid = 0.5 * (x1 + x2)
            self.add_background(self.make('ground', self.band(mid - 0.8, mid + 0.8, z1, z1 + 2.5),
                                          geometry=GROUND))

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
                                                                      0.4 * height * s),
                                              geometry=('z', z)))
            else:
                self.add_background(self.make('building', self.front(x, x + width, z, height),
                                              geometry=('z', z)))
            x += width

    def _facade(self, x: float) -> None:
        rng = self.rng
        z, z_end = 2.0, rng.uniform(90, 200)
        while z < z_end:
            length = rng.uniform(8, 28)
            height = rng.uniform(7, 24)
            self.add_background(self.make('building', self.plane(x, z, z + length, height),
                                          surface=('x', x), geometry=('x', x),
                                          offset=rng.uniform(0, 3)))
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
                                                                height), surface=('x', x),
                                                      geometry=('x', x)))
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
            self.add_background(self.make('vegetation', hedge, geometry=('x', x)))

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
            self.add_group(z, self.make('person', self.sprite(PERSON, x, z, rng.uniform(0.9, 1.1),
                                                              FIGURE_PX_PER_M)))
        if rng.random() < 0.15:  # a far crowd annotated as one persongroup
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            z = rng.uniform(z_max, z_max + 15)
            x = 0.5 * (x1 + x2)
            width = rng.uniform(1.5, 3.0)
            tops = [(t, rng.uniform(1.5, 1.85)) for t in np.linspace(width / 2, -width / 2, 6)]
            template = [(-width / 2, 0), (width / 2, 0)] + tops
            crowd = self.sprite(template, x, z, 1.0, FIGURE_PX_PER_M)
            self.add_group(z, self.make('persongroup', crowd, look='person'))

    def _two_wheelers(self) -> None:
        rng, cam = self.rng, self.cam
        riders = 1 if 'rider' in self.required else int(rng.random() < 0.5)
        need_motorcycle = 'motorcycle' in self.required
        for _ in range(riders + int(rng.random() < 0.3)):
            motor = need_motorcycle or rng.random() < 0.35
            need_motorcycle = False
            x = rng.uniform(self.curbs[0] + 1, self.curbs[1] - 1)
            z = rng.uniform(7, cam.depth_for(FIGURE_PX_PER_M * self.unit))
            if not self.free(x - 1.0, x + 1.0, z - 0.5, z + 0.5):
                continue
            flip = bool(rng.random() < 0.5)
            vehicle = self.make('motorcycle' if motor else 'bicycle',
                                self.sprite(MOTORCYCLE if motor else BICYCLE, x, z, 1.0,
                                            FIGURE_PX_PER_M, flip))
            shift = -0.25 if motor else 0.0  # sits behind a motorcycle's tank
            rider_points = self.sprite([(tx + shift, ty + (0.08 if motor else 0.0))
                                        for tx, ty in RIDER], x, z, 1.0, FIGURE_PX_PER_M, flip)
            self.add_group(z, vehicle, self.make('rider', rider_points))
        parked_bikes = rng.integers(1 if 'bicycle' in self.required else 0, 3)
        parked_motor = int(need_motorcycle) + int(rng.random() < 0.2)
        for label in ['bicycle'] * parked_bikes + ['motorcycle'] * parked_motor:
            side = rng.integers(2)
            x1, x2 = sorted(self.walks[side])
            x = rng.uniform(x1 + 0.5, x2 - 0.5)
            z = rng.uniform(5, cam.depth_for(FIGURE_PX_PER_M * self.unit))
            if not self.free(x - 0.9, x + 0.9, z - 0.4, z + 0.4):
                continue
            template = BICYCLE if label == 'bicycle' else MOTORCYCLE
            self.add_group(z, self.make(label, self.sprite(template, x, z, 1.0, FIGURE_PX_PER_M,
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
                body = self.make(label, self.box(x1, x2, z, z2, height), look,
                                 geometry=('box', x1, x2, z, z2), **params)
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
                                colour=int(rng.integers(len(CAR_COLOURS))))
        if rng.random() < 0.35:
            self._place_vehicle('cargroup', 3.5, 8.0, 1.5, road, (60, 120), look='car',
                                colour=int(rng.integers(len(CAR_COLOURS))))
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

    def _foreground(self) -> List[SceneObject]:
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
