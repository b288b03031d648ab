import contextlib
import io
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from micronet_dense.datasets.keypoint_metainfo import parse_keypoint_metainfo
from micronet_dense.datasets.transfer_examples import make_keypoint_example
from micronet_dense.evaluation.functional.oks_nms import oks_iou
from micronet_dense.evaluation.metrics.coco_keypoint_metric import (CocoKeypointMetric,
                                                                     bbox_keypoint_score)
from micronet_dense.registry import METRICS

STAT_NAMES = ['AP', 'AP50', 'AP75', 'APM', 'APL', 'AR', 'AR50', 'AR75', 'ARM', 'ARL']

# (image id, bbox x, y, w, h, iscrowd): 5 images, 8 people, 1 crowd region;
# areas 0.6 * w * h give medium (32² .. 96²) and large (> 96²) objects.
PEOPLE = [
    (1, 20, 30, 60, 120, 0),
    (1, 300, 40, 140, 260, 0),
    (2, 50, 50, 50, 90, 0),
    (2, 250, 60, 120, 220, 0),
    (2, 420, 200, 150, 150, 1),
    (3, 100, 80, 90, 200, 0),
    (4, 30, 40, 70, 150, 0),
    (4, 400, 100, 110, 240, 0),
    (5, 200, 100, 80, 160, 0),
]


def _ground_truth(rng):
    annotations = []
    for ann_id, (img_id, x, y, w, h, crowd) in enumerate(PEOPLE, start=1):
        xy = np.stack([x + rng.uniform(0, w, 17), y + rng.uniform(0, h, 17)], axis=1).round(1)
        vis = rng.choice([0, 1, 2, 2, 2], size=17) if not crowd else np.zeros(17, int)
        xy[vis == 0] = 0
        annotations.append(
            dict(id=ann_id, image_id=img_id, category_id=1, iscrowd=crowd, bbox=[x, y, w, h],
                 area=0.6 * w * h, num_keypoints=int((vis > 0).sum()),
                 keypoints=np.concatenate([xy, vis[:, None]], axis=1).reshape(-1).tolist()))
    return dict(
        images=[dict(id=i, width=640, height=480, file_name=f'{i:012d}.jpg') for i in range(1, 6)],
        categories=[dict(id=1, name='person', supercategory='person')],
        annotations=annotations)


def _predictions(gt, rng):
    """One noisy prediction per non-crowd person except on image 5, a false positive
    on image 1 and a near-duplicate (index 8, of index 6) on image 4."""
    preds = []
    for ann in gt['annotations']:
        if ann['iscrowd'] or ann['image_id'] == 5:
            continue
        x, y, w, h = ann['bbox']
        kpts = np.array(ann['keypoints'], dtype=np.float64).reshape(17, 3)
        xy = kpts[:, :2] + rng.normal(0, 0.04 * np.sqrt(w * h), (17, 2))
        hidden = kpts[:, 2] == 0
        xy[hidden] = [x + w / 2, y + h / 2] + rng.normal(0, 10, (hidden.sum(), 2))
        preds.append(dict(img_id=ann['image_id'], bbox_score=rng.uniform(0.5, 1.0),
                          area=1.5625 * w * h, keypoints=xy,
                          keypoint_scores=rng.uniform(0.0, 1.0, 17)))
    preds.append(dict(img_id=1, bbox_score=0.55, area=5000.0,
                      keypoints=np.array([[560.0, 300.0]]) + rng.uniform(0, 60, (17, 2)),
                      keypoint_scores=rng.uniform(0.0, 1.0, 17)))
    original = preds[6]
    assert original['img_id'] == 4
    preds.append(dict(img_id=4, bbox_score=original['bbox_score'] - 0.05,
                      area=original['area'],
                      keypoints=original['keypoints'] + rng.normal(0, 0.3, (17, 2)),
                      keypoint_scores=original['keypoint_scores'].copy()))
    return preds


@pytest.fixture
def coco_data(tmp_path):
    rng = np.random.default_rng(0)
    gt = _ground_truth(rng)
    ann_file = tmp_path / 'person_keypoints.json'
    ann_file.write_text(json.dumps(gt))
    return str(ann_file), _predictions(gt, rng)


