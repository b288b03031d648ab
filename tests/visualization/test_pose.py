"""Keypoint drawing: colours by score, threshold, links, heatmap overlay."""
import numpy as np
import pytest

from micronet_dense.visualization import draw_heatmaps, draw_pose, score_color

GREY = 90
SKELETON = [(0, 1), (1, 2)]


def grey(h=100, w=120):
    return np.full((h, w, 3), GREY, dtype=np.uint8)


def test_score_color_runs_from_red_at_threshold_to_green_at_one():
    assert score_color(0.3, 0.3) == (0, 0, 255)
    assert score_color(1.0, 0.3) == (0, 255, 0)
    assert score_color(0.72, 0.3) == (0, 153, 102)  # 60 % of the way: 0.6 * 255, 0.4 * 255
    assert score_color(0.0, 0.3) == (0, 0, 255)


def test_keypoints_above_threshold_show_their_colour_at_their_centre():
    keypoints = np.array([[[20., 20.], [60., 20.], [100., 80.]]])
    scores = np.array([[1.0, 0.8, 0.2]])
    image = grey()
    out = draw_pose(image, keypoints, scores, SKELETON, kpt_thr=0.5)
    assert tuple(out[20, 20]) == (0, 255, 0)
    assert tuple(out[20, 60]) == (0, 153, 102)
    # Below the threshold: neither the keypoint nor its link (1, 2) is drawn.
    assert tuple(out[80, 100]) == (GREY,) * 3
    assert tuple(out[50, 80]) == (GREY,) * 3
    # The link (0, 1) is drawn in the colour of its lower score (anti-aliased, hence the margin).
    assert np.abs(out[20, 40].astype(int) - (0, 153, 102)).max() <= 16
    # The input is not modified and far pixels are untouched.
    assert (image == GREY).all()
    assert tuple(out[90, 5]) == (GREY,) * 3


def test_boxes_are_drawn_and_several_persons_are_handled():
    keypoints = np.array([[[20., 20.], [30., 20.], [40., 20.]],
                          [[20., 70.], [30., 70.], [40., 70.]]])
    scores = np.ones((2, 3))
    boxes = np.array([[10., 10., 50., 40.], [10., 60., 50., 90.]])
    out = draw_pose(grey(), keypoints, scores, SKELETON, bboxes=boxes)
    assert tuple(out[70, 30]) == (0, 255, 0)
    assert (out[60, 20:40] != GREY).any(axis=-1).all()  # top edge of the second box
    assert tuple(out[50, 100]) == (GREY,) * 3


def test_heatmap_overlay_leaves_zero_heat_pixels_unchanged():
    image = grey(64, 48)
    heatmaps = np.zeros((2, 16, 12), dtype=np.float32)
    heatmaps[0, 8, 6] = 1.0
    out = draw_heatmaps(image, heatmaps)
    assert out.shape == image.shape
    assert (out[:8] == GREY).all() and (out[-8:] == GREY).all()  # far from the peak
    peak = out[8 * 4 + 1, 6 * 4 + 1].astype(int)
    assert np.abs(peak - GREY).max() > 50


def test_draw_pose_rejects_mismatched_scores():
    with pytest.raises(ValueError):
        draw_pose(grey(), np.zeros((1, 3, 2)), np.ones((1, 4)), SKELETON)
