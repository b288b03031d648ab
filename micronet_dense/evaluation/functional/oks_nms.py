"""Object Keypoint Similarity (OKS) between pose instances and greedy OKS-NMS.

Follows the ``oks_iou`` / ``oks_nms`` of SimpleBaselines and HRNet: the OKS of
two predictions uses the mean of their areas as the object scale, unlike the
COCO evaluation which uses the ground-truth area alone.
"""
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO


def _resolve_sigmas(sigmas: Optional[np.ndarray], num_keypoints: int) -> np.ndarray:
    sigmas = np.asarray(COCO_PERSON_METAINFO['sigmas'] if sigmas is None else sigmas,
                        dtype=np.float64)
    if sigmas.shape != (num_keypoints, ):
        raise ValueError(f'sigmas must have shape ({num_keypoints},) to match the keypoints, '
                         f'got {sigmas.shape}')
    return sigmas


def oks_iou(keypoints: np.ndarray,
            others: np.ndarray,
            area: float,
            other_areas: np.ndarray,
            sigmas: Optional[np.ndarray] = None,
            vis_thr: Optional[float] = None) -> np.ndarray:
    """OKS of one pose instance against M others.

    For instance ``a`` against ``b``, with ``vars = (2 * sigmas) ** 2``::

        e_k = (dx_k**2 + dy_k**2) / vars_k / ((area_a + area_b) / 2 + eps) / 2
        oks = mean_k exp(-e_k)

    where ``eps = np.spacing(1)``. With ``vis_thr`` the mean runs only over the
    keypoints whose score is > ``vis_thr`` in both instances; the OKS is 0 when
    no keypoint is left.

    Args:
        keypoints: (K, 2) ``x, y``, or (K, 3) ``x, y, score``.
        others: (M, K, 2) or (M, K, 3), same layout as ``keypoints``.
        area: object scale (px²) of ``keypoints``.
        other_areas: (M,) object scales of ``others``.
        sigmas: (K,) per-keypoint falloff; defaults to the COCO person keypoints'.
        vis_thr: keypoint score threshold; needs the score column.

    Returns:
        (M,) float64 OKS values in [0, 1].
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    others = np.asarray(others, dtype=np.float64)
    other_areas = np.asarray(other_areas, dtype=np.float64).reshape(-1)
    if keypoints.ndim != 2 or keypoints.shape[1] not in (2, 3):
        raise ValueError(f'keypoints must have shape (K, 2) or (K, 3), got {keypoints.shape}')
    if others.ndim != 3 or others.shape[1:] != keypoints.shape:
        raise ValueError(f'others must have shape (M, {keypoints.shape[0]}, {keypoints.shape[1]}) '
                         f'to match keypoints, got {others.shape}')
    if other_areas.shape != (others.shape[0], ):
        raise ValueError(f'other_areas must have shape ({others.shape[0]},), '
                         f'got {other_areas.shape}')
    if vis_thr is not None and keypoints.shape[1] != 3:
        raise ValueError('vis_thr needs keypoints with a score column, shape (K, 3)')
    variances = (_resolve_sigmas(sigmas, keypoints.shape[0]) * 2)**2
    return _oks(keypoints[None], others, np.float64(area), other_areas, variances, vis_thr)[0]


def _oks(keypoints: np.ndarray, others: np.ndarray, areas: np.ndarray, other_areas: np.ndarray,
         variances: np.ndarray, vis_thr: Optional[float]) -> np.ndarray:
    """OKS of R instances against M others, (R, M); ``keypoints`` (R, K, C), ``others``
    (M, K, C), ``areas`` (R,) or scalar, ``other_areas`` (M,).

    Every element goes through the same operations in the same order whatever R is, so
    a row of a block equals the single-instance result bit for bit.
    """
    keypoints = keypoints[:, None]
    sq_dist = ((others[None, :, :, :2] - keypoints[..., :2])**2).sum(-1)
    scale = (np.reshape(areas, (-1, 1, 1)) + other_areas[None, :, None]) / 2 + np.spacing(1)
    e = sq_dist / variances / scale / 2
    if vis_thr is None:
        return np.exp(-e).mean(axis=-1)
    kept = (keypoints[..., 2] > vis_thr) & (others[None, :, :, 2] > vis_thr)
    num_kept = kept.sum(axis=-1)
    sum_kept = np.where(kept, np.exp(-e), 0.0).sum(axis=-1)
    return np.where(num_kept > 0, sum_kept / np.maximum(num_kept, 1), 0.0)


def oks_nms(instances: Sequence[Mapping[str, Any]],
            thr: float = 0.9,
            sigmas: Optional[np.ndarray] = None,
            vis_thr: Optional[float] = None) -> List[int]:
    """Greedy non-maximum suppression of pose instances by OKS.

    Visits instances by decreasing score (ties: lower index first), keeps the
    current one and drops every remaining instance whose OKS with it is
    > ``thr``.

    Args:
        instances: mappings with ``'keypoints'`` (K, 2) or (K, 3) (see
            :func:`oks_iou`), ``'score'`` (float) and ``'area'`` (float, px²).
        thr: OKS above which the lower-scored instance is suppressed.
        sigmas: (K,) per-keypoint falloff; defaults to the COCO person keypoints'.
        vis_thr: keypoint score threshold passed to :func:`oks_iou`.

    Returns:
        Indices into ``instances`` of the kept ones, by decreasing score.
    """
    if len(instances) == 0:
        return []
    try:
        keypoints = np.stack(
            [np.asarray(inst['keypoints'], dtype=np.float64) for inst in instances])
        scores = np.array([float(inst['score']) for inst in instances])
        areas = np.array([float(inst['area']) for inst in instances])
    except KeyError as err:
        raise KeyError(f'oks_nms: every instance needs keys keypoints, score, area; '
                       f'missing {err}') from err
    return oks_nms_arrays(keypoints, scores, areas, thr, sigmas, vis_thr)


def oks_nms_arrays(keypoints: np.ndarray,
                   scores: np.ndarray,
                   areas: np.ndarray,
                   thr: float = 0.9,
                   sigmas: Optional[np.ndarray] = None,
                   vis_thr: Optional[float] = None,
                   block: int = 64) -> List[int]:
    """:func:`oks_nms` of N instances given as arrays.

    The OKS rows of ``block`` instances at a time (in visiting order) are computed
    in one vectorised step, so the usual few people of an image cost one numpy
    call instead of one per kept instance, while memory stays (block, N, K).

    Args:
        keypoints: (N, K, 2) or (N, K, 3), as in :func:`oks_iou`.
        scores: (N,) instance scores.
        areas: (N,) object scales (px²).
        thr, sigmas, vis_thr: as in :func:`oks_nms`.
        block: OKS rows computed per step.

    Returns:
        Indices of the kept instances, by decreasing score.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    areas = np.asarray(areas, dtype=np.float64).reshape(-1)
    if keypoints.ndim != 3 or keypoints.shape[2] not in (2, 3):
        raise ValueError(f'keypoints must have shape (N, K, 2) or (N, K, 3), '
                         f'got {keypoints.shape}')
    num = keypoints.shape[0]
    if scores.shape != (num, ) or areas.shape != (num, ):
        raise ValueError(f'scores and areas must have shape ({num},), got {scores.shape} '
                         f'and {areas.shape}')
    if vis_thr is not None and keypoints.shape[2] != 3:
        raise ValueError('vis_thr needs keypoints with a score column, shape (N, K, 3)')
    variances = (_resolve_sigmas(sigmas, keypoints.shape[1]) * 2)**2
    order = np.argsort(-scores, kind='stable')
    suppressed = np.zeros(num, dtype=bool)
    keep = []
    for start in range(0, num, block):
        rows = order[start:start + block]
        oks = _oks(keypoints[rows], keypoints, areas[rows], areas, variances, vis_thr)
        for row, current in enumerate(rows):
            if suppressed[current]:
                continue
            keep.append(int(current))
            # "not <=" rather than ">": a NaN OKS suppresses, as in HRNet's
            # ``oks_nms``, which keeps ``np.where(oks <= thr)``.
            suppressed |= ~(oks[row] <= thr)
    return keep