def _add(metric, preds):
    metric.add_instances([p['img_id'] for p in preds], [p['bbox_score'] for p in preds],
                         [p['area'] for p in preds], np.stack([p['keypoints'] for p in preds]),
                         np.stack([p['keypoint_scores'] for p in preds]))


def _coco_entries(preds, scores):
    return [
        dict(image_id=p['img_id'], category_id=1, score=float(s),
             keypoints=np.concatenate([p['keypoints'], p['keypoint_scores'][:, None]],
                                      axis=1).reshape(-1).tolist())
        for p, s in zip(preds, scores)
    ]


def _cocoeval_stats(ann_file, results):
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(ann_file)
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(results), 'keypoints')
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return dict(zip(STAT_NAMES, coco_eval.stats))


def _hand_rescore(bbox_score, keypoint_scores, thr=0.2):
    confident = [s for s in keypoint_scores if s > thr]
    return bbox_score * (sum(confident) / len(confident) if confident else 0.0)


def _assert_stats_equal(metrics, expected):
    assert list(metrics) == STAT_NAMES
    for name in STAT_NAMES:
        assert metrics[name] == pytest.approx(expected[name], abs=1e-9), name


def test_bbox_scores_without_nms_equal_cocoeval(coco_data, tmp_path):
    ann_file, preds = coco_data
    metric = CocoKeypointMetric(ann_file, score_mode='bbox', nms_mode='none',
                                outfile_prefix=str(tmp_path / 'out' / 'plain'))
    _add(metric, preds)
    metrics = metric.compute_metrics(metric.results)

    expected = _cocoeval_stats(ann_file, _coco_entries(preds, [p['bbox_score'] for p in preds]))
    _assert_stats_equal(metrics, expected)
    assert 0.2 < metrics['AP'] < 0.95 and metrics['APM'] > 0 and metrics['APL'] > 0
    # The written file evaluates to the same numbers.
    _assert_stats_equal(metrics, _cocoeval_stats(ann_file, str(tmp_path / 'out' /
                                                               'plain.keypoints.json')))


def test_rescoring_and_oks_nms_equal_cocoeval_of_hand_filtered_results(coco_data, tmp_path):
    ann_file, preds = coco_data
    duplicate, original = preds[8], preds[6]
    assert oks_iou(original['keypoints'], duplicate['keypoints'][None], original['area'],
                   np.array([duplicate['area']]))[0] > 0.9
    metric = CocoKeypointMetric(ann_file, outfile_prefix=str(tmp_path / 'nms'))
    _add(metric, preds)
    metrics = metric.compute_metrics(metric.results)

    survivors = preds[:8]
    expected = _cocoeval_stats(
        ann_file,
        _coco_entries(survivors, [_hand_rescore(p['bbox_score'], p['keypoint_scores'])
                                  for p in survivors]))
    _assert_stats_equal(metrics, expected)

    written = json.loads((tmp_path / 'nms.keypoints.json').read_text())
    assert len(written) == 8
    assert sorted(e['score'] for e in written) == pytest.approx(
        sorted(_hand_rescore(p['bbox_score'], p['keypoint_scores']) for p in survivors),
        abs=1e-12)


def test_bbox_keypoint_score_hand_computed():
    scores = bbox_keypoint_score(
        np.array([0.8, 0.5, 0.9]),
        np.array([[0.1, 0.3, 0.5, 0.2, 0.9], [0.1, 0.2, 0.05, 0.0, 0.15], [1.0] * 5]), 0.2)
    np.testing.assert_allclose(scores, [0.8 * (0.3 + 0.5 + 0.9) / 3, 0.0, 0.9], rtol=0,
                               atol=1e-12)


