"""IoUMetric and intersect_and_union against a confusion matrix built pixel by pixel."""
import os

import cv2
import numpy as np
import pytest
import torch
from cityscapesscripts.helpers.labels import trainId2label

from micronet_dense.evaluation.functional.iou import intersect_and_union
from micronet_dense.evaluation.metrics import iou_metric
from micronet_dense.evaluation.metrics.iou_metric import IoUMetric
from micronet_dense.registry import METRICS

IGNORE = 255


def reference_scores(preds, labels, num_classes):
    """Dataset confusion matrix with np.add.at, then IoU/Acc per class in percent."""
    confusion = np.zeros((num_classes, num_classes), np.int64)
    for pred, label in zip(preds, labels):
        valid = label != IGNORE
        np.add.at(confusion, (label[valid], pred[valid]), 1)
    tp = np.diag(confusion).astype(np.float64)
    gt_count = confusion.sum(axis=1)
    pred_count = confusion.sum(axis=0)
    union = gt_count + pred_count - tp
    iou = np.array([tp[c] / union[c] if union[c] else np.nan for c in range(num_classes)])
    acc = np.array([tp[c] / gt_count[c] if gt_count[c] else np.nan for c in range(num_classes)])
    return dict(aAcc=100 * tp.sum() / gt_count.sum(), mIoU=100 * np.nanmean(iou),
                mAcc=100 * np.nanmean(acc), IoU=iou, Acc=acc, confusion=confusion)


def random_maps(rng, count, num_classes, shape=(13, 17), absent=()):
    """Label maps with ignore blocks and predictions mostly right; ``absent`` never appear."""
    present = [c for c in range(num_classes) if c not in absent]
    preds, labels = [], []
    for _ in range(count):
        label = rng.choice(present, size=shape)
        label[rng.integers(0, shape[0]):, :rng.integers(0, shape[1])] = IGNORE
        pred = np.where(rng.random(shape) < 0.6, np.where(label == IGNORE, 0, label),
                        rng.choice(present, size=shape))
        preds.append(pred)
        labels.append(label.astype(np.uint8))
    return preds, labels


def samples(preds, labels, as_tensor=False):
    wrap = (lambda a: torch.from_numpy(np.asarray(a, np.int64))[None]) if as_tensor else (
        lambda a: a)
    return [dict(pred_sem_seg=dict(data=wrap(p)), gt_sem_seg=dict(data=wrap(g)),
                 img_path=f'/data/leftImg8bit/val/x/img{i}_leftImg8bit.png')
            for i, (p, g) in enumerate(zip(preds, labels))]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_metric_matches_reference_confusion_matrix(seed):
    rng = np.random.default_rng(seed)
    num_classes = 7
    preds, labels = random_maps(rng, 5, num_classes, absent=(4,))
    # Class 4 is never labelled but predicted once: its IoU is 0, not NaN.
    labels[0][0, 0], preds[0][0, 0] = 0, 4
    metric = IoUMetric(num_classes=num_classes)
    for batch in (samples(preds[:2], labels[:2], as_tensor=True), samples(preds[2:], labels[2:])):
        metric.process({}, batch)
    result = metric.evaluate(size=len(preds))
    expected = reference_scores(preds, labels, num_classes)
    assert set(result) == {'aAcc', 'mIoU', 'mAcc'}
    for key in result:
        assert result[key] == pytest.approx(expected[key], abs=1e-9)


def test_class_absent_from_predictions_and_labels_is_left_out_of_the_mean():
    rng = np.random.default_rng(3)
    preds, labels = random_maps(rng, 3, 5, absent=(2,))
    expected = reference_scores(preds, labels, 5)
    assert np.isnan(expected['IoU'][2]) and np.isnan(expected['Acc'][2])
    metric = IoUMetric(num_classes=5)
    metric.process({}, samples(preds, labels))
    result = metric.evaluate(size=3)
    assert result['mIoU'] == pytest.approx(100 * np.mean(np.delete(expected['IoU'], 2)), abs=1e-9)
    assert result['mAcc'] == pytest.approx(100 * np.mean(np.delete(expected['Acc'], 2)), abs=1e-9)


