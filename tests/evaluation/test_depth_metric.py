"""DepthMetric against a pixel-by-pixel computation of the Eigen / KITTI depth scores."""
import math

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from micronet_dense.evaluation.metrics import DepthMetric
from micronet_dense.registry import METRICS

KEYS = ('AbsRel', 'SqRel', 'RMSE', 'RMSElog', 'delta1', 'delta2', 'delta3')


def reference_image_scores(pred, gt, min_depth, max_depth):
    """One image's scores with plain Python loops over its pixels."""
    pairs = []
    for p, g in zip(np.ravel(pred).tolist(), np.ravel(gt).tolist()):
        if g == 0 or not min_depth <= g <= max_depth:
            continue
        pairs.append((min(max(p, min_depth), max_depth), g))
    n = len(pairs)
    ratios = [max(p / g, g / p) for p, g in pairs]
    return dict(
        AbsRel=sum(abs(p - g) / g for p, g in pairs) / n,
        SqRel=sum((p - g) ** 2 / g for p, g in pairs) / n,
        RMSE=math.sqrt(sum((p - g) ** 2 for p, g in pairs) / n),
        RMSElog=math.sqrt(sum((math.log(p) - math.log(g)) ** 2 for p, g in pairs) / n),
        delta1=sum(r < 1.25 for r in ratios) / n,
        delta2=sum(r < 1.5625 for r in ratios) / n,
        delta3=sum(r < 1.953125 for r in ratios) / n)


def reference_scores(preds, gts, min_depth=1e-3, max_depth=80.0):
    per_image = [reference_image_scores(p, g, min_depth, max_depth) for p, g in zip(preds, gts)]
    return {key: sum(s[key] for s in per_image) / len(per_image) for key in KEYS}


def random_depths(rng, count, shape=(9, 11)):
    """Ground truth with holes (0) and far pixels; predictions within ±40 %, some <= 0."""
    preds, gts = [], []
    for index in range(count):
        gt = rng.uniform(0.5, 100.0, size=shape)
        gt[rng.random(shape) < 0.3] = 0
        gt[: index + 1, :] = 0  # a different valid count per image
        pred = gt * rng.uniform(0.6, 1.4, size=shape) + rng.uniform(0, 3, size=shape)
        pred[0, 0], pred[-1, -1] = -1.0, 0.0  # clipped to min_depth when gt is valid there
        gt[-1, -1] = 2.0
        preds.append(pred)
        gts.append(gt)
    return preds, gts


def samples(preds, gts, as_tensor=False):
    wrap = (lambda a: torch.from_numpy(np.asarray(a, np.float32))[None]) if as_tensor else (
        lambda a: a)
    return [dict(pred_depth_map=dict(data=wrap(p)), gt_depth_map=dict(data=wrap(g)),
                 img_path=f'/data/leftImg8bit/val/x/img{i}_leftImg8bit.png')
            for i, (p, g) in enumerate(zip(preds, gts))]


@pytest.mark.parametrize('min_depth,max_depth', [(1e-3, 80.0), (1.0, 50.0)])
def test_metric_matches_pixel_by_pixel_reference(min_depth, max_depth):
    rng = np.random.default_rng(0)
    preds, gts = random_depths(rng, 4)
    metric = DepthMetric(min_depth=min_depth, max_depth=max_depth)
    metric.process([], samples(preds[:2], gts[:2]))
    metric.process([], samples(preds[2:], gts[2:]))
    result = metric.evaluate(size=4)
    expected = reference_scores(preds, gts, min_depth, max_depth)
    assert tuple(result) == KEYS
    for key in KEYS:
        assert result[key] == pytest.approx(expected[key], abs=1e-9), key


def test_float32_tensors_of_shape_1_h_w_give_the_scores_of_their_values():
    rng = np.random.default_rng(1)
    preds, gts = random_depths(rng, 2)
    metric = DepthMetric()
    metric.process([], samples(preds, gts, as_tensor=True))
    expected = reference_scores([np.float32(p) for p in preds], [np.float32(g) for g in gts])
    result = metric.evaluate(size=2)
    for key in KEYS:
        assert result[key] == pytest.approx(expected[key], abs=1e-9), key


def test_scores_are_averaged_over_images_not_pooled_over_pixels():
    # Image 0: one valid pixel, pred 2 for gt 1 (AbsRel 1); image 1: three exact pixels.
    gts = [np.array([[1.0, 0.0, 0.0]]), np.array([[4.0, 5.0, 6.0]])]
    preds = [np.array([[2.0, 7.0, 7.0]]), np.array([[4.0, 5.0, 6.0]])]
    metric = DepthMetric()
    metric.process([], samples(preds, gts))
    result = metric.evaluate(size=2)
    assert result['AbsRel'] == pytest.approx(0.5, abs=1e-12)  # pooled would be 0.25
    assert result['SqRel'] == pytest.approx(0.5, abs=1e-12)
    assert result['RMSE'] == pytest.approx(0.5, abs=1e-12)
    assert result['RMSElog'] == pytest.approx(math.log(2) / 2, abs=1e-12)
    assert result['delta1'] == result['delta2'] == pytest.approx(0.5, abs=1e-12)
    assert result['delta3'] == pytest.approx(0.5, abs=1e-12)  # 2 > 1.25^3 = 1.953


