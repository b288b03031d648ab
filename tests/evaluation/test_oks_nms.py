import contextlib
import io
import math

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from micronet_dense.evaluation.functional.oks_nms import oks_iou, oks_nms, oks_nms_arrays

# COCO person keypoint sigmas as published with the COCO keypoint evaluation.
SIGMAS = [.026, .025, .025, .035, .035, .079, .079, .072, .072, .062, .062, .107, .107, .087,
          .087, .089, .089]


def _pose(x0: float, y0: float) -> np.ndarray:
    """17 keypoints on a 4 x 5 grid (px spacing 7) starting at (x0, y0)."""
    return np.array([[x0 + 7.0 * (k % 4), y0 + 7.0 * (k // 4)] for k in range(17)])


OFFSETS = np.array([[0.5 * (k % 3), -0.25 * (k % 5)] for k in range(17)])


def _hand_oks(a, b, area_a, area_b, kept=None):
    """HRNet OKS written out keypoint by keypoint."""
    kept = range(17) if kept is None else kept
    terms = []
    for k in kept:
        d2 = (a[k][0] - b[k][0])**2 + (a[k][1] - b[k][1])**2
        e = d2 / ((2 * SIGMAS[k])**2) / ((area_a + area_b) / 2 + 2.0**-52) / 2
        terms.append(math.exp(-e))
    return math.fsum(terms) / len(terms) if terms else 0.0


def _pycocotools_oks(gt_xy, gt_vis, dts_xy, area):
    """COCOeval.computeOks of detections against one ground truth of the given area."""
    gt_kpts = np.concatenate([gt_xy, gt_vis[:, None]], axis=1).reshape(-1).tolist()
    coco_gt = COCO()
    coco_gt.dataset = dict(
        images=[dict(id=1, width=200, height=200)],
        categories=[dict(id=1, name='person')],
        annotations=[
            dict(id=1, image_id=1, category_id=1, keypoints=gt_kpts,
                 num_keypoints=int((gt_vis > 0).sum()), area=area, bbox=[0, 0, 40, 40],
                 iscrowd=0)
        ])
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes([
            dict(image_id=1, category_id=1, score=1.0 - 0.1 * i,
                 keypoints=np.concatenate([xy, np.ones((17, 1))], 1).reshape(-1).tolist())
            for i, xy in enumerate(dts_xy)
        ])
    coco_eval = COCOeval(coco_gt, coco_dt, 'keypoints')
    coco_eval._prepare()
    return coco_eval.computeOks(1, 1)[:, 0]


def test_oks_iou_matches_hand_computation_with_unequal_areas():
    a = _pose(10, 20)
    b = a + OFFSETS
    c = a + 3 * OFFSETS
    oks = oks_iou(a, np.stack([b, c]), 100.0, np.array([300.0, 60.0]))
    assert oks.shape == (2, )
    assert oks[0] == pytest.approx(_hand_oks(a, b, 100.0, 300.0), abs=1e-12)
    assert oks[1] == pytest.approx(_hand_oks(a, c, 100.0, 60.0), abs=1e-12)
    # The formula is symmetric in the two instances.
    back = oks_iou(b, a[None], 300.0, np.array([100.0]))
    assert back[0] == pytest.approx(oks[0], abs=1e-15)


def test_oks_iou_equals_pycocotools_oks_for_equal_areas():
    # With equal areas the mean area is the ground-truth area COCOeval uses.
    a = _pose(50, 60)
    others = np.stack([a + OFFSETS, a + 4 * OFFSETS, a - 2 * OFFSETS[::-1]])
    reference = _pycocotools_oks(a, np.full(17, 2.0), others, 150.0)
    ours = oks_iou(a, others, 150.0, np.full(3, 150.0))
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-12)
    assert 0.1 < ours.min() < ours.max() < 1.0


def test_vis_thr_keeps_keypoints_confident_in_both_instances():
    a_xy = _pose(50, 60)
    a_scores = np.where(np.arange(17) % 3 == 0, 0.1, 0.9)
    b_xy = a_xy + 2 * OFFSETS
    b_scores = np.where(np.arange(17) == 4, 0.05, 0.8)
    kept = [k for k in range(17) if a_scores[k] > 0.3 and b_scores[k] > 0.3]
    a = np.concatenate([a_xy, a_scores[:, None]], axis=1)
    b = np.concatenate([b_xy, b_scores[:, None]], axis=1)

    oks = oks_iou(a, b[None], 80.0, np.array([120.0]), vis_thr=0.3)
    assert oks[0] == pytest.approx(_hand_oks(a_xy, b_xy, 80.0, 120.0, kept), abs=1e-12)
    # Equal areas: COCOeval over the ground-truth keypoints with v > 0 is the same filter.
    b_rescored = np.concatenate([b_xy, np.where(b_scores > 0.3, 0.9, 0.0)[:, None]], axis=1)
    gt_vis = np.array([2.0 if k in kept else 0.0 for k in range(17)])
    reference = _pycocotools_oks(a_xy, gt_vis, b_xy[None], 100.0)
    ours = oks_iou(a, b_rescored[None], 100.0, np.array([100.0]), vis_thr=0.3)
    assert ours[0] == pytest.approx(reference[0], abs=1e-12)

    nothing_confident = a.copy()
    nothing_confident[:, 2] = 0.3
    assert oks_iou(nothing_confident, b[None], 80.0, np.array([120.0]), vis_thr=0.3)[0] == 0.0


def test_oks_nms_drops_near_duplicate_and_keeps_far_instance():
    near = _pose(10, 20)
    instances = [
        dict(keypoints=near, score=0.9, area=400.0),
        dict(keypoints=near + 0.1 * OFFSETS, score=0.8, area=420.0),
        dict(keypoints=_pose(120, 150), score=0.7, area=400.0),
    ]
    assert _hand_oks(near, near + 0.1 * OFFSETS, 400.0, 420.0) > 0.9
    assert oks_nms(instances, thr=0.9) == [0, 2]

    instances[1]['score'] = 0.95
    assert oks_nms(instances, thr=0.9) == [1, 2]
    # Above the pair's OKS nothing is suppressed; results come by decreasing score.
    pair_oks = _hand_oks(near, near + 0.1 * OFFSETS, 400.0, 420.0)
    assert oks_nms(instances, thr=pair_oks + 1e-9) == [1, 0, 2]


def test_oks_nms_suppresses_only_by_kept_instances():
    # a~b and b~c overlap, a~c does not: greedy NMS keeps a, drops b, so c survives.
    a = _pose(10, 20)
    b = a + np.array([1.0, 0.0])
    c = a + np.array([2.0, 0.0])
    area = 900.0
    assert _hand_oks(a, b, area, area) > 0.9
    assert _hand_oks(b, c, area, area) > 0.9
    assert _hand_oks(a, c, area, area) <= 0.9
    instances = [dict(keypoints=kpts, score=score, area=area)
                 for kpts, score in ((c, 0.5), (a, 0.9), (b, 0.7))]
    assert oks_nms(instances, thr=0.9) == [1, 0]


def test_oks_nms_ties_visit_lower_index_first():
    pose = _pose(10, 20)
    instances = [dict(keypoints=pose, score=0.5, area=100.0) for _ in range(3)]
    assert oks_nms(instances, thr=0.9) == [0]


def test_oks_nms_empty_and_bad_input():
    assert oks_nms([], thr=0.9) == []
    with pytest.raises(KeyError, match='area'):
        oks_nms([dict(keypoints=_pose(0, 0), score=1.0)])
    with pytest.raises(ValueError, match='score column'):
        oks_iou(_pose(0, 0), _pose(1, 1)[None], 1.0, np.ones(1), vis_thr=0.2)
    with pytest.raises(ValueError, match='sigmas'):
        oks_iou(_pose(0, 0)[:5], _pose(1, 1)[None, :5], 1.0, np.ones(1))
    with pytest.raises(ValueError, match='others'):
        oks_iou(_pose(0, 0), _pose(1, 1), 1.0, np.ones(1))


def _reference_oks_nms(keypoints, scores, areas, thr, vis_thr=None):
    """HRNet's greedy loop, one OKS row per kept instance, written out with numpy."""
    variances = (np.array(SIGMAS) * 2)**2
    order = np.argsort(-scores, kind='stable')
    keep = []
    while order.size > 0:
        current, rest = order[0], order[1:]
        keep.append(int(current))
        d2 = ((keypoints[rest, :, :2] - keypoints[current, :, :2])**2).sum(-1)
        e = d2 / variances / ((areas[current] + areas[rest, None]) / 2 + np.spacing(1)) / 2
        if vis_thr is None:
            oks = np.exp(-e).mean(axis=1)
        else:
            kept = (keypoints[current, :, 2] > vis_thr) & (keypoints[rest, :, 2] > vis_thr)
            oks = np.array([np.exp(-e[i][kept[i]]).mean() if kept[i].any() else 0.0
                            for i in range(len(rest))])
        order = rest[oks <= thr]
    return keep


@pytest.mark.parametrize('vis_thr', [None, 0.3])
def test_oks_nms_arrays_equals_reference_greedy_loop_on_crowded_scene(vis_thr):
    # 150 detections of 12 people (more than one block of rows), tied scores included.
    rng = np.random.default_rng(3)
    people = rng.uniform(0, 400, (12, 1, 2)) + rng.uniform(0, 60, (12, 17, 2))
    owner = rng.integers(0, 12, 150)
    xy = people[owner] + rng.normal(0, 1.5, (150, 17, 2)) * rng.uniform(0.1, 3, (150, 1, 1))
    keypoints = np.concatenate([xy, rng.uniform(0, 1, (150, 17, 1))], axis=2)
    scores = rng.choice(np.linspace(0.1, 1.0, 40), 150)
    areas = rng.uniform(500, 4000, 150)

    expected = _reference_oks_nms(keypoints, scores, areas, 0.9, vis_thr)
    assert 12 <= len(expected) < 140  # the scene does exercise suppression
    assert oks_nms_arrays(keypoints, scores, areas, 0.9, vis_thr=vis_thr) == expected
    assert oks_nms_arrays(keypoints, scores, areas, 0.9, vis_thr=vis_thr, block=1) == expected
    instances = [dict(keypoints=k, score=s, area=a) for k, s, a in zip(keypoints, scores, areas)]
    assert oks_nms(instances, 0.9, vis_thr=vis_thr) == expected
