"""Drawing of keypoints: predicted skeletons coloured by score, and heatmap targets."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

BBOX_COLOR = (255, 160, 0)  # BGR light blue, apart from the red-to-green score scale


def score_color(score: float, kpt_thr: float) -> Tuple[int, int, int]:
    """BGR colour of a keypoint score: red (0, 0, 255) at ``kpt_thr``, green (0, 255, 0) at 1,
    linear in between."""
    t = float(np.clip((score - kpt_thr) / max(1.0 - kpt_thr, 1e-6), 0.0, 1.0))
    return 0, int(round(255 * t)), int(round(255 * (1 - t)))


def _pen_size(image: np.ndarray) -> Tuple[int, int]:
    """Keypoint radius and line thickness that stay visible from 128-px crops to 2048-px frames."""
    short = min(image.shape[:2])
    return max(2, round(short / 120)), max(1, round(short / 240))


def draw_pose(image: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
              skeleton: Sequence[Sequence[int]], kpt_thr: float = 0.3,
              bboxes: Optional[np.ndarray] = None) -> np.ndarray:
    """Draw person boxes, skeleton links and keypoints on a copy of ``image``.

    A keypoint is drawn when its score is >= ``kpt_thr``, a link when both its ends are; each is
    coloured by :func:`score_color` (a link by the lower score of its ends). All links are drawn
    before all keypoints, so a keypoint's centre pixel always shows its own colour.

    Args:
        image: (H, W, 3) uint8 BGR.
        keypoints: (N, K, 2) (x, y) image pixels.
        scores: (N, K).
        skeleton: pairs of 0-based keypoint ids (the dataset metainfo's ``skeleton``).
        bboxes: optional (N, 4) xyxy boxes.

    Returns:
        (H, W, 3) uint8 BGR.
    """
    canvas = image.copy()
    radius, thickness = _pen_size(canvas)
    keypoints = np.asarray(keypoints, dtype=np.float64).reshape(-1, *np.shape(keypoints)[-2:])
    scores = np.asarray(scores, dtype=np.float64).reshape(keypoints.shape[:2])
    if bboxes is not None:
        for x1, y1, x2, y2 in np.round(np.asarray(bboxes, dtype=np.float64)).astype(int):
            cv2.rectangle(canvas, (x1, y1), (x2, y2), BBOX_COLOR, thickness, cv2.LINE_AA)
    points = np.round(keypoints).astype(int)
    for person, person_scores in zip(points, scores):
        for i, j in skeleton:
            low = min(person_scores[i], person_scores[j])
            if low >= kpt_thr:
                cv2.line(canvas, tuple(person[i]), tuple(person[j]), score_color(low, kpt_thr),
                         thickness, cv2.LINE_AA)
    for person, person_scores in zip(points, scores):
        for point, score in zip(person, person_scores):
            if score >= kpt_thr:
                cv2.circle(canvas, tuple(point), radius, score_color(score, kpt_thr), -1)
    return canvas


def draw_heatmaps(image: np.ndarray, heatmaps: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """Overlay the sum of ``heatmaps`` (K, h, w), resized to the image, in the JET colour map.

    Each pixel is blended with weight ``alpha * heat`` (heat clipped to [0, 1]), so pixels where
    every heatmap is zero keep their value exactly.
    """
    h, w = image.shape[:2]
    heat = np.clip(np.asarray(heatmaps, dtype=np.float32).sum(axis=0), 0.0, 1.0)
    heat = cv2.resize(heat, (w, h), interpolation=cv2.INTER_LINEAR)
    colour = cv2.applyColorMap(np.round(heat * 255).astype(np.uint8), cv2.COLORMAP_JET)
    weight = (alpha * heat)[..., None]
    blended = image.astype(np.float32) * (1 - weight) + colour.astype(np.float32) * weight
    return np.round(blended).astype(np.uint8)
