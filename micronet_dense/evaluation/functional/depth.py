"""Monocular depth errors of one image (Eigen et al., NIPS 2014, arXiv 1406.2283, §4.1).

The seven numbers of the KITTI / NYU / Cityscapes depth tables, computed as the Eigen split's
evaluation code does (``compute_errors`` of monodepth2 and its forks): over the valid pixels of one
image, ground truth within ``[min_depth, max_depth]``, predictions clipped to the same range; a
dataset's score is then the mean over images, not over pooled pixels.
"""
from typing import Dict

import numpy as np

#: Score names in output order, each with whether lower is better.
DEPTH_LOWER_IS_BETTER: Dict[str, bool] = {
    'AbsRel': True,  # mean |pred - gt| / gt
    'SqRel': True,  # mean (pred - gt)^2 / gt
    'RMSE': True,  # sqrt(mean (pred - gt)^2), metres
    'RMSElog': True,  # sqrt(mean (log pred - log gt)^2)
    'delta1': False,  # fraction with max(pred / gt, gt / pred) < 1.25
    'delta2': False,  # ... < 1.25^2
    'delta3': False,  # ... < 1.25^3
}


def depth_errors(pred: np.ndarray, gt: np.ndarray, min_depth: float = 1e-3,
                 max_depth: float = 80.0) -> np.ndarray:
    """The seven depth scores of one image, in the order of :data:`DEPTH_LOWER_IS_BETTER`.

    Args:
        pred: (H, W) predicted depth in metres.
        gt: (H, W) ground-truth depth in metres; 0 (or any value outside
            ``[min_depth, max_depth]``, or not finite) marks a pixel left out.
        min_depth, max_depth: The evaluated depth range; predictions are clipped to it, so a
            non-positive prediction counts as ``min_depth`` instead of breaking the logarithm.

    Returns:
        (7,) float64; the three ``delta`` scores are fractions in [0, 1].

    Raises:
        ValueError: shapes differ, the range is empty, no pixel is valid, or a prediction on a
            valid pixel is not finite.
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape:
        raise ValueError(f'prediction shape {pred.shape} != ground-truth shape {gt.shape}')
    if not 0 < min_depth < max_depth:
        raise ValueError(f'depth range needs 0 < min_depth < max_depth, got '
                         f'[{min_depth}, {max_depth}]')
    with np.errstate(invalid='ignore'):  # NaN compares False: left out
        valid = (gt >= min_depth) & (gt <= max_depth)  # min_depth > 0 leaves out the 0s
    if not valid.any():
        raise ValueError(f'no ground-truth pixel within [{min_depth}, {max_depth}] m')
    gt, pred = gt[valid], pred[valid]
    if not np.isfinite(pred).all():
        raise ValueError(f'{int((~np.isfinite(pred)).sum())} predictions on valid pixels are '
                         'not finite')
    pred = np.clip(pred, min_depth, max_depth)
    ratio = np.maximum(gt / pred, pred / gt)
    diff = pred - gt
    return np.array([
        np.mean(np.abs(diff) / gt),
        np.mean(diff ** 2 / gt),
        np.sqrt(np.mean(diff ** 2)),
        np.sqrt(np.mean((np.log(pred) - np.log(gt)) ** 2)),
        np.mean(ratio < 1.25),
        np.mean(ratio < 1.25 ** 2),
        np.mean(ratio < 1.25 ** 3),
    ])
