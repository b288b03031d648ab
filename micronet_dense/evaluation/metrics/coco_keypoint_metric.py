"""COCO keypoint AP/AR of top-down pose predictions (OKS-NMS, rescoring, COCOeval), for the
keypoint set and category of the dataset metainfo."""
import contextlib
import io
import json
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO, parse_keypoint_metainfo
from micronet_dense.evaluation.functional.oks_nms import oks_nms_arrays
from micronet_dense.registry import METRICS
from micronet_dense.utils.atomic_io import write_json_atomic

#: Names of ``COCOeval.stats`` for ``iouType='keypoints'``, in order.
STAT_NAMES = ('AP', 'AP50', 'AP75', 'APM', 'APL', 'AR', 'AR50', 'AR75', 'ARM', 'ARL')
_REQUIRED_TOP_KEYS = ('images', 'annotations', 'categories')
_REQUIRED_ANN_KEYS = ('id', 'image_id', 'category_id', 'keypoints', 'num_keypoints', 'area',
                      'bbox', 'iscrowd')


def load_coco_keypoint_gt(ann_file: str) -> COCO:
    """Load a COCO keypoint annotation file, failing with the file and field at fault."""
    try:
        with open(ann_file, encoding='utf-8') as f:
            dataset = json.load(f)
    except FileNotFoundError as err:
        raise FileNotFoundError(f'COCO annotation file not found: {ann_file}') from err
    except json.JSONDecodeError as err:
        raise ValueError(f'COCO annotation file {ann_file} is not valid JSON: {err}') from err
    if not isinstance(dataset, dict):
        raise ValueError(f'COCO annotation file {ann_file}: top level must be a JSON object, '
                         f'got {type(dataset).__name__}')
    for key in _REQUIRED_TOP_KEYS:
        if key not in dataset:
            raise ValueError(f"COCO annotation file {ann_file} has no '{key}' field")
    for index, ann in enumerate(dataset['annotations']):
        missing = [key for key in _REQUIRED_ANN_KEYS if key not in ann]
        if missing:
            raise ValueError(f'COCO annotation file {ann_file}: annotations[{index}] lacks '
                             f'{missing} (keypoint evaluation needs {list(_REQUIRED_ANN_KEYS)})')
    # COCOeval ignores crowd regions and people without labelled keypoints; with nothing else
    # it reports AP = AR = -1 instead of failing.
    if not any(ann['num_keypoints'] > 0 and not ann['iscrowd'] for ann in dataset['annotations']):
        raise ValueError(f'COCO annotation file {ann_file} has no non-crowd person with labelled '
                         f'keypoints: keypoint AP/AR would be undefined')
    coco = COCO()
    coco.dataset = dataset
    # createIndex prints progress on stdout, which would interleave with training logs.
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def bbox_keypoint_score(bbox_scores: np.ndarray, keypoint_scores: np.ndarray,
                        keypoint_score_thr: float) -> np.ndarray:
    """HRNet rescoring: box score × mean of the keypoint scores above a threshold.

    Args:
        bbox_scores: (N,) detector scores of the person boxes.
        keypoint_scores: (N, K) keypoint confidences.
        keypoint_score_thr: only scores > this enter the mean; an instance
            with none gets keypoint score 0 and hence instance score 0.

    Returns:
        (N,) float64 instance scores.
    """
    bbox_scores = np.asarray(bbox_scores, dtype=np.float64)
    keypoint_scores = np.asarray(keypoint_scores, dtype=np.float64)
    confident = keypoint_scores > keypoint_score_thr
    num_confident = confident.sum(axis=1)
    mean_confident = np.where(confident, keypoint_scores, 0.0).sum(axis=1) / np.maximum(
        num_confident, 1)
    return bbox_scores * np.where(num_confident > 0, mean_confident, 0.0)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _instance_record(instance_id: Optional[int], img_id: int, bbox_score: float, area: float,
                     keypoints: np.ndarray, keypoint_scores: np.ndarray) -> dict:
    """One collected instance: ``keypoints`` (K, 2) and ``keypoint_scores`` (K,) float64."""
    return dict(id=instance_id, img_id=img_id, bbox_score=bbox_score, area=area,
                keypoints=keypoints, keypoint_scores=keypoint_scores)


def _check_shapes(keypoints: np.ndarray, keypoint_scores: np.ndarray, num: int) -> np.ndarray:
    """Raise unless ``keypoints`` is (num, K, 2) and ``keypoint_scores`` (num, K); return
    ``keypoint_scores``."""
    if keypoints.ndim != 3 or keypoints.shape[0] != num or keypoints.shape[2] != 2:
        raise ValueError(f'keypoints must have shape ({num}, K, 2), got {keypoints.shape}')
    if keypoint_scores.shape != keypoints.shape[:2]:
        raise ValueError(f'keypoint_scores must have shape {keypoints.shape[:2]}, '
                         f'got {keypoint_scores.shape}')
    return keypoint_scores


