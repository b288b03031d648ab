"""Deterministic COCO-2017 person-keypoints sample with rendered cartoon people.

``make_coco_sample`` writes COCO's on-disk layout::

    out_dir/train2017/000000000001.jpg ...
    out_dir/val2017/...
    out_dir/annotations/person_keypoints_{train,val}2017.json
    out_dir/person_detection_results/COCO_{train,val}2017_detections_AP_H_56_person.json

so the whole pose pipeline (dataset, top-down crops from detections, OKS evaluation) runs
without COCO. The person's left limbs, eye and ear are drawn in blue hues and the right ones
in red/orange hues: left/right must be read from appearance, not position, because a quarter
of the figures are seen from behind and a horizontal flip swaps both colours and labels.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO, coco_category
from micronet_dense.utils.atomic_io import write_bytes_atomic

from .person_scene import render_annotated_image
from .simulated_detections import simulate_person_detections

# The person category as COCO's annotation files write it, from the one COCO description.
COCO_PERSON_CATEGORY = dict(supercategory='person', **coco_category(COCO_PERSON_METAINFO))

SPLITS = ('train', 'val')
# Leading bytes of every annotation file written here; a file without them is someone else's.
SAMPLE_DESCRIPTION = 'micronet_dense synthetic COCO person keypoints sample'

_MAX_PERSONS = 4


def _split_schedule(rng: np.random.Generator, num_images: int) -> List[Tuple[int, bool]]:
    """(number of persons, has crowd) per image; at least one empty and one crowd image per
    split of two or more, so every split exercises both cases."""
    num_persons = rng.choice(np.arange(1, _MAX_PERSONS + 1), num_images, p=[0.3, 0.3, 0.25, 0.15])
    crowd = np.zeros(num_images, bool)
    if num_images >= 2:
        order = rng.permutation(num_images)
        num_empty = max(1, round(0.08 * num_images))
        num_crowd = max(1, round(0.12 * num_images))
        num_persons[order[:num_empty]] = 0
        crowd[order[num_empty:num_empty + num_crowd]] = True
    return [(int(n), bool(c)) for n, c in zip(num_persons, crowd)]


def annotation_path(out_dir: str, split: str) -> str:
    """``out_dir/annotations/person_keypoints_{split}2017.json``."""
    return osp.join(out_dir, 'annotations', f'person_keypoints_{split}2017.json')


def detection_path(out_dir: str, split: str) -> str:
    """The person detection results, named like the file real users download for val."""
    return osp.join(out_dir, 'person_detection_results',
                    f'COCO_{split}2017_detections_AP_H_56_person.json')


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(',', ':')).encode('utf-8')


def _check_not_foreign(out_dir: str) -> None:
    """Refuse to overwrite annotation files this module did not write (e.g. real COCO)."""
    marker = _json_bytes(dict(info=dict(description=SAMPLE_DESCRIPTION)))[:-2]
    for split in SPLITS:
        path = annotation_path(out_dir, split)
        if osp.exists(path):
            with open(path, 'rb') as f:
                head = f.read(len(marker))
            if head != marker:
                raise FileExistsError(
                    f'{path}: not written by make_coco_sample (its info.description differs); '
                    'refusing to overwrite it, choose another out_dir')


def _validate(num_train_images: int, num_val_images: int, seed: int,
              image_size: Tuple[int, int]) -> None:
    for name, value in (('num_train_images', num_train_images),
                        ('num_val_images', num_val_images), ('seed', seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f'{name} must be a non-negative int, got {value!r}')
    if (len(image_size) != 2 or not all(isinstance(v, (int, np.integer)) for v in image_size)
            or min(image_size) < 64):
        raise ValueError(f'image_size must be (width, height) ints >= 64, got {image_size!r}')


def make_coco_sample(out_dir: str, num_train_images: int = 160, num_val_images: int = 40,
                     seed: int = 0, image_size: Tuple[int, int] = (320, 240),
                     progress: bool = True) -> Dict[str, Dict[str, int]]:
    """Write a synthetic COCO-2017 person-keypoints sample to ``out_dir`` (layout: module doc).

    Same arguments give byte-identical files. Annotation files are written last and removed
    first, so ``is_complete`` is False for an interrupted run. Persons are 0-4 per image,
    ~60-230 px tall at 240 px image height, may overlap (hidden joints v=1) or be cut by the
    frame (v=0); some images have a crowd region (iscrowd=1, RLE) or nobody.

    Args:
        image_size: (width, height) of every image in pixels.

    Returns:
        ``{split: {'images': int, 'persons': int, 'crowd_regions': int}}``.
    """
    _validate(num_train_images, num_val_images, seed, image_size)
    size = (int(image_size[0]), int(image_size[1]))
    _check_not_foreign(out_dir)
    for split in SPLITS:
        for path in (annotation_path(out_dir, split), detection_path(out_dir, split)):
            if osp.exists(path):
                os.remove(path)
    for folder in ('annotations', 'person_detection_results', *(f'{s}2017' for s in SPLITS)):
        os.makedirs(osp.join(out_dir, folder), exist_ok=True)

    num_images = dict(train=num_train_images, val=num_val_images)
    datasets, detections, counts = {}, {}, {}
    # COCO-like ids: unique across splits, file names are the 12-digit zero-padded id.
    next_image_id, next_ann_id = 1, 1
    with tqdm(total=sum(num_images.values()), desc='coco sample', unit='img',
              disable=not progress) as bar:
        for split_index, split in enumerate(SPLITS):
            streams = np.random.SeedSequence([seed, split_index]).spawn(num_images[split] + 1)
            schedule = _split_schedule(np.random.default_rng(streams[0]), num_images[split])
            images, annotations, split_detections = [], [], []
            for stream, (num_persons, with_crowd) in zip(streams[1:], schedule):
                image_rng, detection_rng = map(np.random.default_rng, stream.spawn(2))
                image, image_annotations = render_annotated_image(image_rng, size, num_persons,
                                                                  with_crowd)
                file_name = f'{next_image_id:012d}.jpg'
                ok, jpeg = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, 92])
                if not ok:
                    raise RuntimeError(f'OpenCV failed to encode {file_name}')
                write_bytes_atomic(osp.join(out_dir, f'{split}2017', file_name), jpeg.tobytes())
                images.append(dict(license=1, file_name=file_name, coco_url='',
                                   height=size[1], width=size[0], date_captured='',
                                   flickr_url='', id=next_image_id))
                for ann in image_annotations:
                    annotations.append(dict(ann, image_id=next_image_id, id=next_ann_id))
                    next_ann_id += 1
                split_detections += simulate_person_detections(
                    detection_rng, next_image_id, image_annotations, size)
                next_image_id += 1
                bar.update()
            datasets[split] = dict(
                info=dict(description=SAMPLE_DESCRIPTION, url='', version='1.0', year=2017,
                          contributor='micronet_dense make_coco_sample', date_created='',
                          seed=seed),
                licenses=[dict(url='', id=1, name='synthetic images, no restrictions')],
                images=images, annotations=annotations, categories=[COCO_PERSON_CATEGORY])
            detections[split] = split_detections
            counts[split] = dict(images=len(images),
                                 persons=sum(1 for a in annotations if not a['iscrowd']),
                                 crowd_regions=sum(1 for a in annotations if a['iscrowd']))
    for split in SPLITS:
        write_bytes_atomic(detection_path(out_dir, split), _json_bytes(detections[split]))
    for split in SPLITS:
        write_bytes_atomic(annotation_path(out_dir, split), _json_bytes(datasets[split]))
    return counts


def is_complete(out_dir: str, num_train_images: Optional[int] = None,
                num_val_images: Optional[int] = None, seed: Optional[int] = None,
                image_size: Optional[Tuple[int, int]] = None) -> bool:
    """True when ``out_dir`` holds a finished sample: both annotation files parse, every image
    they list exists, and the detection files exist; and, for each of the other arguments given,
    the sample was generated with that value (a sample of another size or seed is not the one
    asked for)."""
    wanted_images = dict(train=num_train_images, val=num_val_images)
    for split in SPLITS:
        if not osp.isfile(detection_path(out_dir, split)):
            return False
        try:
            with open(annotation_path(out_dir, split), 'rb') as f:
                dataset = json.load(f)
            images, stored_seed = dataset['images'], dataset['info']['seed']
            files = [osp.join(out_dir, f'{split}2017', image['file_name']) for image in images]
            sizes = {(image['width'], image['height']) for image in images}
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if wanted_images[split] is not None and len(images) != wanted_images[split]:
            return False
        if seed is not None and stored_seed != seed:
            return False
        if image_size is not None and images and sizes != {tuple(image_size)}:
            return False
        if not all(osp.isfile(path) for path in files):
            return False
    return True
