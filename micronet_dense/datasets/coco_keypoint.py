"""COCO-format keypoints for top-down pose estimation: one sample per instance box."""
import copy
import json
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from micronet_dense.datasets.augmentation_seeds import SeededAugmentationMixin
from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO, parse_keypoint_metainfo
from micronet_dense.registry import DATASETS


def load_json_file(path: str, what: str):
    """The parsed JSON file ``path``; errors name ``what`` it is and the path."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f'{what} {path} is not valid JSON (truncated?): {error}') from None


def require_fields(entry: dict, fields: Sequence[str], path: str, where: str) -> None:
    """Raise ValueError unless ``entry`` (at ``where`` in ``path``) is an object with ``fields``."""
    if not isinstance(entry, dict):
        raise ValueError(f'{path}: {where} must be a JSON object, got {type(entry).__name__}')
    missing = [field for field in fields if field not in entry]
    if missing:
        raise ValueError(f'{path}: {where} lacks field(s) {missing}')


# What json.load gives for a number; true/false (bool) and strings are not coordinates.
_JSON_NUMBER_TYPES = frozenset({int, float})


def check_number_list(values, length: int, path: str, where: str) -> None:
    """Raise ValueError unless ``values`` is a list of ``length`` JSON numbers (no bools, no strings)."""
    if not isinstance(values, list) or len(values) != length:
        size = len(values) if isinstance(values, list) else type(values).__name__
        raise ValueError(f'{path}: {where} must be a list of {length} numbers, got {size}')
    if not set(map(type, values)) <= _JSON_NUMBER_TYPES:
        other = next(value for value in values if type(value) not in _JSON_NUMBER_TYPES)
        raise ValueError(f'{path}: {where} must be a list of {length} numbers, '
                         f'got {other!r} among them')


def xywh_has_area(bbox: Sequence[float]) -> bool:
    """Whether a COCO ``[x, y, w, h]`` box is finite with positive width and height.

    A detection without area has no crop to estimate a pose in (the affine zoom would be
    infinite); like a detection of another category it is skipped.
    """
    return bool(np.isfinite(bbox).all() and bbox[2] > 0 and bbox[3] > 0)


def _report_kept(data_list: List[dict], category_name: str, summary: str) -> None:
    """Log what loading kept and skipped; nothing kept is an error, not an empty split."""
    if not data_list:
        raise ValueError(f'no {category_name} instance is left to use, {summary}')
    MMLogger.get_current_instance().info(summary)


@DATASETS.register_module()
class CocoKeypointDataset(SeededAugmentationMixin, BaseDataset):
    """Keypoints of one category of a COCO-format file, one ``data_info`` per instance.

    The keypoint set is the ``metainfo`` (see :mod:`micronet_dense.datasets.keypoint_metainfo`):
    COCO person keypoints by default; a given ``metainfo`` (a description, or
    ``dict(from_file=...)``) replaces that default as a whole, it is not merged over it. Only
    annotations (and detections) of the metainfo's ``category_id`` are used.

    Ground-truth-box mode (``bbox_file=None``) keeps the annotated instances of
    ``ann_file``, skipping, as mmpose and HRNet do, crowd annotations,
    instances without labelled keypoints, and boxes empty after clipping to
    the image; the skip counts are logged. Detection mode (``bbox_file``, test
    only) takes the boxes of a COCO detection-result list with
    ``score >= bbox_score_thr`` and all-zero, unlabelled keypoints, skipping
    (and counting) boxes without a positive, finite width and height. A split
    left with no instance is an error: it would train on nothing or report a
    metric of nothing.

    ``data_info`` keys: ``id`` (annotation id, or running index of the kept
    detections), ``img_id``, ``img_path``, ``ori_shape`` (h, w),
    ``bbox`` (1, 4) float32 xyxy, ``bbox_score`` (1,) float32, ``keypoints``
    (1, K, 2) float32, ``keypoints_visible`` (1, K) float32 (1 where v > 0),
    ``num_keypoints``, ``iscrowd``, ``area``, ``category_id``, and from the
    metainfo ``dataset_name``, ``flip_indices``, ``upper_body_ids``,
    ``lower_body_ids``, ``dataset_keypoint_weights`` (its ``joint_weights``).

    Args:
        ann_file: COCO-format keypoint annotation JSON, relative to ``data_root``.
        bbox_file: COCO detection results (``image_id``, ``category_id``,
            ``bbox`` xywh, ``score``), used as given (relative to the working
            directory, as in mmpose).
        bbox_score_thr: Minimum detection score kept in detection mode.
        data_root: Root of ``ann_file`` and ``data_prefix``.
        data_prefix: ``dict(img=...)``, the image folder.
        pipeline: Transforms applied by ``__getitem__``.
        test_mode: Evaluation mode; required for ``bbox_file``.
        **kwargs: Other ``mmengine.dataset.BaseDataset`` arguments
            (``metainfo``, ``lazy_init``, ``serialize_data``, ``indices``, ...).
    """

    METAINFO = COCO_PERSON_METAINFO
    # Per-sample keys the flip, half-body and target transforms read, and their metainfo source.
    PIPELINE_METAINFO_KEYS = dict(dataset_name='dataset_name', flip_indices='flip_indices',
                                  upper_body_ids='upper_body_ids', lower_body_ids='lower_body_ids',
                                  dataset_keypoint_weights='joint_weights')

    def __init__(self,
                 ann_file: str = '',
                 bbox_file: Optional[str] = None,
                 bbox_score_thr: float = 0.0,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if bbox_file and not test_mode:
            raise ValueError(
                f'CocoKeypointDataset: bbox_file={bbox_file!r} holds detections for '
                f'evaluation and needs test_mode=True')
        self.bbox_file = bbox_file
        self.bbox_score_thr = bbox_score_thr
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(img='val2017/') if data_prefix is None else data_prefix,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        # mmengine merges a given metainfo over METAINFO; a keypoint set is described as a
        # whole (merged, COCO's half-body ids would outlive COCO's keypoints).
        return parse_keypoint_metainfo(cls.METAINFO if metainfo is None else metainfo,
                                       where=f'{cls.__name__} metainfo')

    def get_data_info(self, idx: int) -> dict:
        data_info = super().get_data_info(idx)
        for key, source in self.PIPELINE_METAINFO_KEYS.items():
            data_info[key] = copy.deepcopy(self._metainfo[source])
        return data_info

    def load_data_list(self) -> List[dict]:
        coco = load_json_file(self.ann_file, 'annotation file')
        require_fields(coco, ('images', ) if self.bbox_file else ('images', 'annotations'),
                 self.ann_file, 'the top level')
        images = {}
        for i, image in enumerate(coco['images']):
            require_fields(image, ('id', 'file_name', 'width', 'height'), self.ann_file, f'images[{i}]')
            images[image['id']] = image
        if self.bbox_file:
            return self._load_detections(images)
        return self._load_annotated_instances(coco['annotations'], images)

    def _image_fields(self, image: dict) -> dict:
        return dict(img_id=image['id'],
                    img_path=osp.join(self.data_prefix['img'], image['file_name']),
                    ori_shape=(image['height'], image['width']))

    def _load_annotated_instances(self, annotations: list,
                                  images: Dict[int, dict]) -> List[dict]:
        num_keypoints = self._metainfo['num_keypoints']
        category_id, name = self._metainfo['category_id'], self._metainfo['category_name']
        skipped = Counter()
        data_list = []
        for i, ann in enumerate(annotations):
            where = f'annotations[{i}]'
            require_fields(ann, ('id', 'image_id', 'bbox', 'keypoints'), self.ann_file, where)
            # Another category may have another keypoint set: it is skipped before any check.
            if ann.get('category_id', category_id) != category_id:
                skipped['other category'] += 1
                continue
            where = f'annotation id {ann["id"]}'
            check_number_list(ann['bbox'], 4, self.ann_file, f"{where} 'bbox'")
            check_number_list(ann['keypoints'], 3 * num_keypoints, self.ann_file,
                          f"{where} 'keypoints' ({num_keypoints} x (x, y, v))")
            if ann['image_id'] not in images:
                raise ValueError(
                    f'{self.ann_file}: {where} refers to unknown image_id {ann["image_id"]}')
            image = images[ann['image_id']]
            keypoints = np.array(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
            num_labelled = int(ann.get('num_keypoints', np.count_nonzero(keypoints[..., 2])))
            if ann.get('iscrowd', 0):
                skipped['crowd'] += 1
                continue
            if num_labelled == 0:
                skipped['no keypoints'] += 1
                continue
            x, y, w, h = ann['bbox']
            img_w, img_h = image['width'], image['height']
            bbox = np.array([[np.clip(x, 0, img_w - 1), np.clip(y, 0, img_h - 1),
                              np.clip(x + w, 0, img_w - 1), np.clip(y + h, 0, img_h - 1)]],
                            dtype=np.float32)
            if (bbox[0, 2:] <= bbox[0, :2]).any():
                skipped['empty box'] += 1
                continue
            data_list.append(dict(
                id=ann['id'],
                **self._image_fields(image),
                bbox=bbox,
                bbox_score=np.ones(1, dtype=np.float32),
                keypoints=keypoints[..., :2].copy(),
                keypoints_visible=(keypoints[..., 2] > 0).astype(np.float32),
                num_keypoints=num_labelled,
                iscrowd=0,
                area=float(ann.get('area', w * h)),
                category_id=category_id))
        _report_kept(data_list, name, f'{self.ann_file}: {len(data_list)} {name} instances kept, '
                     f'skipped: {skipped["crowd"]} crowd, {skipped["no keypoints"]} without '
                     f'labelled keypoints, {skipped["empty box"]} with an empty box after '
                     f'clipping to the image, {skipped["other category"]} not {name}')
        return data_list

    def _load_detections(self, images: Dict[int, dict]) -> List[dict]:
        path = self.bbox_file
        detections = load_json_file(path, 'detection file')
        if not isinstance(detections, list):
            raise ValueError(f'{path}: expected a list of detections, got '
                             f'{type(detections).__name__}')
        num_keypoints = self._metainfo['num_keypoints']
        category_id, name = self._metainfo['category_id'], self._metainfo['category_name']
        skipped = Counter()
        data_list = []
        for i, det in enumerate(detections):
            where = f'detection [{i}]'
            require_fields(det, ('image_id', 'category_id', 'bbox', 'score'), path, where)
            check_number_list(det['bbox'], 4, path, f"{where} 'bbox'")
            if 'keypoints' in det:
                # A keypoint result file reused for its boxes must still be well-formed.
                check_number_list(det['keypoints'], 3 * num_keypoints, path, f"{where} 'keypoints'")
            if det['image_id'] not in images:
                raise ValueError(f'{path}: {where} refers to image_id {det["image_id"]}, '
                                 f'which is not in {self.ann_file}')
            if det['category_id'] != category_id:
                skipped['other category'] += 1
                continue
            if det['score'] < self.bbox_score_thr:
                skipped['low score'] += 1
                continue
            if not xywh_has_area(det['bbox']):
                skipped['empty box'] += 1
                continue
            x, y, w, h = det['bbox']
            data_list.append(dict(
                id=len(data_list),
                **self._image_fields(images[det['image_id']]),
                bbox=np.array([[x, y, x + w, y + h]], dtype=np.float32),
                bbox_score=np.array([det['score']], dtype=np.float32),
                keypoints=np.zeros((1, num_keypoints, 2), dtype=np.float32),
                keypoints_visible=np.zeros((1, num_keypoints), dtype=np.float32),
                num_keypoints=0,
                iscrowd=0,
                area=float(w * h),
                category_id=category_id))
        _report_kept(data_list, name, f'{path}: {len(data_list)} {name} boxes kept, skipped: '
                     f'{skipped["other category"]} not {name}, '
                     f'{skipped["low score"]} with score < '
                     f'{self.bbox_score_thr}, {skipped["empty box"]} with a non-positive or '
                     f'non-finite width or height')
        return data_list
