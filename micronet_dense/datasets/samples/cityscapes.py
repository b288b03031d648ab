"""A synthetic Cityscapes sample in the official file format: street scenes + gtFine polygons.

Layout under ``out_dir``, as the official archives (label maps in train ids are left to
``tools/dataset_converters/cityscapes.py``, exactly as for the real set)::

    leftImg8bit/{train,val}/<city>/<city>_<seq:06d>_000019_leftImg8bit.png
    gtFine/{train,val}/<city>/<city>_<seq:06d>_000019_gtFine_polygons.json
    gtFine/{train,val}/<city>/<city>_<seq:06d>_000019_gtFine_labelIds.png
    disparity/{train,val}/<city>/<city>_<seq:06d>_000019_disparity.png
    camera/{train,val}/<city>/<city>_<seq:06d>_000019_camera.json
    cityscapes_sample.json    manifest, written last (see :func:`is_complete`)

Each scene is seen by a pinhole camera 1.22 m above a straight street (Cityscapes' rig):
sky, facades, walls/fences/hedges, road with sidewalks and verges, and depth-sorted
poles with signs and lights, trees, persons, riders on bicycles/motorcycles, parked
bicycles, cars, trucks, buses, trams, void objects and the ego vehicle. Every one of the
19 train classes appears in each split. Classes get their own colour family and a
texture laid out in world metres (windows, bricks, slats, tiles, lane marks), plus
moderate lighting and sensor noise, so a small CNN learns them in minutes.

The label-id PNG is the polygons rasterised with PIL's ``ImageDraw.polygon`` in file
order, as cityscapesscripts' ``json2labelImg`` does, so the converter reproduces it. The
disparity map holds the depth of the same drawn surfaces (``street_depth``), so the sample
serves segmentation, depth, or both.
"""
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from micronet_dense.datasets.cityscapes_conversion import POLYGONS_SUFFIX
from micronet_dense.datasets.cityscapes_labels import (NAME_TO_LABEL, TRAIN_CLASSES,
                                                       label_ids_to_train_ids, resolve_label)
from micronet_dense.utils.atomic_io import write_bytes_atomic, write_image_atomic

from .street_depth import STEREO_BASELINE_M, camera_json, encode_disparity, render_depth
from .street_layout import REFERENCE_SIZE
from .street_painters import paint_scene
from .street_scene import StreetSceneBuilder

SPLIT_CITIES: Dict[str, Tuple[str, ...]] = {
    'train': ('aachen', 'bochum', 'bremen', 'cologne'),
    'val': ('frankfurt', 'lindau', 'munster'),
}
REDUCED_SIZE = REFERENCE_SIZE  # (H, W)
FULL_SIZE = (1024, 2048)
IMAGE_SUFFIX = '_leftImg8bit.png'
LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
DISPARITY_SUFFIX = '_disparity.png'
CAMERA_SUFFIX = '_camera.json'
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


def _render(rng: np.random.Generator, height: int, width: int,
            required: Sequence[str]) -> Tuple[Dict, np.ndarray, np.ndarray, np.ndarray, Dict]:
    """A scene whose label map shows every ``required`` train class: (polygons JSON, label ids,
    RGB, uint16 disparity, camera JSON)."""
    min_pixels = _MIN_VISIBLE_PIXELS * height * width / (REDUCED_SIZE[0] * REDUCED_SIZE[1])
    required_ids = [TRAIN_CLASSES.index(name) for name in required]
    for _ in range(_MAX_SCENE_ATTEMPTS):
        builder = StreetSceneBuilder(rng, height, width, required)
        objects = builder.build()
        annotation = {'imgHeight': height, 'imgWidth': width,
                      'objects': [obj.to_json() for obj in objects]}
        label_ids = rasterize_label_ids(annotation)
        counts = np.bincount(label_ids_to_train_ids(label_ids).ravel(), minlength=256)
        if all(counts[train_id] >= min_pixels for train_id in required_ids):
            image = paint_scene(rng, objects, builder.cam, builder.unit)
            camera = camera_json(builder.cam)
            disparity = encode_disparity(render_depth(objects, builder.cam), STEREO_BASELINE_M,
                                         camera['intrinsic']['fx'])
            return annotation, label_ids, image, disparity, camera
    raise RuntimeError(f'no scene showing all of {list(required)} in {_MAX_SCENE_ATTEMPTS} '
                       f'attempts')


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
                               ('gtFine', POLYGONS_SUFFIX), ('disparity', DISPARITY_SUFFIX),
                               ('camera', CAMERA_SUFFIX)))


def make_cityscapes_sample(out_dir: str, num_train: int = 40, num_val: int = 12, seed: int = 0,
                           full_resolution: bool = False,
                           progress: bool = True) -> Dict[str, List[str]]:
    """Write a synthetic Cityscapes sample (see the module docstring) under ``out_dir``.

    Deterministic: the same arguments give byte-identical files. Every file is written
    through a temporary file and renamed; per image the polygons JSON comes last and the
    manifest after all images, so :func:`is_complete` tells a finished sample from one
    cut short. A complete sample made with the same arguments is kept as it is; one made
    before the sample had disparity and camera files is written anew (same images and labels).

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
        annotation, label_ids, image, disparity, camera = _render(rng, height, width, required)
        image_base = osp.join(out_dir, 'leftImg8bit', split, name)
        gt_base = osp.join(out_dir, 'gtFine', split, name)
        write_image_atomic(image_base + IMAGE_SUFFIX, image[..., ::-1])
        write_image_atomic(gt_base + LABEL_IDS_SUFFIX, label_ids)
        write_image_atomic(osp.join(out_dir, 'disparity', split, name) + DISPARITY_SUFFIX,
                           disparity)
        write_bytes_atomic(osp.join(out_dir, 'camera', split, name) + CAMERA_SUFFIX,
                           json.dumps(camera, indent=4).encode('utf-8'))
        write_bytes_atomic(gt_base + POLYGONS_SUFFIX,
                           json.dumps(annotation, indent=4).encode('utf-8'))
    write_bytes_atomic(manifest_path, json.dumps(manifest, indent=2).encode('utf-8'))
    return samples
