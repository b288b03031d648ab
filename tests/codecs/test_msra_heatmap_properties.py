"""Properties of the MSRA heatmap codec over random keypoints, visibilities and sizes.

Round-trip tolerances, in heatmap pixels per axis, for a keypoint inside the heatmap
(``0 <= x / stride <= w - 1``, likewise y):

- HRNet (``unbiased=False``): the encoder centres the Gaussian on the grid point
  ``int(x / stride + 0.5)``. The target is symmetric about it, so both neighbour differences
  are 0 and the quarter-pixel shift of the decoder does not move the argmax: decoding returns
  exactly that grid point, an error of at most 0.5 px (the rounding), never the 0.25 + 0.5 a
  shifted maximum could add.
- DARK (``unbiased=True``), sigma <= 3 on heatmaps of >= 16 px a side (the field's settings:
  sigma 2 at 48x64, 3 at 72x96): at most 1 px. The argmax alone would be within 0.5 px; near
  the border the Newton step works on a Gaussian cut off by the heatmap edge and blurred with
  zero padding, which moves it further (up to about 0.9 px seen). Where the blur of the 5-pixel
  Newton stencil reads only heatmap pixels (7.5 px from the border with the 11-pixel kernel)
  the blurred target is an exact Gaussian and its log quadratic, so the step lands on the
  centre: for sigma >= 1.5 the error is float32 rounding, bounded here by 1e-3 px (a narrower
  Gaussian is too coarsely sampled for that, about 0.03 px at sigma 1).
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from micronet_dense.codecs.msra_heatmap import MSRAHeatmap

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)
NUM_KEYPOINTS = 5
FLOAT_SLACK = 1e-4  # float32 division and multiplication by the stride


@st.composite
def codecs(draw, unbiased=None, min_side=4, min_sigma=0.5, max_sigma=4.0):
    """A codec with a heatmap of ``min_side``..40 px a side and stride 1..8."""
    heatmap_size = (draw(st.integers(min_side, 40)), draw(st.integers(min_side, 40)))
    stride = draw(st.sampled_from([1, 2, 4, 8]))
    return MSRAHeatmap(input_size=(heatmap_size[0] * stride, heatmap_size[1] * stride),
                       heatmap_size=heatmap_size, sigma=draw(st.floats(min_sigma, max_sigma)),
                       unbiased=draw(st.booleans()) if unbiased is None else unbiased)


@st.composite
def keypoints_inside(draw, codec, margin=0.0):
    """(1, K, 2) input-pixel keypoints whose heatmap location keeps ``margin`` from the border."""
    w, h = codec.heatmap_size
    xs = st.floats(margin, w - 1 - margin)
    ys = st.floats(margin, h - 1 - margin)
    points = draw(st.lists(st.tuples(xs, ys), min_size=NUM_KEYPOINTS, max_size=NUM_KEYPOINTS))
    return (np.array(points, dtype=np.float32) * codec.scale_factor)[None]


def heatmap_error(codec, keypoints):
    """Per-axis decoding error, in heatmap pixels, of the round trip of each keypoint."""
    decoded, scores = codec.decode(codec.encode(keypoints)['heatmaps'])
    assert decoded.shape == (1, NUM_KEYPOINTS, 2) and scores.shape == (1, NUM_KEYPOINTS)
    return np.abs(decoded[0] - keypoints[0]) / codec.scale_factor, scores[0]


@PROPERTY_SETTINGS
@given(codec=codecs(),
       keypoints=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
                          min_size=NUM_KEYPOINTS, max_size=NUM_KEYPOINTS),
       visible=st.lists(st.sampled_from([0, 1, 2]), min_size=NUM_KEYPOINTS,
                        max_size=NUM_KEYPOINTS),
       near=st.booleans())
def test_encode_anywhere_gives_finite_targets_weighted_iff_they_have_signal(
        codec, keypoints, visible, near):
    keypoints = np.array(keypoints, dtype=np.float32)[None]
    if near:  # bring the keypoints to within a few heatmaps of the input
        keypoints = np.mod(keypoints, 3 * np.array(codec.input_size)) - np.array(codec.input_size)
    visible = np.array(visible, dtype=np.float32)[None]
    encoded = codec.encode(keypoints, visible)
    heatmaps, weights = encoded['heatmaps'], encoded['keypoint_weights']
    w, h = codec.heatmap_size
    assert heatmaps.shape == (NUM_KEYPOINTS, h, w) and heatmaps.dtype == np.float32
    assert np.isfinite(heatmaps).all() and heatmaps.min() >= 0 and heatmaps.max() <= 1
    assert weights.shape == (1, NUM_KEYPOINTS) and set(np.unique(weights)) <= {0., 1.}
    # Unlabelled: no weight and no target. Labelled: weighted exactly when part of its
    # Gaussian falls on the heatmap.
    has_signal = heatmaps.max(axis=(1, 2)) > 0
    np.testing.assert_array_equal(weights[0] > 0, has_signal)
    assert not has_signal[visible[0] == 0].any()
    decoded, scores = codec.decode(heatmaps)
    assert np.isfinite(decoded).all() and np.isfinite(scores).all()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_hrnet_round_trip_returns_the_rounded_grid_point(data):
    codec = data.draw(codecs(unbiased=False))
    keypoints = data.draw(keypoints_inside(codec))
    error, scores = heatmap_error(codec, keypoints)
    grid = np.floor(keypoints[0] / codec.scale_factor + 0.5)
    decoded = codec.decode(codec.encode(keypoints)['heatmaps'])[0][0] / codec.scale_factor
    np.testing.assert_allclose(decoded, grid, atol=FLOAT_SLACK)
    assert error.max() <= 0.5 + FLOAT_SLACK
    np.testing.assert_allclose(scores, 1)  # the peak of each Gaussian lies on the heatmap


@PROPERTY_SETTINGS
@given(data=st.data())
def test_dark_round_trip_is_within_one_pixel_inside_the_heatmap(data):
    codec = data.draw(codecs(unbiased=True, min_side=16, max_sigma=3.0))
    error, _ = heatmap_error(codec, data.draw(keypoints_inside(codec)))
    assert error.max() <= 1.0


@PROPERTY_SETTINGS
@given(data=st.data())
def test_dark_round_trip_is_exact_away_from_the_border(data):
    codec = data.draw(codecs(unbiased=True, min_side=16, min_sigma=1.5))
    margin = 2 + codec.blur_kernel_size // 2 + 0.5
    error, _ = heatmap_error(codec, data.draw(keypoints_inside(codec, margin=margin)))
    assert error.max() <= 1e-3