def test_process_accepts_tensors_and_deduplicates_ids(coco_data, tmp_path):
    ann_file, preds = coco_data

    def samples(indices):
        return [
            dict(img_id=preds[i]['img_id'], id=100 + i,
                 bbox_score=np.array([preds[i]['bbox_score']]), area=preds[i]['area'],
                 pred_instances=dict(
                     keypoints=torch.from_numpy(preds[i]['keypoints'][None]),
                     keypoint_scores=torch.from_numpy(preds[i]['keypoint_scores'][None])))
            for i in indices
        ]

    metric = CocoKeypointMetric(ann_file, score_mode='bbox', nms_mode='none',
                                outfile_prefix=str(tmp_path / 'dedup'))
    metric.process({}, samples(range(9)))
    # Sampler padding repeats the first samples under the same ids.
    metric.process({}, samples([0, 1, 2]))
    assert len(metric.results) == 12
    metrics = metric.evaluate(size=12)

    assert len(json.loads((tmp_path / 'dedup.keypoints.json').read_text())) == 9
    expected = _cocoeval_stats(ann_file, _coco_entries(preds, [p['bbox_score'] for p in preds]))
    assert list(metrics) == [f'coco/{name}' for name in STAT_NAMES]
    for name in STAT_NAMES:
        assert metrics[f'coco/{name}'] == pytest.approx(expected[name], abs=1e-9)
    assert metric.results == []


def test_results_json_is_valid_and_written_atomically(coco_data, tmp_path):
    ann_file, preds = coco_data
    out_dir = tmp_path / 'results'
    metric = CocoKeypointMetric(ann_file, nms_mode='none', outfile_prefix=str(out_dir / 'run'))
    _add(metric, preds[:2])
    metric.compute_metrics(metric.results)

    assert sorted(p.name for p in out_dir.iterdir()) == ['run.keypoints.json']
    written = json.loads((out_dir / 'run.keypoints.json').read_text())
    assert [set(e) for e in written] == [{'image_id', 'category_id', 'keypoints', 'score'}] * 2
    for entry, pred in zip(written, preds[:2]):
        assert entry['image_id'] == 1 and entry['category_id'] == 1
        assert len(entry['keypoints']) == 51
        np.testing.assert_array_equal(
            np.array(entry['keypoints']).reshape(17, 3),
            np.concatenate([pred['keypoints'], pred['keypoint_scores'][:, None]], axis=1))
        assert entry['score'] == pytest.approx(
            _hand_rescore(pred['bbox_score'], pred['keypoint_scores']), abs=1e-12)


def test_temporary_outfile_is_removed_and_summary_logged(coco_data, tmp_path, monkeypatch):
    ann_file, preds = coco_data
    scratch = tmp_path / 'scratch'
    scratch.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(scratch))
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        metric = METRICS.build(dict(type='CocoKeypointMetric', ann_file=ann_file))
        _add(metric, preds)
        metric.compute_metrics(metric.results)
    finally:
        logger.removeHandler(handler)
    assert list(scratch.iterdir()) == []
    assert any('Average Precision  (AP) @[ IoU=0.50:0.95' in r.getMessage() for r in records)


def test_empty_predictions_raise(coco_data):
    metric = CocoKeypointMetric(coco_data[0])
    with pytest.raises(ValueError, match='no predictions were collected'):
        metric.compute_metrics([])
    with pytest.raises(ValueError, match='no predictions were collected'):
        metric.evaluate(size=0)


def test_unknown_image_and_bad_shapes_raise(coco_data):
    ann_file, preds = coco_data
    metric = CocoKeypointMetric(ann_file)
    metric.add_instances([99], [0.9], [100.0], preds[0]['keypoints'][None],
                         preds[0]['keypoint_scores'][None])
    with pytest.raises(ValueError, match=r'image ids absent.*\[99\]'):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match='keypoint_scores'):
        metric.add_instances([1], [0.9], [100.0], preds[0]['keypoints'][None],
                             preds[0]['keypoint_scores'])
    with pytest.raises(ValueError, match='1 instance per sample'):
        metric.process({}, [dict(img_id=1, id=1, bbox_score=1.0, area=1.0,
                                 pred_instances=dict(keypoints=np.zeros((2, 17, 2)),
                                                     keypoint_scores=np.zeros((2, 17))))])
    with pytest.raises(KeyError, match='area'):
        metric.process({}, [dict(img_id=1, id=1, bbox_score=1.0,
                                 pred_instances=dict(keypoints=np.zeros((1, 17, 2)),
                                                     keypoint_scores=np.zeros((1, 17))))])