def test_caps_leave_out_near_and_far_ground_truth_and_clip_predictions():
    gt = np.array([[0.5, 10.0, 90.0]])
    pred = np.array([[10.0, 100.0, 90.0]])
    metric = DepthMetric(min_depth=1.0, max_depth=50.0)
    metric.process([], samples([pred], [gt]))
    result = metric.evaluate(size=1)
    # Only the middle pixel counts; its prediction 100 is clipped to 50.
    assert result['AbsRel'] == pytest.approx(4.0, abs=1e-12)
    assert result['RMSE'] == pytest.approx(40.0, abs=1e-12)
    assert result['delta3'] == 0.0


def test_lower_is_better_is_declared_for_every_key():
    rng = np.random.default_rng(2)
    metric = DepthMetric()
    metric.process([], samples(*random_depths(rng, 1)))
    result = metric.evaluate(size=1)
    assert dict(DepthMetric.lower_is_better) == {
        'AbsRel': True, 'SqRel': True, 'RMSE': True, 'RMSElog': True,
        'delta1': False, 'delta2': False, 'delta3': False}
    assert set(result) == set(DepthMetric.lower_is_better)


def test_shape_mismatch_names_the_image():
    metric = DepthMetric()
    with pytest.raises(ValueError, match=r'img0_leftImg8bit\.png: prediction shape \(4, 5\) != '
                                         r'ground-truth shape \(4, 6\)'):
        metric.process([], samples([np.ones((4, 5))], [np.ones((4, 6))], as_tensor=True))


def test_image_without_valid_pixel_is_named():
    gt = np.array([[0.0, 0.0, 120.0]])  # holes and a pixel beyond the cap
    with pytest.raises(ValueError, match=r'img0_leftImg8bit\.png: no ground-truth pixel within '
                                         r'\[0\.001, 80\.0\] m'):
        DepthMetric().process([], samples([np.ones((1, 3))], [gt]))


def test_non_finite_prediction_on_a_valid_pixel_is_an_error():
    with pytest.raises(ValueError, match=r'img0_leftImg8bit\.png: 1 predictions on valid pixels'):
        DepthMetric().process([], samples([np.array([[np.nan, 1.0]])], [np.array([[2.0, 3.0]])]))


def test_missing_field_bad_shape_bad_range_and_no_image_are_errors():
    with pytest.raises(KeyError, match="a.png: data sample has no 'gt_depth_map'"):
        DepthMetric().process([], [dict(pred_depth_map=dict(data=np.ones((2, 2))),
                                        img_path='a.png')])
    with pytest.raises(ValueError, match=r"'pred_depth_map' must be \(1, H, W\) or \(H, W\)"):
        DepthMetric().process([], samples([np.ones((2, 2, 2))], [np.ones((2, 2, 2))]))
    with pytest.raises(ValueError, match='0 < min_depth < max_depth'):
        DepthMetric(min_depth=10, max_depth=5)
    with pytest.raises(ValueError, match='saw no image'):
        DepthMetric().evaluate(size=0)


def test_built_from_registry_with_prefix():
    metric = METRICS.build(dict(type='DepthMetric', max_depth=10.0, prefix='depth'))
    metric.process([], samples([np.array([[2.0, 4.0]])], [np.array([[2.0, 5.0]])]))
    result = metric.evaluate(size=1)
    assert result['depth/AbsRel'] == pytest.approx(0.1, abs=1e-12)
    assert result['depth/delta1'] == 0.5  # 5 / 4 = 1.25 is not below 1.25
    assert result['depth/delta2'] == 1.0


def _evaluate_on_rank(rank, init_file, preds, gts, queue):
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                         world_size=2)
    metric = DepthMetric()
    # A distributed sampler deals images round-robin and pads rank 1 with image 0.
    indices = [0, 2, 4] if rank == 0 else [1, 3, 0]
    metric.process([], samples([preds[i] for i in indices], [gts[i] for i in indices]))
    queue.put((rank, metric.evaluate(size=len(preds))))
    # No destroy_process_group: its Gloo destructor can deadlock on the GIL, and a forked
    # process ends with os._exit, which leaves the group to the OS.


def test_two_processes_gather_the_scores_of_every_image_once(tmp_path):
    rng = np.random.default_rng(3)
    preds, gts = random_depths(rng, 5)
    queue = mp.get_context('fork').SimpleQueue()
    # fork: the ranks start in a fraction of a second, without importing the package again.
    mp.start_processes(_evaluate_on_rank, args=(str(tmp_path / 'init'), preds, gts, queue),
                       nprocs=2, start_method='fork')
    results = dict(queue.get() for _ in range(2))
    expected = reference_scores(preds, gts)
    for key in KEYS:
        assert results[0][key] == pytest.approx(expected[key], abs=1e-9), key
