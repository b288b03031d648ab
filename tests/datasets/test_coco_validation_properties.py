"""Property: one bad field in a valid annotation or detection file never changes the metric.

Each example perturbs one field of one entry (NaN, ±Inf, a far negative number, a wrong type, a
repeated id, a huge number) and runs what ``tools/test.py`` runs on the two files — the dataset in
detection mode and the COCO keypoint metric — with fixed predictions (no model). The outcome must
be an error naming the file and the field, or the unperturbed metric; for a detection the COCO
convention skips (another category), the metric without that detection.
"""
import functools
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micronet_dense.datasets.coco_keypoint import CocoKeypointDataset
from micronet_dense.evaluation.metrics.coco_keypoint_metric import CocoKeypointMetric
from micronet_dense.utils.checked_json import DataFileError

WIDTH, HEIGHT = 640, 480
# (image id, x, y, w, h) of each person; the last one is a crowd region.
PEOPLE = [(1, 40, 30, 120, 300), (1, 300, 60, 150, 320), (2, 100, 50, 200, 380), (2, 0, 0, 300, 200)]


def annotation_file() -> dict:
    rng = np.random.default_rng(0)
    annotations = []
    for ann_id, (image_id, x, y, w, h) in enumerate(PEOPLE, start=1):
        crowd = ann_id == len(PEOPLE)
        visible = np.zeros(17, int) if crowd else rng.choice([0, 2, 2, 1], size=17)
        xy = np.stack([x + rng.uniform(0, w, 17), y + rng.uniform(0, h, 17)], 1).round(1)
        xy[visible == 0] = 0
        annotations.append(dict(
            id=ann_id, image_id=image_id, category_id=1, iscrowd=int(crowd), bbox=[x, y, w, h],
            area=0.6 * w * h, num_keypoints=int((visible > 0).sum()),
            keypoints=np.concatenate([xy, visible[:, None]], 1).reshape(-1).tolist()))
    return dict(images=[dict(id=i, file_name=f'{i:012d}.jpg', width=WIDTH, height=HEIGHT)
                        for i in (1, 2)],
                annotations=annotations, categories=[dict(id=1, name='person')])


def detection_file() -> list:
    detections = [dict(image_id=image_id, category_id=1, bbox=[x + 5, y - 4, w - 8, h + 6],
                       score=score)
                  for (image_id, x, y, w, h), score in zip(PEOPLE[:3], (0.9, 0.8, 0.7))]
    detections.append(dict(image_id=2, category_id=1, bbox=[400, 100, 60, 90], score=0.6))
    detections.append(dict(image_id=1, category_id=3, bbox=[10, 10, 50, 50], score=0.95))
    return detections


def predicted_keypoints(image_id: int, bbox) -> np.ndarray:
    """Fixed (17, 2) predictions of a detection box: the annotated person it covers, shifted."""
    for (person_image, x, y, w, h), ann in zip(PEOPLE, annotation_file()['annotations']):
        if person_image == image_id and abs(bbox[0] - x - 5) < 1e-3 and abs(bbox[1] - y + 4) < 1e-3:
            return np.array(ann['keypoints'], float).reshape(17, 3)[:, :2] + 3.0
    x1, y1, x2, y2 = bbox
    return np.stack([np.linspace(x1, x2, 17), np.linspace(y1, y2, 17)], 1)


def metric_of(tmp_path, annotations: dict, detections: list) -> dict:
    ann_file, det_file = tmp_path / 'person_keypoints.json', tmp_path / 'detections.json'
    ann_file.write_text(json.dumps(annotations))
    det_file.write_text(json.dumps(detections))
    dataset = CocoKeypointDataset(ann_file=str(ann_file), bbox_file=str(det_file),
                                  bbox_score_thr=0.3, test_mode=True, data_prefix=dict(img=''))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    metric = CocoKeypointMetric(str(ann_file))
    metric.add_instances(
        img_ids=[info['img_id'] for info in infos],
        bbox_scores=[float(info['bbox_score'][0]) for info in infos],
        areas=[info['area'] for info in infos],
        keypoints=np.stack([predicted_keypoints(info['img_id'], info['bbox'][0]) for info in infos]),
        keypoint_scores=np.full((len(infos), 17), 0.8),
        ids=[info['id'] for info in infos])
    return metric.compute_metrics(metric.results)


