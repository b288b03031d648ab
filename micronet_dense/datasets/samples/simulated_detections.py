"""Person boxes as a detector would give them for a synthetic COCO image (COCO result format)."""
from typing import List, Tuple

import numpy as np

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO


def simulate_person_detections(rng: np.random.Generator, image_id: int, annotations: List[dict],
                               size: Tuple[int, int]) -> List[dict]:
    """A person detector's output: jittered boxes of ~95% of the persons (score 0.5-1) and
    random false positives (score < 0.5); boxes clipped to the image."""
    width, height = size
    boxes, scores = [], []
    for ann in annotations:
        if ann['iscrowd'] or rng.random() < 0.05:
            continue
        x, y, w, h = ann['bbox']
        shift = np.clip(rng.normal(0, 0.04, 2), -0.1, 0.1) * (w, h)
        scale = np.exp(np.clip(rng.normal(0, 0.08, 2), -0.2, 0.2))
        center = np.array([x + w / 2, y + h / 2]) + shift
        boxes.append(np.concatenate([center - scale * (w, h) / 2, center + scale * (w, h) / 2]))
        scores.append(rng.uniform(0.5, 1.0))
    for _ in range(int(rng.poisson(0.6))):
        h = rng.uniform(0.15, 0.6) * height
        w = h * rng.uniform(0.3, 0.8)
        x, y = rng.uniform(-0.1 * w, width - 0.9 * w), rng.uniform(-0.1 * h, height - 0.9 * h)
        boxes.append(np.array([x, y, x + w, y + h]))
        scores.append(rng.uniform(0.02, 0.45))
    detections = []
    for (x0, y0, x1, y1), score in zip(boxes, scores):
        x0, x1 = np.clip([x0, x1], 0, width)
        y0, y1 = np.clip([y0, y1], 0, height)
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            detections.append(dict(
                image_id=image_id, category_id=COCO_PERSON_METAINFO['category_id'],
                bbox=[round(float(v), 2) for v in (x0, y0, x1 - x0, y1 - y0)],
                score=round(float(score), 3)))
    return detections
