"""Evaluation speed: COCO keypoint AP of top-down predictions and Cityscapes-size mIoU.

Both metrics run the way the runner drives them: ``metric.process`` once per batch of
data samples (as ``Evaluator`` hands them over, tensors included), then
``metric.evaluate(size)``. The inputs are synthetic but shaped like the real ones:

* OKS: a COCO person-keypoint ground truth with several people per image (COCO's
  mix of small/medium/large boxes, hidden keypoints, people without keypoints, crowd
  regions) and predictions that are noisy copies of every person plus near-duplicate
  detections (suppressed by OKS-NMS) and false positives;
* mIoU: 1024×2048 label maps of 19 classes in blocky regions with an ignored (255)
  border band, predictions that are copies with wrong blocks.

Run alone: ``python benchmarks/evaluation.py [--quick] [--out result.json]``.
"""
import os
import sys
import tempfile
import time
from typing import Dict, Iterator, List, Tuple

import numpy as np
import torch

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO, coco_category
from micronet_dense.evaluation.metrics import CocoKeypointMetric, IoUMetric
from micronet_dense.utils.atomic_io import write_json_atomic

if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NUM_KEYPOINTS = COCO_PERSON_METAINFO['num_keypoints']
# The category the keypoint metric evaluates when no dataset metainfo is given.
PERSON = coco_category(COCO_PERSON_METAINFO)
IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
#: Top-down crops are the person box scaled by 1.25 (GetBBoxCenterScale padding).
CROP_PADDING = 1.25


