"""Strict checks of COCO keypoint annotation files and detection-result files.

Every number is checked for type, finiteness and range, and image and annotation ids for
uniqueness, when a file is loaded: a NaN keypoint, a visibility of -1, a string score or a
repeated id would otherwise pass into COCOeval (whose index keeps the last entry of a repeated
id) and change the metric without an error. Errors name the file, the entry and the field.

Ranges: image ``width``/``height`` positive integers; boxes ``[x, y, w, h]`` with ``w, h >= 0``;
visibilities in {0, 1, 2}; ``num_keypoints`` the number of labelled keypoints (``v`` > 0);
``iscrowd`` 0 or 1; annotation categories among the file's ``categories``; detection scores in
[0, 1]. Boxes and labelled keypoints (``v`` 1 or 2) must lie within the image widened by its own
width and height on each side (and ``area`` within that region's area): a box may pass the border
(mmpose and HRNet clip it, or skip it when nothing is left), but a coordinate farther away is not a
position in this image. Entries the COCO convention skips (crowd, no labelled keypoint, empty box,
another category, low score) are skipped by the callers after these checks.
"""
from typing import Dict, Optional, Sequence, Set

from micronet_dense.utils.checked_json import (DataFileError, check_fields, check_number,
                                               check_number_list)

VISIBILITIES = (0, 1, 2)


def check_unique_ids(entries: Sequence[dict], path: str, section: str) -> None:
    """Raise naming the first ``id`` that two entries of ``section`` share."""
    seen = set()
    for i, entry in enumerate(entries):
        if entry['id'] in seen:
            raise DataFileError(f"{path}: {section}[{i}] repeats id {entry['id']!r}; ids must be "
                                'unique (COCO tools keep only the last entry of an id)')
        seen.add(entry['id'])


def check_images(images, path: str) -> Dict[int, dict]:
    """``id -> image`` of a COCO ``images`` list with checked ids, file names and sizes."""
    if not isinstance(images, list):
        raise DataFileError(f"{path}: 'images' must be a list, got {type(images).__name__}")
    for i, image in enumerate(images):
        where = f'images[{i}]'
        check_fields(image, ('id', 'file_name', 'width', 'height'), path, where)
        check_number(image['id'], path, f"{where} 'id'", integer=True)
        if not isinstance(image['file_name'], str) or not image['file_name']:
            raise DataFileError(f"{path}: {where} 'file_name' must be a file name, "
                                f"got {image['file_name']!r}")
        for field in ('width', 'height'):
            check_number(image[field], path, f"{where} '{field}'", low=1, integer=True)
    check_unique_ids(images, path, 'images')
    return {image['id']: image for image in images}


def _check_in_widened_image(x, y, image: dict, path: str, where: str) -> None:
    width, height = image['width'], image['height']
    check_number(x, path, f'{where} x', low=-width, high=2 * width)
    check_number(y, path, f'{where} y', low=-height, high=2 * height)


def _check_box(bbox, image: Optional[dict], path: str, where: str) -> None:
    """``[x, y, w, h]`` finite with ``w, h >= 0``; within the widened ``image`` if given."""
    where = f"{where} 'bbox'"
    check_number_list(bbox, 4, path, where)
    x, y, w, h = bbox
    check_number(w, path, f'{where} width', low=0)
    check_number(h, path, f'{where} height', low=0)
    if image is not None:
        _check_in_widened_image(x, y, image, path, f'{where} top-left')
        _check_in_widened_image(x + w, y + h, image, path, f'{where} bottom-right')


def _check_keypoints(keypoints, num_keypoints: Optional[int], image: dict, path: str,
                     where: str) -> None:
    where = f"{where} 'keypoints'"
    if num_keypoints is None:  # any keypoint set: (x, y, v) triples
        if not isinstance(keypoints, list) or len(keypoints) % 3:
            size = len(keypoints) if isinstance(keypoints, list) else type(keypoints).__name__
            raise DataFileError(f'{path}: {where} must be a list of (x, y, v) triples, got {size}')
        num_keypoints = len(keypoints) // 3
    check_number_list(keypoints, 3 * num_keypoints, path, f'{where} ({num_keypoints} x (x, y, v))')
    for k in range(num_keypoints):
        x, y, v = keypoints[3 * k:3 * k + 3]
        if v not in VISIBILITIES:
            raise DataFileError(f'{path}: {where} visibility of keypoint {k} is {v!r}, '
                                f'not one of {VISIBILITIES}')
        if v > 0:  # COCOeval reads the coordinates of labelled keypoints only
            _check_in_widened_image(x, y, image, path, f'{where} keypoint {k}')


def check_category_ids(categories, path: str) -> Set[int]:
    """The ids of a COCO ``categories`` list (integers, unique)."""
    if not isinstance(categories, list):
        raise DataFileError(f"{path}: 'categories' must be a list, got "
                            f'{type(categories).__name__}')
    for i, category in enumerate(categories):
        check_fields(category, ('id', ), path, f'categories[{i}]')
        check_number(category['id'], path, f"categories[{i}] 'id'", integer=True)
    check_unique_ids(categories, path, 'categories')
    return {category['id'] for category in categories}


