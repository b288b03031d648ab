"""Instance boxes from a COCO-format detection result file (no detector is bundled)."""
from collections import defaultdict
from typing import Dict

import numpy as np

from mmengine.logging import print_log

from micronet_dense.datasets.coco_keypoint import (check_number_list, load_json_file,
                                                   require_fields, xywh_has_area)
from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO


def load_person_detections(path: str, score_thr: float = 0.0,
                           category_id: int = COCO_PERSON_METAINFO['category_id']
                           ) -> Dict[int, np.ndarray]:
    """``image_id -> (N, 4) float32 xyxy`` boxes of ``category_id`` scored >= ``score_thr``.

    The file is a COCO result list ``[{"image_id", "bbox": [x, y, w, h], "score",
    "category_id"}, ...]``, as person detectors evaluated on COCO write it. Boxes without a
    positive, finite width and height are skipped and counted in the log. Images without a kept
    box are absent from the mapping.
    """
    detections = load_json_file(path, 'detection file')
    if not isinstance(detections, list):
        raise ValueError(f'{path}: expected a list of detections, got {type(detections).__name__}')
    boxes = defaultdict(list)
    num_without_area = 0
    for i, det in enumerate(detections):
        require_fields(det, ('image_id', 'category_id', 'bbox', 'score'), path, f'detection [{i}]')
        check_number_list(det['bbox'], 4, path, f"detection [{i}] 'bbox'")
        if det['category_id'] == category_id and det['score'] >= score_thr:
            if not xywh_has_area(det['bbox']):
                num_without_area += 1
                continue
            x, y, w, h = det['bbox']
            boxes[det['image_id']].append((x, y, x + w, y + h))
    if num_without_area:
        print_log(f'{path}: skipped {num_without_area} boxes with a non-positive or non-finite '
                  'width or height', logger='current')
    return {image_id: np.asarray(b, dtype=np.float32) for image_id, b in boxes.items()}