def synthetic_coco_keypoints(num_people: int, num_images: int,
                             seed: int = 0) -> Dict[str, list]:
    """COCO person-keypoint ground truth (the ``person_keypoints_*.json`` layout).

    People are spread over ``num_images`` 640×480 images (at least one each). Box
    areas are log-uniform from 16² to 300² px² (all three COCO area ranges); about
    30% of the keypoints are unlabelled (v=0), 5% of the people have no labelled
    keypoint and 1% are crowd regions, which COCOeval ignores, as in COCO.
    """
    if not 1 <= num_images <= num_people:
        raise ValueError(f'need 1 <= num_images <= num_people, got {num_images} images for '
                         f'{num_people} people')
    rng = np.random.default_rng(seed)
    image_ids = np.concatenate([np.arange(1, num_images + 1),
                                rng.integers(1, num_images + 1, num_people - num_images)])
    image_ids.sort()
    sides = np.sqrt(np.exp(rng.uniform(np.log(16**2), np.log(300**2), num_people)))
    aspect = rng.uniform(0.35, 0.8, num_people)  # people are taller than wide
    widths = np.minimum(sides * np.sqrt(aspect), IMAGE_WIDTH - 1)
    heights = np.minimum(sides / np.sqrt(aspect), IMAGE_HEIGHT - 1)
    xs = rng.uniform(0, IMAGE_WIDTH - widths)
    ys = rng.uniform(0, IMAGE_HEIGHT - heights)
    crowd = rng.random(num_people) < 0.01
    no_keypoints = rng.random(num_people) < 0.05
    annotations = []
    for n in range(num_people):
        x, y, w, h = (float(v) for v in (xs[n], ys[n], widths[n], heights[n]))
        visibility = rng.choice([0, 1, 2], size=NUM_KEYPOINTS, p=[0.3, 0.1, 0.6])
        if crowd[n] or no_keypoints[n]:
            visibility[:] = 0
        xy = np.stack([x + rng.uniform(0, w, NUM_KEYPOINTS),
                       y + rng.uniform(0, h, NUM_KEYPOINTS)], axis=1).round(2)
        xy[visibility == 0] = 0
        annotations.append(
            dict(id=n + 1, image_id=int(image_ids[n]), category_id=PERSON['id'],
                 iscrowd=int(crowd[n]),
                 bbox=[round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                 area=round(0.55 * w * h, 2), num_keypoints=int((visibility > 0).sum()),
                 keypoints=np.concatenate([xy, visibility[:, None]],
                                          axis=1).reshape(-1).tolist()))
    return dict(
        images=[dict(id=i, width=IMAGE_WIDTH, height=IMAGE_HEIGHT, file_name=f'{i:012d}.jpg')
                for i in range(1, num_images + 1)],
        categories=[dict(PERSON, supercategory='person')],
        annotations=annotations)


def _pose_sample(sample_id: int, img_id: int, bbox: np.ndarray, bbox_score: float,
                 keypoints: np.ndarray, keypoint_scores: np.ndarray) -> dict:
    """One top-down data sample as ``Evaluator`` hands it to the metric (a ``to_dict``
    of the estimator's output: float32 arrays, metainfo scalars)."""
    _, _, w, h = bbox
    return dict(id=sample_id, img_id=img_id, bbox_score=float(bbox_score),
                area=float(w * h * CROP_PADDING**2),
                pred_instances=dict(keypoints=keypoints[None].astype(np.float32),
                                    keypoint_scores=keypoint_scores[None].astype(np.float32)))


def pose_predictions(gt: Dict[str, list], duplicate_fraction: float = 0.3,
                     false_positive_fraction: float = 0.1, noise: float = 0.03,
                     seed: int = 0) -> List[dict]:
    """Top-down data samples for ``gt``: every non-crowd person predicted with
    Gaussian noise of ``noise`` × box size (0 gives the labelled keypoints exactly),
    a ``duplicate_fraction`` of them detected twice (a second, lower-scored box with
    nearly the same pose: OKS-NMS removes it) and ``false_positive_fraction`` × people
    extra detections of nobody. Unlabelled keypoints are guessed near the box centre."""
    rng = np.random.default_rng(seed)
    samples = []
    for ann in gt['annotations']:
        if ann['iscrowd']:
            continue
        bbox = np.array(ann['bbox'])
        x, y, w, h = bbox
        labelled = np.array(ann['keypoints'], dtype=np.float64).reshape(NUM_KEYPOINTS, 3)
        keypoints = labelled[:, :2] + rng.normal(0, noise, (NUM_KEYPOINTS, 2)) * [w, h]
        hidden = labelled[:, 2] == 0
        keypoints[hidden] = [x + w / 2, y + h / 2] + rng.normal(0, 0.2, (hidden.sum(), 2)) * [w, h]
        scores = np.where(hidden, rng.uniform(0.0, 0.4, NUM_KEYPOINTS),
                          rng.uniform(0.3, 1.0, NUM_KEYPOINTS))
        bbox_score = rng.uniform(0.6, 1.0)
        samples.append(_pose_sample(len(samples) + 1, ann['image_id'], bbox, bbox_score,
                                    keypoints, scores))
        if rng.random() < duplicate_fraction:
            samples.append(_pose_sample(
                len(samples) + 1, ann['image_id'], bbox * rng.uniform(0.95, 1.05, 4),
                bbox_score * 0.9, keypoints + rng.normal(0, 0.005, (NUM_KEYPOINTS, 2)) * [w, h],
                scores * rng.uniform(0.9, 1.0, NUM_KEYPOINTS)))
    image_ids = [image['id'] for image in gt['images']]
    for _ in range(int(round(false_positive_fraction * len(gt['annotations'])))):
        w, h = rng.uniform(20, 150), rng.uniform(40, 300)
        x, y = rng.uniform(0, IMAGE_WIDTH - w), rng.uniform(0, IMAGE_HEIGHT - h)
        keypoints = np.stack([x + rng.uniform(0, w, NUM_KEYPOINTS),
                              y + rng.uniform(0, h, NUM_KEYPOINTS)], axis=1)
        samples.append(_pose_sample(len(samples) + 1, int(rng.choice(image_ids)),
                                    np.array([x, y, w, h]), rng.uniform(0.1, 0.7), keypoints,
                                    rng.uniform(0.0, 0.8, NUM_KEYPOINTS)))
    return samples


def _batches(samples: list, batch_size: int) -> Iterator[list]:
    for start in range(0, len(samples), batch_size):
        yield samples[start:start + batch_size]


def evaluate_pose(metric: CocoKeypointMetric, samples: List[dict],
                  batch_size: int = 64) -> Dict[str, float]:
    """Feed ``samples`` batch by batch, as the runner does, and evaluate."""
    for batch in _batches(samples, batch_size):
        metric.process({}, batch)
    return metric.evaluate(size=len(samples))


def synthetic_label_map(shape: Tuple[int, int], num_classes: int = 19, ignore_index: int = 255,
                        block: int = 32, seed: int = 0) -> np.ndarray:
    """(H, W) int64 label map of ``block``-pixel squares of random classes, with the
    bottom tenth and some scattered squares ignored (like Cityscapes' ego vehicle and
    void regions)."""
    rng = np.random.default_rng(seed)
    height, width = shape
    grid = (-(-height // block), -(-width // block))
    coarse = rng.integers(0, num_classes, grid)
    coarse[rng.random(grid) < 0.05] = ignore_index
    coarse[int(grid[0] * 0.9):] = ignore_index
    return np.repeat(np.repeat(coarse, block, axis=0), block, axis=1)[:height, :width]


def noisy_prediction(label: np.ndarray, num_classes: int = 19, error_rate: float = 0.2,
                     block: int = 16, seed: int = 0) -> np.ndarray:
    """(H, W) int64 prediction: ``label`` with ignored pixels given a class and an
    ``error_rate`` share of ``block``-pixel squares set to a random class."""
    rng = np.random.default_rng(seed)
    height, width = label.shape
    grid = (-(-height // block), -(-width // block))
    wrong = np.repeat(np.repeat(rng.random(grid) < error_rate, block, axis=0), block,
                      axis=1)[:height, :width]
    pred = np.where(label < num_classes, label, 0)
    pred[wrong] = rng.integers(0, num_classes, int(wrong.sum()))
    return pred


def segmentation_samples(num_maps: int, shape: Tuple[int, int], num_distinct: int = 4,
                         seed: int = 0) -> Iterator[dict]:
    """``num_maps`` data samples as ``Evaluator`` hands them to ``IoUMetric``
    (``pred_sem_seg`` / ``gt_sem_seg`` as (1, H, W) int64 tensors), cycling through
    ``num_distinct`` pairs so that 2-megapixel maps need not all be held in memory."""
    pairs = []
    for index in range(min(num_distinct, num_maps)):
        label = synthetic_label_map(shape, seed=seed + index)
        pred = noisy_prediction(label, seed=seed + index)
        pairs.append((torch.from_numpy(pred)[None], torch.from_numpy(label)[None]))
    for index in range(num_maps):
        pred, label = pairs[index % len(pairs)]
        yield dict(img_path=f'frankfurt_{index:06d}_leftImg8bit.png',
                   pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=label))


def evaluate_segmentation(metric: IoUMetric, samples: Iterator[dict], num_maps: int,
                          batch_size: int = 4) -> Dict[str, float]:
    """Feed ``num_maps`` samples batch by batch, as the runner does, and evaluate."""
    batch = []
    for sample in samples:
        batch.append(sample)
        if len(batch) == batch_size:
            metric.process({}, batch)
            batch = []
    if batch:
        metric.process({}, batch)
    return metric.evaluate(size=num_maps)


def time_pose_evaluation(num_people: int, num_images: int, repeats: int = 1) -> Tuple[float, int]:
    """Best wall time (s) of process + evaluate of :class:`CocoKeypointMetric` with
    OKS-NMS and rescoring, and the number of predicted instances evaluated."""
    gt = synthetic_coco_keypoints(num_people, num_images)
    samples = pose_predictions(gt)
    best = float('inf')
    with tempfile.TemporaryDirectory() as tmp_dir:
        ann_file = os.path.join(tmp_dir, 'person_keypoints.json')
        write_json_atomic(ann_file, gt)
        for _ in range(repeats):
            metric = CocoKeypointMetric(ann_file)
            start = time.perf_counter()
            evaluate_pose(metric, samples)
            best = min(best, time.perf_counter() - start)
    return best, len(samples)


def time_segmentation_evaluation(num_maps: int, shape: Tuple[int, int],
                                 repeats: int = 1) -> float:
    """Best wall time (s) of process + evaluate of :class:`IoUMetric` over
    ``num_maps`` label maps of ``shape`` (sample generation excluded)."""
    best = float('inf')
    for _ in range(repeats):
        samples = list(segmentation_samples(num_maps, shape))
        metric = IoUMetric()
        start = time.perf_counter()
        evaluate_segmentation(metric, iter(samples), num_maps)
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool = False) -> List[dict]:
    """Rows of the benchmark suite: seconds for a whole OKS and a whole mIoU evaluation."""
    num_people, num_images = (1000, 300) if quick else (10000, 3000)
    num_maps = 20 if quick else 500
    shape = (1024, 2048)
    repeats = 1 if quick else 2
    pose_s, num_predictions = time_pose_evaluation(num_people, num_images, repeats)
    seg_s = time_segmentation_evaluation(num_maps, shape, repeats)
    mode = ', quick' if quick else ''
    return [
        dict(benchmark='evaluation/coco_keypoint_oks',
             setting=f'{num_people} GT people on {num_images} images, {num_predictions} '
                     f'predictions, rescoring + OKS-NMS + COCOeval{mode}',
             value=round(pose_s, 3), unit='s'),
        dict(benchmark='evaluation/miou',
             setting=f'{num_maps} label maps {shape[0]}x{shape[1]}, 19 classes{mode}',
             value=round(seg_s, 3), unit='s'),
    ]


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