def test_hand_computed_example():
    # 2x3 label with one ignored pixel; classes: 0, 1, 2 (2 only predicted).
    label = np.array([[0, 0, 1], [1, IGNORE, 1]])
    pred = np.array([[0, 1, 1], [2, 0, 1]])
    areas = intersect_and_union(pred, label, num_classes=3)
    assert areas.intersect.tolist() == [1, 2, 0]
    assert areas.pred.tolist() == [1, 3, 1]
    assert areas.label.tolist() == [2, 3, 0]
    assert areas.union.tolist() == [2, 4, 1]
    metric = IoUMetric(num_classes=3)
    metric.process({}, [dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=label))])
    result = metric.evaluate(size=1)
    assert result['aAcc'] == pytest.approx(300 / 5, abs=1e-9)
    assert result['mIoU'] == pytest.approx(100 * (1 / 2 + 2 / 4 + 0) / 3, abs=1e-9)
    assert result['mAcc'] == pytest.approx(100 * (1 / 2 + 2 / 3) / 2, abs=1e-9)


def test_intersect_and_union_equals_confusion_matrix_rows_and_columns():
    rng = np.random.default_rng(4)
    preds, labels = random_maps(rng, 1, 19, shape=(40, 60))
    areas = intersect_and_union(preds[0], labels[0], 19, IGNORE)
    confusion = reference_scores(preds, labels, 19)['confusion']
    np.testing.assert_array_equal(areas.intersect, np.diag(confusion))
    np.testing.assert_array_equal(areas.label, confusion.sum(axis=1))
    np.testing.assert_array_equal(areas.pred, confusion.sum(axis=0))
    np.testing.assert_array_equal(areas.union, areas.label + areas.pred - areas.intersect)
    assert areas.intersect.dtype == np.int64


@pytest.mark.parametrize('label_dtype', [np.uint8, np.int64])
def test_intersect_and_union_of_a_large_map_counted_in_steps(label_dtype):
    # 512 x 701 pixels: several counting steps, the last one partial.
    rng = np.random.default_rng(5)
    preds, labels = random_maps(rng, 1, 19, shape=(512, 701))
    areas = intersect_and_union(preds[0], labels[0].astype(label_dtype), 19, IGNORE)
    confusion = reference_scores(preds, labels, 19)['confusion']
    np.testing.assert_array_equal(areas.intersect, np.diag(confusion))
    np.testing.assert_array_equal(areas.label, confusion.sum(axis=1))
    np.testing.assert_array_equal(areas.pred, confusion.sum(axis=0))


def test_unknown_ids_anywhere_in_a_large_map_are_all_named():
    label = np.zeros((512, 701), np.int64)
    pred = np.zeros((512, 701), np.int64)
    pred[0, 0], pred[-1, -1], pred[300, 5] = 19, -2, 40
    label[-1, -1] = IGNORE  # -2 sits on an ignored pixel: not counted, not an error
    with pytest.raises(ValueError, match=r'prediction holds unknown class ids \[19, 40\]'):
        intersect_and_union(pred, label, 19, IGNORE)


def test_unknown_label_ids_name_the_image():
    metric = IoUMetric(num_classes=19)
    label = np.zeros((4, 4), np.uint8)
    label[0, 0] = 26  # a raw Cityscapes label id (car), not a train id
    batch = samples([np.zeros((4, 4), np.int64)], [label])
    with pytest.raises(ValueError, match=r'img0_leftImg8bit\.png: label holds unknown class ids '
                                         r'\[26\]'):
        metric.process({}, batch)


def test_prediction_out_of_range_is_an_error():
    metric = IoUMetric(num_classes=3)
    with pytest.raises(ValueError, match=r'prediction holds unknown class ids \[-1, 3\]'):
        metric.process({}, samples([np.array([[0, 3, -1]])], [np.array([[0, 1, 2]])]))


