"""Semantic segmentation mIoU / mAcc / aAcc, with optional Cityscapes test-server export."""
import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from micronet_dense.utils.atomic_io import atomic_output_path
from micronet_dense.datasets.cityscapes_labels import TRAIN_CLASSES, train_ids_to_label_ids
from micronet_dense.evaluation.functional.iou import (SegAreas, intersect_and_union,
                                                      segmentation_scores, sum_areas)
from micronet_dense.registry import METRICS


def _label_map(data_sample: Dict[str, Any], field: str, img_path: str) -> np.ndarray:
    """The (H, W) map stored as ``data_sample[field]['data']`` ((1, H, W) or (H, W))."""
    if field not in data_sample or 'data' not in data_sample[field]:
        raise KeyError(f"{img_path}: data sample has no '{field}' with a 'data' entry")
    data = data_sample[field]['data']
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f"{img_path}: '{field}' must be (1, H, W) or (H, W), got {data.shape}")
    return data


@METRICS.register_module()
class IoUMetric(BaseMetric):
    """Dataset-level IoU per class and its mean (mIoU), plus pixel accuracies.

    Per image, :meth:`process` keeps only the per-class areas (intersection, union,
    prediction, label); :meth:`compute_metrics` sums them over the dataset and returns
    percentages (not rounded):

    * ``mIoU``: mean over classes of ``sum(intersect) / sum(union)``; a class absent from
      every prediction and every label (union 0) is NaN and left out of the mean;
    * ``mAcc``: mean over classes of ``sum(intersect) / sum(label)`` (NaN-skipping too);
    * ``aAcc``: correctly predicted pixels / non-ignored pixels.

    The per-class table is logged. Outside a runner, feed plain arrays as minimal dicts::

        metric = IoUMetric()
        metric.process([], [dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=gt))])
        scores = metric.evaluate(size=1)

    In a runner the evaluated dataset's metainfo (``dataset_meta``) supplies C and the class
    names; an explicit ``num_classes`` must agree with it.

    Args:
        num_classes: Number of classes C; predictions and labels hold 0..C-1. None: the
            dataset's class count (19, Cityscapes', outside a runner).
        ignore_index: Label value excluded from every count.
        class_names: Names of the C classes for the log; None means the dataset's classes
            (outside a runner: the 19 Cityscapes train classes, or the indices when C != 19).
        output_dir: When set, each prediction is also written there as a Cityscapes
            label-id PNG (train ids mapped back to official ids) named like its input
            image, flat, as the official test server expects. Needs C == 19.
        collect_device: ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix: Metric name prefix; None keeps the bare ``mIoU`` keys.

    Each data sample is a dict with ``pred_sem_seg`` and ``gt_sem_seg``, each a dict
    whose ``'data'`` is a (1, H, W) or (H, W) integer tensor/array, and ``img_path``
    (used in error messages and for the export name).
    """

    default_prefix: Optional[str] = None

    def __init__(self, num_classes: Optional[int] = None, ignore_index: int = 255,
                 class_names: Optional[Sequence[str]] = None, output_dir: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.output_dir = output_dir
        self._explicit_num_classes = num_classes
        self._given_class_names = class_names
        self._set_classes(num_classes, class_names, 'the given num_classes')

    def _set_classes(self, num_classes: Optional[int], class_names: Optional[Sequence[str]],
                     source: str) -> None:
        num_classes = len(TRAIN_CLASSES) if num_classes is None else num_classes
        if class_names is None:
            class_names = (TRAIN_CLASSES if num_classes == len(TRAIN_CLASSES) else
                           [str(index) for index in range(num_classes)])
        if len(class_names) != num_classes:
            raise ValueError(f'{len(class_names)} class names given for {num_classes} classes '
                             f'({source})')
        if self.output_dir is not None and num_classes != len(TRAIN_CLASSES):
            raise ValueError(f'output_dir exports Cityscapes label ids, which needs the '
                             f'{len(TRAIN_CLASSES)} Cityscapes train classes, not {num_classes}')
        self.num_classes = num_classes
        self.class_names = tuple(class_names)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        """Take C and the class names from the dataset (a given C must agree)."""
        self._dataset_meta = copy.deepcopy(dataset_meta)
        classes = (dataset_meta or {}).get('classes')
        if classes is None:
            return
        if self._explicit_num_classes is not None and self._explicit_num_classes != len(classes):
            raise ValueError(f'IoUMetric: num_classes={self._explicit_num_classes} but the '
                             f'dataset has {len(classes)} classes {tuple(classes)}')
        self._set_classes(len(classes), self._given_class_names or classes, 'dataset metainfo')

    def process(self, data_batch: Any, data_samples: Sequence[Dict[str, Any]]) -> None:
        """Accumulate the per-class areas of each sample (``data_batch`` is unused).

        Raises:
            ValueError: prediction and label shapes differ, or a map holds a class id
                outside [0, C) (other than ``ignore_index`` in the label); the message
                names the image.
        """
        for index, data_sample in enumerate(data_samples):
            img_path = data_sample.get('img_path', f'data sample {index} of the batch')
            pred = _label_map(data_sample, 'pred_sem_seg', img_path)
            label = _label_map(data_sample, 'gt_sem_seg', img_path)
            if pred.shape != label.shape:
                raise ValueError(f'{img_path}: prediction shape {pred.shape} differs from '
                                 f'ground-truth shape {label.shape}')
            try:
                areas = intersect_and_union(pred, label, self.num_classes, self.ignore_index)
            except ValueError as err:
                raise ValueError(f'{img_path}: {err}') from None
            self.results.append(areas)
            if self.output_dir is not None:
                self._export(pred, img_path)

    def _export(self, pred: np.ndarray, img_path: str) -> None:
        stem = osp.splitext(osp.basename(img_path))[0]
        ok, png = cv2.imencode('.png', train_ids_to_label_ids(pred))
        if not ok:
            raise RuntimeError(f'PNG encoding of the prediction of {img_path} failed')
        with atomic_output_path(osp.join(self.output_dir, stem + '.png')) as tmp_path:
            with open(tmp_path, 'wb') as f:
                f.write(png.tobytes())

    def compute_metrics(self, results: List[SegAreas]) -> Dict[str, float]:
        """Percentages ``aAcc``, ``mIoU``, ``mAcc`` of the whole dataset.

        Raises:
            ValueError: no result, or every label pixel is ignored.
        """
        scores = segmentation_scores(sum_areas(results))
        self._log_table(scores)
        return dict(aAcc=float(scores['aAcc']) * 100,
                    mIoU=float(np.nanmean(scores['IoU'])) * 100,
                    mAcc=float(np.nanmean(scores['Acc'])) * 100)

    def _log_table(self, scores: Dict[str, np.ndarray]) -> None:
        width = max(len('Class'), *(len(name) for name in self.class_names))
        lines = [f'{"Class":<{width}} | {"IoU":>6} | {"Acc":>6}']
        lines += [f'{name:<{width}} | {iou * 100:>6.2f} | {acc * 100:>6.2f}'
                  for name, iou, acc in zip(self.class_names, scores['IoU'], scores['Acc'])]
        print_log('per-class results:\n' + '\n'.join(lines), logger='current')
