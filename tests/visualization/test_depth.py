"""Depth drawing: turbo colours over [0, max_depth] (endpoints from the published Turbo table),
black where there is no depth, and a scale bar."""
import numpy as np
import pytest

from micronet_dense.visualization.depth import depth_colours, draw_depth

# Turbo (Mikhailov, Google AI 2019) at 0 and 1: RGB (0.18995, 0.07176, 0.23217) and
# (0.4796, 0.01583, 0.01055), times 255, here in BGR.
NEAREST_BGR = [59, 18, 48]
FARTHEST_BGR = [3, 4, 122]


def test_colours_run_from_turbo_blue_to_red_and_leave_holes_black():
    depth = np.array([[1e-6, 40.0, 80.0, 200.0, 0.0, np.nan]])
    colours = depth_colours(depth, max_depth=80.0)
    assert colours.shape == (1, 6, 3) and colours.dtype == np.uint8
    assert colours[0, 0].tolist() == NEAREST_BGR
    assert colours[0, 2].tolist() == colours[0, 3].tolist() == FARTHEST_BGR  # beyond: clipped
    assert colours[0, 4].tolist() == colours[0, 5].tolist() == [0, 0, 0]
    assert colours[0, 1].tolist() not in (NEAREST_BGR, FARTHEST_BGR, [0, 0, 0])


def test_draw_depth_puts_a_scale_bar_right_of_the_colours():
    depth = np.tile(np.linspace(1.0, 30.0, 64), (48, 1))
    depth[:5] = 0
    canvas = draw_depth(depth[None], bar_width=60)
    assert canvas.shape == (48, 64 + 60, 3)
    np.testing.assert_array_equal(canvas[:, :64], depth_colours(depth, 30.0))  # max: largest depth
    bar = canvas[:, 64:]
    assert bar[0, 0].tolist() == NEAREST_BGR and bar[-1, 0].tolist() == FARTHEST_BGR
    assert (bar[:, 24:] == 255).any()  # tick labels
    assert draw_depth(np.zeros((10, 10))).shape[1] == 10 + 48  # no depth: still drawn


def test_bad_depth_shapes_and_ranges_are_errors():
    with pytest.raises(ValueError, match=r'must be \(H, W\) or \(1, H, W\)'):
        draw_depth(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match='max_depth must be > 0'):
        draw_depth(np.ones((3, 3)), max_depth=0)