def test_bad_annotation_files_name_the_file(tmp_path):
    missing = tmp_path / 'nowhere.json'
    with pytest.raises(FileNotFoundError, match='nowhere.json'):
        CocoKeypointMetric(str(missing))
    broken = tmp_path / 'broken.json'
    broken.write_text('{"images": [')
    with pytest.raises(ValueError, match='broken.json.*not valid JSON'):
        CocoKeypointMetric(str(broken))
    no_anns = tmp_path / 'no_anns.json'
    no_anns.write_text(json.dumps(dict(images=[], categories=[])))
    with pytest.raises(ValueError, match="no_anns.json has no 'annotations'"):
        CocoKeypointMetric(str(no_anns))
    with pytest.raises(ValueError, match='score_mode'):
        CocoKeypointMetric(str(no_anns), score_mode='keypoint')


@pytest.mark.parametrize('field, value', [('num_keypoints', 0), ('iscrowd', 1)])
def test_ground_truth_without_evaluable_people_is_an_error(coco_data, tmp_path, field, value):
    # COCOeval itself would return -1 for every statistic.
    with open(coco_data[0]) as f:
        gt = json.load(f)
    for ann in gt['annotations']:
        ann[field] = value
    path = tmp_path / 'unlabelled.json'
    path.write_text(json.dumps(gt))
    with pytest.raises(ValueError, match=r'unlabelled\.json has no non-crowd person with labelled '
                                         r'keypoints: keypoint AP/AR would be undefined'):
        CocoKeypointMetric(str(path))


def _direct_cocoeval(ann_file, results, sigmas, category_id):
    """pycocotools' own evaluation of ``results``, with the given sigmas and category."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        coco_eval = COCOeval(gt, gt.loadRes(results), 'keypoints')
        coco_eval.params.kpt_oks_sigmas = np.array(sigmas)
        coco_eval.params.catIds = [category_id]
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return dict(zip(STAT_NAMES, coco_eval.stats))


def test_other_keypoint_set_equals_direct_cocoeval_with_its_sigmas(tmp_path):
    """5-keypoint birds of category 3: the metric (with the dataset metainfo a runner hands it)
    equals COCOeval run here with the description's sigmas, and those sigmas matter."""
    description = str(Path(__file__).parents[2] / 'configs/_base_/keypoint_sets/birds.py')
    make_keypoint_example(str(tmp_path), description, num_train=1, num_val=6, seed=3)
    ann_file = str(tmp_path / 'annotations' / 'val.json')
    with open(ann_file) as f:
        annotations = json.load(f)['annotations']
    meta = parse_keypoint_metainfo(dict(from_file=description))
    rng = np.random.default_rng(0)
    keypoints = np.array([a['keypoints'] for a in annotations]).reshape(-1, 5, 3)[..., :2]
    keypoints = keypoints + rng.normal(0, 2.5, keypoints.shape)
    metric = CocoKeypointMetric(ann_file, outfile_prefix=str(tmp_path / 'res'))
    metric.dataset_meta = meta
    metric.add_instances([a['image_id'] for a in annotations], rng.uniform(0.5, 1, len(annotations)),
                         [a['area'] for a in annotations], keypoints,
                         rng.uniform(0.3, 1, keypoints.shape[:2]), ids=[a['id'] for a in annotations])
    ours = metric.evaluate(size=len(annotations))
    with open(tmp_path / 'res.keypoints.json') as f:
        results = json.load(f)
    assert {r['category_id'] for r in results} == {3}
    direct = _direct_cocoeval(ann_file, results, meta['sigmas'], 3)
    for name in STAT_NAMES:
        assert ours[f'coco/{name}'] == pytest.approx(direct[name], abs=1e-9)
    assert 0 < ours['coco/AP'] < 1
    wider = _direct_cocoeval(ann_file, results, [2 * s for s in meta['sigmas']], 3)
    assert wider['AP'] != pytest.approx(ours['coco/AP'], abs=1e-3)