def _scalar(value: Any, field: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    array = _to_numpy(value).reshape(-1)
    if array.size != 1:
        raise ValueError(f"data sample field '{field}' must be a scalar or 1-element array, "
                         f'got {array.size} elements')
    return float(array[0])


@METRICS.register_module()
class CocoKeypointMetric(BaseMetric):
    """COCO keypoint AP/AR (``COCOeval(iouType='keypoints')``) of top-down predictions.

    Each collected instance is rescored (``score_mode``), instances of the
    same image are filtered by OKS-NMS (``nms_mode``), the result list is
    written to ``{outfile_prefix}.keypoints.json`` and evaluated against
    ``ann_file`` with pycocotools.

    The keypoint set is the ``dataset_meta`` the runner hands over (the evaluated dataset's
    metainfo, see :mod:`micronet_dense.datasets.keypoint_metainfo`): its ``sigmas`` drive both
    OKS-NMS and ``COCOeval.params.kpt_oks_sigmas``, its ``category_id`` is the category the
    results are written and evaluated for. Without a runner (``dataset_meta`` unset) it is
    COCO's person keypoints.

    Args:
        ann_file: COCO-format keypoint annotation JSON of the evaluated category.
        score_mode: ``'bbox'`` (instance score = box score) or
            ``'bbox_keypoint'`` (see :func:`bbox_keypoint_score`).
        keypoint_score_thr: keypoint score threshold of ``'bbox_keypoint'``.
        nms_mode: ``'oks_nms'`` or ``'none'``.
        nms_thr: OKS above which the lower-scored instance of an image is dropped.
        outfile_prefix: where the results JSON goes; ``None`` writes it to a
            temporary folder that is removed after evaluation.
        collect_device: ``'cpu'`` or ``'gpu'``, for gathering results across ranks.
        prefix: metric name prefix; defaults to ``'coco'``.
    """
    default_prefix: Optional[str] = 'coco'

    def __init__(self,
                 ann_file: str,
                 score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2,
                 nms_mode: str = 'oks_nms',
                 nms_thr: float = 0.9,
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if score_mode not in ('bbox', 'bbox_keypoint'):
            raise ValueError(f"score_mode must be 'bbox' or 'bbox_keypoint', got {score_mode!r}")
        if nms_mode not in ('oks_nms', 'none'):
            raise ValueError(f"nms_mode must be 'oks_nms' or 'none', got {nms_mode!r}")
        self.ann_file = ann_file
        self.score_mode = score_mode
        self.keypoint_score_thr = keypoint_score_thr
        self.nms_mode = nms_mode
        self.nms_thr = nms_thr
        self.outfile_prefix = outfile_prefix
        self.coco_gt = load_coco_keypoint_gt(ann_file)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Collect one instance per data sample.

        Each sample needs ``'img_id'``, ``'id'``, ``'bbox_score'``, ``'area'`` and
        ``'pred_instances'`` with ``'keypoints'`` (1, K, 2) and
        ``'keypoint_scores'`` (1, K), as numpy arrays or torch tensors.
        """
        for sample in data_samples:
            try:
                pred = sample['pred_instances']
                keypoints, keypoint_scores = pred['keypoints'], pred['keypoint_scores']
                img_id, instance_id = sample['img_id'], sample['id']
                bbox_score, area = sample['bbox_score'], sample['area']
            except KeyError as err:
                raise KeyError(f'CocoKeypointMetric: data sample lacks field {err}') from err
            keypoints = _to_numpy(keypoints)
            if keypoints.shape[0] != 1:
                raise ValueError('CocoKeypointMetric evaluates top-down predictions: '
                                 "'pred_instances.keypoints' must hold 1 instance per sample, "
                                 f'got shape {keypoints.shape}')
            keypoint_scores = _check_shapes(keypoints, _to_numpy(keypoint_scores), 1)
            self.results.append(
                _instance_record(int(instance_id), int(img_id), _scalar(bbox_score, 'bbox_score'),
                                 _scalar(area, 'area'), keypoints[0], keypoint_scores[0]))

    def add_instances(self,
                      img_ids: Sequence[int],
                      bbox_scores: Sequence[float],
                      areas: Sequence[float],
                      keypoints: Any,
                      keypoint_scores: Any,
                      ids: Optional[Sequence[int]] = None) -> None:
        """Collect N instances without a runner.

        Args:
            img_ids: (N,) COCO image ids.
            bbox_scores: (N,) person box scores.
            areas: (N,) object scales (px²) used by OKS-NMS.
            keypoints: (N, K, 2) ``x, y`` in original image pixels.
            keypoint_scores: (N, K) keypoint confidences.
            ids: (N,) instance ids; a repeated id is evaluated once. ``None``
                never deduplicates these instances.
        """
        keypoints = _to_numpy(keypoints)
        keypoint_scores = _to_numpy(keypoint_scores)
        bbox_scores = _to_numpy(bbox_scores).reshape(-1)
        areas = _to_numpy(areas).reshape(-1)
        img_ids = [int(img_id) for img_id in img_ids]
        num = len(img_ids)
        _check_shapes(keypoints, keypoint_scores, num)
        ids = [None] * num if ids is None else [int(i) for i in ids]
        for name, values in (('bbox_scores', bbox_scores), ('areas', areas), ('ids', ids)):
            if len(values) != num:
                raise ValueError(f'{name} must have {num} entries, got {len(values)}')
        self.results.extend(
            _instance_record(ids[n], img_ids[n], float(bbox_scores[n]), float(areas[n]),
                             keypoints[n], keypoint_scores[n]) for n in range(num))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Rescore, OKS-NMS, write the results JSON and run COCOeval.

        Returns:
            OrderedDict of :data:`STAT_NAMES` to floats (-1 where COCOeval
            has no ground truth in the area range).
        """
        if not results:
            raise ValueError('CocoKeypointMetric: no predictions were collected, '
                             'COCO keypoint AP is undefined')
        records = self._unique_by_id(results)
        self._check_records(records)
        coco_results = self._to_coco_results(records)
        if self.outfile_prefix is not None:
            return self._evaluate(coco_results, f'{self.outfile_prefix}.keypoints.json')
        with tempfile.TemporaryDirectory() as tmp_dir:
            return self._evaluate(coco_results, osp.join(tmp_dir, 'results.keypoints.json'))

    @staticmethod
    def _unique_by_id(results: List[dict]) -> List[dict]:
        # Distributed samplers pad the last batch with repeated samples.
        seen = set()
        unique = []
        for record in results:
            if record['id'] is not None:
                if record['id'] in seen:
                    continue
                seen.add(record['id'])
            unique.append(record)
        return unique

    @property
    def keypoint_meta(self) -> dict:
        """The parsed keypoint metainfo evaluated against (see the class docstring)."""
        if not self.dataset_meta:
            return COCO_PERSON_METAINFO
        return parse_keypoint_metainfo(self.dataset_meta, where='CocoKeypointMetric dataset_meta')

    def _check_records(self, records: List[dict]) -> None:
        meta = self.keypoint_meta
        num_keypoints = meta['num_keypoints']
        shapes = {record['keypoints'].shape[0] for record in records}
        if shapes != {num_keypoints}:
            raise ValueError(f'{meta["dataset_name"]} keypoint evaluation needs {num_keypoints} '
                             f'keypoints per instance, got {sorted(shapes)}')
        unknown = {record['img_id'] for record in records} - set(self.coco_gt.getImgIds())
        if unknown:
            raise ValueError(f'predictions refer to image ids absent from {self.ann_file}: '
                             f'{sorted(unknown)[:10]}')

    def _to_coco_results(self, records: List[dict]) -> List[dict]:
        """COCO result entries grouped by ascending image id; within an image by
        decreasing score after OKS-NMS, else in collection order."""
        keypoint_scores = np.stack([record['keypoint_scores'] for record in records])
        keypoints = np.concatenate(
            [np.stack([record['keypoints'] for record in records]), keypoint_scores[..., None]],
            axis=2)  # (N, K, 3)
        bbox_scores = np.array([record['bbox_score'] for record in records])
        areas = np.array([record['area'] for record in records])
        img_ids = np.array([record['img_id'] for record in records])
        if self.score_mode == 'bbox_keypoint':
            scores = bbox_keypoint_score(bbox_scores, keypoint_scores, self.keypoint_score_thr)
        else:
            scores = bbox_scores
        # A stable sort keeps the collection order within each image.
        by_image = np.argsort(img_ids, kind='stable')
        _, image_starts = np.unique(img_ids[by_image], return_index=True)
        meta = self.keypoint_meta
        kept = []
        for indices in np.split(by_image, image_starts[1:]):
            if self.nms_mode == 'oks_nms':
                kept.extend(indices[oks_nms_arrays(keypoints[indices], scores[indices],
                                                   areas[indices], self.nms_thr,
                                                   sigmas=meta['sigmas'])])
            else:
                kept.extend(indices)
        kept = np.array(kept, dtype=np.int64)
        return [
            dict(image_id=img_id, category_id=meta['category_id'], keypoints=flat, score=score)
            for img_id, flat, score in zip(img_ids[kept].tolist(),
                                           keypoints[kept].reshape(kept.size, -1).tolist(),
                                           scores[kept].tolist())
        ]

    def _evaluate(self, coco_results: List[dict], outfile: str) -> Dict[str, float]:
        write_json_atomic(outfile, coco_results)
        # pycocotools reports progress on stdout; only the summary goes to the log.
        with contextlib.redirect_stdout(io.StringIO()):
            # The entries just written, without reading them back: loadRes adds its own
            # fields to them, hence after the file is written.
            coco_dt = self.coco_gt.loadRes(coco_results)
            coco_eval = COCOeval(self.coco_gt, coco_dt, 'keypoints')
            meta = self.keypoint_meta
            coco_eval.params.kpt_oks_sigmas = np.array(meta['sigmas'], dtype=np.float64)
            coco_eval.params.catIds = [meta['category_id']]
            coco_eval.evaluate()
            coco_eval.accumulate()
        with contextlib.redirect_stdout(io.StringIO()) as summary:
            coco_eval.summarize()
        MMLogger.get_current_instance().info(
            f'COCO keypoint evaluation of {outfile}:\n{summary.getvalue()}')
        return OrderedDict((name, float(value)) for name, value in zip(STAT_NAMES, coco_eval.stats))
