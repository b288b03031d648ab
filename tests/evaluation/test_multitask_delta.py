"""Δm against gains computed by hand."""
import pytest

from micronet_dense.evaluation.functional.multitask_delta import (declared_directions,
                                                                  format_delta, multitask_delta)

# Single-task results as tools/test.py writes them (bare IoU keys, prefixed depth keys) and the
# multi-task model's, every key prefixed by its task.
SEG = {'aAcc': 90.0, 'mIoU': 60.0, 'mAcc': 80.0}
DEPTH = {'depth/AbsRel': 0.20, 'depth/RMSE': 5.0, 'depth/delta1': 0.80}
MULTI = {'seg/aAcc': 99.0, 'seg/mIoU': 63.0, 'seg/mAcc': 76.0,
         'depth/AbsRel': 0.18, 'depth/RMSE': 5.5, 'depth/delta1': 0.84}


def test_gains_task_means_and_delta_m_equal_hand_computed_values():
    result = multitask_delta(MULTI, {'seg': SEG, 'depth': DEPTH})
    gains = {(c.task, c.metric): c.gain for c in result.changes}
    # Higher-better: (M_mt - M_st) / M_st; lower-better: the negative of it.
    assert gains == pytest.approx({
        ('seg', 'aAcc'): 10.0, ('seg', 'mIoU'): 5.0, ('seg', 'mAcc'): -5.0,
        ('depth', 'depth/AbsRel'): 10.0, ('depth', 'depth/RMSE'): -10.0,
        ('depth', 'depth/delta1'): 5.0}, abs=1e-9)
    assert result.task_gains == pytest.approx({'seg': 10 / 3, 'depth': 5 / 3}, abs=1e-9)
    # Each task weighs 1/T, whatever its number of scores.
    assert result.delta_m == pytest.approx(2.5, abs=1e-9)
    assert [c.multi_task_metric for c in result.changes] == [
        'seg/aAcc', 'seg/mIoU', 'seg/mAcc', 'depth/AbsRel', 'depth/RMSE', 'depth/delta1']
    text = format_delta(result)
    assert text.splitlines()[-1] == 'Δm = +2.50 % (positive: the multi-task model is better)'
    assert "task 'seg': mean gain +3.33 %" in text


def test_only_the_chosen_metrics_are_compared():
    result = multitask_delta(MULTI, {'seg': SEG, 'depth': DEPTH}, metrics=['mIoU', 'AbsRel'])
    assert result.task_gains == pytest.approx({'seg': 5.0, 'depth': 10.0}, abs=1e-9)
    assert result.delta_m == pytest.approx(7.5, abs=1e-9)


def test_directions_come_from_the_metric_classes():
    directions = declared_directions()
    assert directions['mIoU'] is False and directions['delta3'] is False
    assert directions['AbsRel'] is True and directions['RMSElog'] is True


def test_explicit_directions_and_identical_models():
    result = multitask_delta({'err': 2.0}, {'a': {'err': 2.0}}, lower_is_better={'err': True})
    assert result.delta_m == 0.0


def test_unmatched_ambiguous_undirected_and_zero_scores_are_errors():
    with pytest.raises(KeyError, match="task 'seg': metric 'mIoU' has no single match .*none"):
        multitask_delta({'depth/AbsRel': 0.1}, {'seg': {'mIoU': 50.0}})
    with pytest.raises(KeyError, match="several: \\['a/mIoU', 'b/mIoU'\\]"):
        multitask_delta({'a/mIoU': 1.0, 'b/mIoU': 2.0}, {'seg': {'mIoU': 50.0}})
    with pytest.raises(KeyError, match=r"unknown for \['PQ'\]"):
        multitask_delta({'PQ': 1.0}, {'panoptic': {'PQ': 2.0}})
    with pytest.raises(ValueError, match="single-task 'mIoU' is 0"):
        multitask_delta({'mIoU': 1.0}, {'seg': {'mIoU': 0.0}})
    with pytest.raises(KeyError, match='none of its metrics'):
        multitask_delta(MULTI, {'seg': SEG}, metrics=['AbsRel'])
    with pytest.raises(ValueError, match='at least one single-task'):
        multitask_delta(MULTI, {})