@functools.lru_cache(maxsize=1)
def _unperturbed_metric(folder) -> tuple:
    return tuple(metric_of(folder, annotation_file(), detection_file()).items())


def unperturbed_metric(tmp_path) -> dict:
    return dict(_unperturbed_metric(tmp_path.parent / tmp_path.name))


# Paths to every number- or id-valued field: (file, section, index, key, element or None).
FIELDS = (
    [('annotations', 'images', i, key, None) for i in range(2)
     for key in ('id', 'width', 'height', 'file_name')]
    + [('annotations', 'annotations', i, key, None) for i in range(len(PEOPLE))
       for key in ('id', 'image_id', 'category_id', 'iscrowd', 'area', 'num_keypoints')]
    + [('annotations', 'annotations', i, 'bbox', e) for i in range(len(PEOPLE)) for e in range(4)]
    + [('annotations', 'annotations', i, 'keypoints', e) for i in range(len(PEOPLE))
       for e in range(0, 51, 4)]
    + [('detections', None, i, key, None) for i in range(5)
       for key in ('image_id', 'category_id', 'score')]
    + [('detections', None, i, 'bbox', e) for i in range(5) for e in range(4)])
PERTURBATIONS = ('nan', 'inf', '-inf', 'negative', 'string', 'null', 'duplicate id', 'huge')
CONSTANTS = {'nan': 'NaN', 'inf': 'Infinity', '-inf': '-Infinity'}


def perturbed_value(value, kind: str, siblings: list, key: str):
    if kind == 'negative':
        return -10**6 if isinstance(value, int) else -1e6
    if kind == 'huge':
        return 10**12 if isinstance(value, int) else 1e12
    if kind == 'string':
        return str(value)
    if kind == 'null':
        return None
    if kind == 'duplicate id':  # the value of the same field in another entry
        return next((entry[key] for entry in siblings if entry.get(key) != value), value)
    return f'@{kind}@'  # a marker replaced by the JSON constant after dumping


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), kind=st.sampled_from(PERTURBATIONS))
def test_one_bad_field_is_an_error_or_leaves_the_metric(tmp_path, field, kind):
    which, section, index, key, element = field
    assume(kind != 'duplicate id' or key == 'id')  # other fields may repeat a value
    annotations, detections = annotation_file(), detection_file()
    entries = detections if which == 'detections' else annotations[section]
    entry = entries[index]
    old = entry[key] if element is None else entry[key][element]
    new = perturbed_value(old, kind, entries, key)
    if element is None:
        entry[key] = new
    else:
        entry[key][element] = new
    ann_text, det_text = json.dumps(annotations), json.dumps(detections)
    for marker, constant in CONSTANTS.items():
        ann_text = ann_text.replace(f'"@{marker}@"', constant)
        det_text = det_text.replace(f'"@{marker}@"', constant)
    path = tmp_path / ('person_keypoints.json' if which == 'annotations' else 'detections.json')
    try:
        metric = metric_of(tmp_path, json.loads(ann_text, parse_constant=float),
                           json.loads(det_text, parse_constant=float))
    except DataFileError as error:
        message = str(error)
        assert str(path) in message, message
        assert f"'{key}'" in message or re.search(rf'\b{key}\b', message), message
        return
    expected = [unperturbed_metric(tmp_path)]
    if which == 'detections':  # skipped by convention: as if it were not there
        without = detection_file()
        del without[index]
        expected.append(metric_of(tmp_path, annotation_file(), without))
    assert any(metric == e for e in expected), (field, kind, metric, expected)


def test_the_unperturbed_files_give_a_metric_between_0_and_1(tmp_path):
    metric = metric_of(tmp_path, annotation_file(), detection_file())
    assert 0.2 < metric['AP'] < 1  # the fixed predictions are good, not perfect


@pytest.mark.parametrize('kind, value', [('nan keypoint', float('nan')), ('visibility', -1)])
def test_the_reported_silent_cases_are_errors(tmp_path, kind, value):
    annotations = annotation_file()
    keypoints = annotations['annotations'][0]['keypoints']
    keypoints[2 if kind == 'visibility' else 0] = value
    with pytest.raises(DataFileError, match=r"person_keypoints\.json: .*'keypoints'"):
        metric_of(tmp_path, annotations, detection_file())