def test_shape_mismatch_names_the_image_and_both_shapes():
    metric = IoUMetric()
    batch = samples([np.zeros((4, 5), np.int64)], [np.zeros((4, 6), np.uint8)], as_tensor=True)
    with pytest.raises(ValueError, match=r'img0_leftImg8bit\.png: prediction shape \(4, 5\) '
                                         r'differs from ground-truth shape \(4, 6\)'):
        metric.process({}, batch)


def test_empty_results_and_all_ignored_are_errors():
    with pytest.raises(ValueError, match='saw no image'):
        IoUMetric().evaluate(size=0)
    metric = IoUMetric()
    metric.process({}, samples([np.zeros((2, 2), np.int64)], [np.full((2, 2), IGNORE, np.uint8)]))
    with pytest.raises(ValueError, match='every label pixel is ignored'):
        metric.evaluate(size=1)


def test_missing_field_is_named():
    with pytest.raises(KeyError, match="no 'gt_sem_seg'"):
        IoUMetric().process({}, [dict(pred_sem_seg=dict(data=np.zeros((2, 2))), img_path='a.png')])


def test_export_writes_cityscapes_label_ids_named_like_the_input(tmp_path):
    out_dir = tmp_path / 'submission'
    rng = np.random.default_rng(5)
    preds = [rng.integers(0, 19, size=(6, 9)) for _ in range(2)]
    labels = [p.astype(np.uint8) for p in preds]
    metric = IoUMetric(output_dir=str(out_dir))
    metric.process({}, samples(preds, labels, as_tensor=True))
    assert sorted(os.listdir(out_dir)) == ['img0_leftImg8bit.png', 'img1_leftImg8bit.png']
    for index, pred in enumerate(preds):
        written = cv2.imread(str(out_dir / f'img{index}_leftImg8bit.png'), cv2.IMREAD_UNCHANGED)
        expected = np.vectorize(lambda t: trainId2label[t].id)(pred)
        assert written.dtype == np.uint8
        np.testing.assert_array_equal(written, expected)
    assert metric.evaluate(size=2)['mIoU'] == pytest.approx(100.0)


def test_export_needs_the_cityscapes_classes(tmp_path):
    with pytest.raises(ValueError, match='needs the 19 Cityscapes train classes, not 5'):
        IoUMetric(num_classes=5, output_dir=str(tmp_path))


def test_class_names_default_and_length_check():
    assert IoUMetric().class_names[:3] == ('road', 'sidewalk', 'building')
    assert IoUMetric(num_classes=2).class_names == ('0', '1')
    with pytest.raises(ValueError, match='2 class names given for 3 classes'):
        IoUMetric(num_classes=3, class_names=['a', 'b'])


def test_per_class_table_is_logged(monkeypatch):
    messages = []
    monkeypatch.setattr(iou_metric, 'print_log', lambda msg, **kwargs: messages.append(msg))
    metric = IoUMetric(num_classes=2, class_names=['road', 'sky'])
    metric.process({}, samples([np.array([[0, 0, 1, 1]])], [np.array([[0, 1, 1, 1]])]))
    metric.evaluate(size=1)
    lines = messages[0].splitlines()
    assert lines[2].split() == ['road', '|', '50.00', '|', '100.00']
    assert lines[3].split() == ['sky', '|', '66.67', '|', '66.67']


def test_built_from_registry_with_prefix():
    metric = METRICS.build(dict(type='IoUMetric', num_classes=2, prefix='cityscapes'))
    metric.process({}, samples([np.array([[0, 1]])], [np.array([[0, 1]])]))
    assert metric.evaluate(size=1) == {'cityscapes/aAcc': 100.0, 'cityscapes/mIoU': 100.0,
                                       'cityscapes/mAcc': 100.0}


def test_classes_come_from_the_dataset_metainfo():
    metric = IoUMetric()
    metric.dataset_meta = dict(classes=('sky', 'tree', 'road', 'car'), palette=[[0, 0, 0]] * 4)
    assert metric.num_classes == 4 and metric.class_names == ('sky', 'tree', 'road', 'car')
    explicit = IoUMetric(num_classes=19)
    with pytest.raises(ValueError, match=r"num_classes=19 but the dataset has 4 classes"):
        explicit.dataset_meta = dict(classes=('sky', 'tree', 'road', 'car'))
