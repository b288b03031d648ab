"""The synthetic data of benchmarks/evaluation.py evaluates to known scores."""
import json
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger

from benchmarks.evaluation import (evaluate_pose, evaluate_segmentation, pose_predictions,
                                   segmentation_samples, synthetic_coco_keypoints)
from micronet_dense.evaluation.metrics import CocoKeypointMetric, IoUMetric


@pytest.fixture(autouse=True)
def quiet_logger():
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def test_exact_pose_predictions_score_ap_1_after_oks_nms_drops_every_duplicate(tmp_path):
    gt = synthetic_coco_keypoints(num_people=240, num_images=60, seed=1)
    people = [ann for ann in gt['annotations'] if not ann['iscrowd']]
    assert {'images', 'annotations', 'categories'} <= set(gt)
    assert any(ann['num_keypoints'] == 0 for ann in people)
    samples = pose_predictions(gt, duplicate_fraction=1.0, false_positive_fraction=0.0,
                               noise=0.0, seed=1)
    assert len(samples) == 2 * len(people)
    ann_file = tmp_path / 'person_keypoints.json'
    ann_file.write_text(json.dumps(gt))

    metric = CocoKeypointMetric(str(ann_file), outfile_prefix=str(tmp_path / 'exact'))
    scores = evaluate_pose(metric, samples, batch_size=32)

    written = json.loads((tmp_path / 'exact.keypoints.json').read_text())
    assert len(written) == len(people)
    assert scores['coco/AP'] == pytest.approx(1.0, abs=1e-12)
    assert scores['coco/AR'] == pytest.approx(1.0, abs=1e-12)


def test_noisy_pose_predictions_with_false_positives_score_below_1(tmp_path):
    gt = synthetic_coco_keypoints(num_people=240, num_images=60, seed=2)
    ann_file = tmp_path / 'person_keypoints.json'
    ann_file.write_text(json.dumps(gt))
    scores = evaluate_pose(CocoKeypointMetric(str(ann_file)), pose_predictions(gt, seed=2))
    assert 0.3 < scores['coco/AP'] < 0.95


def test_exact_segmentation_predictions_score_100_percent_and_errors_lower_it():
    shape = (96, 160)
    exact = IoUMetric()
    for sample in segmentation_samples(3, shape, seed=4):
        label = sample['gt_sem_seg']['data']
        assert label.shape == (1, *shape)
        assert (label == 255).any() and set(np.unique(label.numpy())) - {255} <= set(range(19))
        sample['pred_sem_seg']['data'] = label.clamp(max=18)
        exact.process({}, [sample])
    assert exact.evaluate(size=3) == pytest.approx(dict(aAcc=100.0, mIoU=100.0, mAcc=100.0))

    noisy = evaluate_segmentation(IoUMetric(), segmentation_samples(3, shape, seed=4), 3)
    assert 50 < noisy['aAcc'] < 100
