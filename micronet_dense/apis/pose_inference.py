"""Top-down pose inference on one image with given person boxes."""
from typing import NamedTuple, Optional

import numpy as np
from torch import nn

from ._pipeline import ImageInput, base_results, predict, read_image, test_pipeline


class PoseResult(NamedTuple):
    """Poses of the N persons of one image, in image pixels."""

    keypoints: np.ndarray  # (N, K, 2) float32 (x, y)
    keypoint_scores: np.ndarray  # (N, K) float32, the heatmap maxima
    bboxes: np.ndarray  # (N, 4) float32 xyxy, the boxes the poses were estimated in


def _check_bboxes(bboxes: Optional[np.ndarray], image: np.ndarray) -> np.ndarray:
    if bboxes is None:
        h, w = image.shape[:2]
        return np.array([[0, 0, w, h]], dtype=np.float32)
    bboxes = np.asarray(bboxes, dtype=np.float32)
    if bboxes.ndim != 2 or bboxes.shape[1] != 4:
        raise ValueError(f'bboxes must be (N, 4) xyxy, got shape {bboxes.shape}')
    if (bboxes[:, 2:] <= bboxes[:, :2]).any():
        raise ValueError(f'bboxes must be xyxy with x2 > x1 and y2 > y1, got {bboxes.tolist()}')
    return bboxes


def inference_topdown(model: nn.Module, image: ImageInput,
                      bboxes: Optional[np.ndarray] = None, batch_size: int = 32) -> PoseResult:
    """Estimate one pose per person box with the model config's test pipeline and ``predict``
    (flip test as ``model.test_cfg`` says).

    Args:
        model: a ``TopdownPoseEstimator`` from :func:`init_model` (its ``dataset_meta`` gives
            the keypoint set's flip pairs).
        image: an image path or a (H, W, 3) uint8 BGR array.
        bboxes: (N, 4) xyxy person boxes in image pixels; None: the whole image is one box.
        batch_size: crops per forward pass.
    """
    image, path = read_image(image)
    bboxes = _check_bboxes(bboxes, image)
    pipeline = test_pipeline(model.cfg)
    flip_indices = model.dataset_meta['flip_indices']
    packed = [pipeline(dict(base_results(image, path), bbox=box[None], bbox_score=np.ones(1),
                            flip_indices=flip_indices)) for box in bboxes]
    samples = [s for start in range(0, len(packed), batch_size)
               for s in predict(model, packed[start:start + batch_size])]
    num_keypoints = len(flip_indices)
    keypoints = np.zeros((len(samples), num_keypoints, 2), dtype=np.float32)
    scores = np.zeros((len(samples), num_keypoints), dtype=np.float32)
    for n, sample in enumerate(samples):
        keypoints[n] = sample.pred_instances.keypoints.reshape(num_keypoints, 2)
        scores[n] = sample.pred_instances.keypoint_scores.reshape(num_keypoints)
    return PoseResult(keypoints, scores, bboxes)
