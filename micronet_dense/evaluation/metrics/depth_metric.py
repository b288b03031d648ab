"""Monocular depth scores (AbsRel, SqRel, RMSE, RMSE log, δ thresholds) averaged over images."""
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from micronet_dense.evaluation.functional.depth import DEPTH_LOWER_IS_BETTER, depth_errors
from micronet_dense.registry import METRICS

from .iou_metric import _label_map as _dense_map


@METRICS.register_module()
class DepthMetric(BaseMetric):
    """The seven depth scores of the Eigen / KITTI / NYU protocol, each averaged over images.

    Per image, :meth:`process` keeps the seven scores over the pixels whose ground truth lies
    within ``[min_depth, max_depth]`` (0 = no measurement), with predictions clipped to that
    range (:func:`~micronet_dense.evaluation.functional.depth.depth_errors`);
    :meth:`compute_metrics` returns their means over images: ``AbsRel``, ``SqRel``, ``RMSE``
    (metres), ``RMSElog`` and the fractions ``delta1``, ``delta2``, ``delta3`` of pixels with
    ``max(pred / gt, gt / pred)`` below 1.25, 1.25², 1.25³. Outside a runner::

        metric = DepthMetric(max_depth=80)
        metric.process([], [dict(pred_depth_map=dict(data=pred), gt_depth_map=dict(data=gt),
                                 img_path='a.png')])
        scores = metric.evaluate(size=1)

    Args:
        min_depth, max_depth: The evaluated depth range in metres (caps).
        collect_device: ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix: Metric name prefix (e.g. ``'depth'`` next to a segmentation metric); None keeps
            the bare keys.

    Each data sample is a dict with ``pred_depth_map`` and ``gt_depth_map``, each a dict whose
    ``'data'`` is a (1, H, W) or (H, W) float tensor/array in metres, and ``img_path`` (named in
    error messages).
    """

    default_prefix: Optional[str] = None
    #: Whether lower is better, per score name (e.g. for the multi-task Δm).
    lower_is_better: Mapping[str, bool] = DEPTH_LOWER_IS_BETTER

    def __init__(self, min_depth: float = 1e-3, max_depth: float = 80.0,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < min_depth < max_depth:
            raise ValueError(f'DepthMetric needs 0 < min_depth < max_depth, got '
                             f'min_depth={min_depth}, max_depth={max_depth}')
        self.min_depth = min_depth
        self.max_depth = max_depth

    def process(self, data_batch: Any, data_samples: Sequence[Dict[str, Any]]) -> None:
        """Keep the seven scores of each sample (``data_batch`` is unused).

        Raises:
            ValueError: shapes differ, the image has no ground-truth pixel in range, or a
                prediction on a valid pixel is not finite; the message names the image.
        """
        for index, data_sample in enumerate(data_samples):
            img_path = data_sample.get('img_path', f'data sample {index} of the batch')
            pred = _dense_map(data_sample, 'pred_depth_map', img_path)
            gt = _dense_map(data_sample, 'gt_depth_map', img_path)
            try:
                errors = depth_errors(pred, gt, self.min_depth, self.max_depth)
            except ValueError as err:
                raise ValueError(f'{img_path}: {err}') from None
            self.results.append(errors)

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """Means over images of the seven scores.

        Raises:
            ValueError: no result.
        """
        if not results:
            raise ValueError('DepthMetric saw no image')
        means = np.mean(np.stack(results), axis=0)
        return {name: float(value) for name, value in zip(DEPTH_LOWER_IS_BETTER, means)}