def check_keypoint_annotations(annotations, images: Dict[int, dict], path: str,
                               num_keypoints: Optional[int], required: Sequence[str],
                               category_ids: Optional[Set[int]] = None,
                               category_id: Optional[int] = None) -> None:
    """Check a COCO ``annotations`` list of person keypoints against its ``images``.

    Args:
        annotations: the file's ``annotations`` list.
        images: ``id -> image`` from :func:`check_images`.
        path: the file, for the messages.
        num_keypoints: K, the keypoints per instance (None: any number of (x, y, v) triples).
        required: fields every annotation must have; the optional ones
            (``num_keypoints``, ``area``, ``iscrowd``, ``category_id``) are checked when present.
        category_ids: the file's category ids (:func:`check_category_ids`), if it lists them:
            COCOeval would silently leave out an annotation of an unlisted category.
        category_id: the category whose keypoints are read; annotations of another (which may
            have another keypoint set) are checked for their ids only.
    """
    if not isinstance(annotations, list):
        raise DataFileError(f"{path}: 'annotations' must be a list, got "
                            f'{type(annotations).__name__}')
    for i, ann in enumerate(annotations):
        check_fields(ann, required, path, f'annotations[{i}]')
        check_number(ann['id'], path, f"annotations[{i}] 'id'", integer=True)
        where = f'annotation id {ann["id"]}'
        check_number(ann['image_id'], path, f"{where} 'image_id'", integer=True)
        if ann['image_id'] not in images:
            raise DataFileError(f'{path}: {where} refers to unknown image_id {ann["image_id"]}')
        if 'category_id' in ann:
            check_number(ann['category_id'], path, f"{where} 'category_id'", integer=True)
            if category_ids is not None and ann['category_id'] not in category_ids:
                raise DataFileError(f"{path}: {where} 'category_id' {ann['category_id']} is not "
                                    f"in the file's categories {sorted(category_ids)}")
        if category_id is not None and ann.get('category_id', category_id) != category_id:
            continue
        image = images[ann['image_id']]
        _check_box(ann['bbox'], image, path, where)
        _check_keypoints(ann['keypoints'], num_keypoints, image, path, where)
        if 'num_keypoints' in ann:
            # COCOeval ignores a person whose num_keypoints is 0, whatever its keypoints say.
            labelled = sum(v > 0 for v in ann['keypoints'][2::3])
            check_number(ann['num_keypoints'], path, f"{where} 'num_keypoints'", low=labelled,
                         high=labelled, integer=True)
        if 'area' in ann:
            check_number(ann['area'], path, f"{where} 'area'", low=0,
                         high=9 * image['width'] * image['height'])
        if 'iscrowd' in ann and ann['iscrowd'] not in (0, 1):
            raise DataFileError(f"{path}: {where} 'iscrowd' must be 0 or 1, got {ann['iscrowd']!r}")
    check_unique_ids(annotations, path, 'annotations')


def check_detection(det, path: str, where: str, num_keypoints: Optional[int] = None,
                    images: Optional[Dict[int, dict]] = None, images_path: str = '') -> None:
    """Check one entry of a COCO detection-result list (``image_id``, ``category_id``,
    ``bbox`` xywh, ``score``; ``keypoints`` if present, K x (x, y, score) when
    ``num_keypoints`` = K is given), against the ``images`` of the annotation file
    ``images_path`` when given (known ``image_id``, box position)."""
    check_fields(det, ('image_id', 'category_id', 'bbox', 'score'), path, where)
    check_number(det['image_id'], path, f"{where} 'image_id'", integer=True)
    if images is not None and det['image_id'] not in images:
        raise DataFileError(f'{path}: {where} refers to image_id {det["image_id"]}, which is not '
                            f"the 'id' of an image in {images_path}")
    check_number(det['category_id'], path, f"{where} 'category_id'", integer=True)
    check_number(det['score'], path, f"{where} 'score'", low=0, high=1)
    _check_box(det['bbox'], None if images is None else images[det['image_id']], path, where)
    if 'keypoints' in det and num_keypoints is not None:
        # A keypoint result file reused for its boxes must still be well-formed.
        check_number_list(det['keypoints'], 3 * num_keypoints, path, f"{where} 'keypoints'")


def check_detections(detections, path: str, num_keypoints: Optional[int] = None,
                     images: Optional[Dict[int, dict]] = None, images_path: str = '') -> list:
    """``detections`` after checking it is a list of valid entries (:func:`check_detection`)."""
    if not isinstance(detections, list):
        raise DataFileError(f'{path}: expected a list of detections, got '
                            f'{type(detections).__name__}')
    for i, det in enumerate(detections):
        check_detection(det, path, f'detection [{i}]', num_keypoints, images, images_path)
    return detections
