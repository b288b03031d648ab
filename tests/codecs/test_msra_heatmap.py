import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from micronet_dense.codecs.msra_heatmap import MSRAHeatmap, flip_heatmaps
from micronet_dense.registry import KEYPOINT_CODECS

STRIDE = 4.0  # 192x256 input, 48x64 heatmap


def reference_gaussian(center_x: int, center_y: int, sigma: float = 2.0) -> np.ndarray:
    """HRNet target written out: exp(-d^2 / 2 sigma^2) on the 13x13 window, 0 elsewhere."""
    ys, xs = np.mgrid[0:64, 0:48]
    dx, dy = xs - center_x, ys - center_y
    inside = (np.abs(dx) <= 3 * sigma) & (np.abs(dy) <= 3 * sigma)
    return np.where(inside, np.exp(-(dx**2 + dy**2) / (2 * sigma**2)), 0).astype(np.float32)


def test_builds_from_registry():
    codec = KEYPOINT_CODECS.build(
        dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0))
    assert isinstance(codec, MSRAHeatmap)
    np.testing.assert_array_equal(codec.scale_factor, [4.0, 4.0])


def test_encode_matches_hrnet_gaussian_and_decodes_grid_point_exactly():
    codec = MSRAHeatmap()
    keypoints = np.array([[[40.0, 60.0], [41.9, 61.9]]])  # heatmap (10, 15) and (10.475, 15.475)
    encoded = codec.encode(keypoints, np.ones((1, 2)))
    assert encoded['heatmaps'].shape == (2, 64, 48)
    assert encoded['heatmaps'].dtype == np.float32
    np.testing.assert_allclose(encoded['heatmaps'][0], reference_gaussian(10, 15), atol=1e-6)
    # int(x / stride + 0.5) rounds 10.475 down to the same grid point.
    np.testing.assert_allclose(encoded['heatmaps'][1], reference_gaussian(10, 15), atol=1e-6)
    np.testing.assert_array_equal(encoded['keypoint_weights'], [[1, 1]])

    decoded, scores = codec.decode(encoded['heatmaps'])
    assert decoded.shape == (1, 2, 2) and scores.shape == (1, 2)
    # Symmetric neighbours: no quarter offset, exact grid point.
    np.testing.assert_allclose(decoded[0, 0], [40.0, 60.0])
    np.testing.assert_allclose(scores, [[1.0, 1.0]])
    assert np.abs(decoded[0, 1] - keypoints[0, 1]).max() <= 0.5 * STRIDE


def test_rounding_up_to_next_grid_point():
    encoded = MSRAHeatmap().encode(np.array([[[42.0, 62.0]]]))  # (10.5, 15.5) -> (11, 16)
    np.testing.assert_allclose(encoded['heatmaps'][0], reference_gaussian(11, 16), atol=1e-6)


def test_decode_quarter_offset_towards_higher_neighbour():
    heatmaps = np.zeros((2, 64, 48), dtype=np.float32)
    heatmaps[0, 5, 7] = 1.0
    heatmaps[0, 5, 8], heatmaps[0, 5, 6] = 0.5, 0.2  # right is higher: x + 0.25
    heatmaps[0, 4, 7], heatmaps[0, 6, 7] = 0.4, 0.1  # up is higher: y - 0.25
    heatmaps[1, 0, 3] = 0.7  # on the border: no refinement
    heatmaps[1, 0, 4] = 0.3
    keypoints, scores = MSRAHeatmap().decode(heatmaps)
    np.testing.assert_allclose(keypoints[0], [[7.25 * 4, 4.75 * 4], [3 * 4, 0]])
    np.testing.assert_allclose(scores[0], [1.0, 0.7])


def test_invisible_keypoint_has_zero_weight_and_empty_heatmap():
    encoded = MSRAHeatmap().encode(np.array([[[40.0, 60.0], [80.0, 100.0]]]),
                                   np.array([[0.0, 2.0]]))
    np.testing.assert_array_equal(encoded['keypoint_weights'], [[0, 1]])
    assert not encoded['heatmaps'][0].any()
    assert encoded['heatmaps'][1, 25, 20] == 1.0


def test_out_of_bounds_keypoints():
    keypoints = np.array([[
        [-40.0, 60.0],  # heatmap x -9.5 -> -9: window [-15, -3] entirely left
        [-20.0, 60.0],  # heatmap x -4.5 -> -4: window [-10, 2] still overlaps
        [222.0, 60.0],  # heatmap x 55.5 -> 56: window [50, 62] entirely right
        [96.0, 283.0],  # heatmap y 70.75 -> 71: window [65, 77] entirely below
    ]])
    encoded = MSRAHeatmap().encode(keypoints)
    np.testing.assert_array_equal(encoded['keypoint_weights'], [[0, 1, 0, 0]])
    heatmaps = encoded['heatmaps']
    assert not heatmaps[[0, 2, 3]].any()
    np.testing.assert_allclose(heatmaps[1], reference_gaussian(-4, 15), atol=1e-6)
    assert heatmaps[1, 15, 2] == pytest.approx(np.exp(-36 / 8))
    assert not heatmaps[1, :, 3:].any()


def test_instances_merge_by_maximum():
    keypoints = np.array([[[40.0, 60.0]], [[48.0, 60.0]]])  # heatmap x 10 and 12
    encoded = MSRAHeatmap().encode(keypoints, np.ones((2, 1)))
    expected = np.maximum(reference_gaussian(10, 15), reference_gaussian(12, 15))
    np.testing.assert_allclose(encoded['heatmaps'][0], expected, atol=1e-6)
    assert encoded['keypoint_weights'].shape == (2, 1)


def hrnet_loop_targets(keypoints, visible, input_size, heatmap_size, sigma, unbiased):
    """The targets drawn keypoint by keypoint, as HRNet's generate_target does (float32)."""
    w, h = heatmap_size
    stride = np.array(input_size, np.float32) / np.array(heatmap_size, np.float32)
    heatmaps = np.zeros((keypoints.shape[1], h, w), np.float32)
    weights = (visible > 0).astype(np.float32)
    radius = 3 * sigma
    for n, k in np.argwhere(weights > 0):
        mu = keypoints[n, k].astype(np.float32) / stride
        if not unbiased:
            mu = np.trunc(mu + 0.5)
        if (mu - radius > (w - 1, h - 1)).any() or (mu + radius < 0).any():
            weights[n, k] = 0
            continue
        if unbiased:
            x0, y0, x1, y1 = 0, 0, w - 1, h - 1
        else:
            x0, y0 = np.maximum(np.ceil(mu - radius), 0).astype(int)
            x1, y1 = np.minimum(np.floor(mu + radius), (w - 1, h - 1)).astype(int)
        xs = np.arange(x0, x1 + 1, dtype=np.float32) - mu[0]
        ys = np.arange(y0, y1 + 1, dtype=np.float32)[:, None] - mu[1]
        window = heatmaps[k, y0:y1 + 1, x0:x1 + 1]
        np.maximum(window, np.exp(-(xs**2 + ys**2) / (2 * sigma**2)), out=window)
    return heatmaps, weights


@pytest.mark.parametrize('unbiased', [False, True])
@pytest.mark.parametrize('sizes, sigma', [(((192, 256), (48, 64)), 2.0),
                                          (((96, 128), (24, 32)), 1.0)])
def test_encode_equals_keypoint_by_keypoint_targets_bit_for_bit(unbiased, sizes, sigma):
    rng = np.random.default_rng(7)
    input_size, heatmap_size = sizes
    codec = MSRAHeatmap(input_size, heatmap_size, sigma, unbiased)
    for num_instances in (1, 1, 1, 2, 3) * 20:
        # Some keypoints partly or wholly off the heatmap, some unlabelled.
        keypoints = rng.uniform(-40, 1.2 * max(input_size), (num_instances, 17, 2))
        visible = rng.choice([0, 1, 2], (num_instances, 17))
        encoded = codec.encode(keypoints, visible)
        heatmaps, weights = hrnet_loop_targets(keypoints, visible, input_size, heatmap_size,
                                               sigma, unbiased)
        np.testing.assert_array_equal(encoded['heatmaps'], heatmaps)
        np.testing.assert_array_equal(encoded['keypoint_weights'], weights)


def test_unbiased_encoding_and_dark_decoding_recover_subpixel_location():
    codec = MSRAHeatmap(unbiased=True)
    keypoints = np.array([[[41.3, 58.7], [101.9, 150.2]]])
    encoded = codec.encode(keypoints)
    # The Gaussian is centred at the exact sub-pixel location (DARK).
    mu = keypoints[0, 0] / STRIDE
    assert encoded['heatmaps'][0, 15, 10] == pytest.approx(
        np.exp(-((10 - mu[0])**2 + (15 - mu[1])**2) / 8), rel=1e-5)
    decoded, _ = codec.decode(encoded['heatmaps'])
    # Far better than the quarter-pixel rule (error up to 0.25 px * stride).
    np.testing.assert_allclose(decoded, keypoints, atol=0.05 * STRIDE)


def test_dark_decoding_handles_a_correlated_gaussian():
    # The log of a correlated Gaussian is quadratic with a non-zero cross term;
    # after blurring it still is, so one Newton step lands on the centre.
    center = np.array([20.3, 30.6])
    inverse_covariance = np.linalg.inv([[4.0, 2.0], [2.0, 3.0]])
    ys, xs = np.mgrid[0:64, 0:48]
    d = np.stack([xs - center[0], ys - center[1]], axis=-1)
    heatmap = np.exp(-0.5 * np.einsum('...i,ij,...j->...', d, inverse_covariance, d))
    decoded, _ = MSRAHeatmap(unbiased=True).decode(heatmap[None].astype(np.float32))
    np.testing.assert_allclose(decoded[0, 0], center * STRIDE, atol=0.02 * STRIDE)


@pytest.mark.parametrize('unbiased', [False, True])
@settings(max_examples=60, deadline=None)
@given(x=st.floats(0, 191.99), y=st.floats(0, 255.99))
def test_random_keypoint_in_input_decodes_within_one_heatmap_pixel(unbiased, x, y):
    codec = MSRAHeatmap(unbiased=unbiased)
    encoded = codec.encode(np.array([[[x, y]]]))
    assert encoded['keypoint_weights'][0, 0] == 1
    decoded, scores = codec.decode(encoded['heatmaps'])
    assert np.abs(decoded[0, 0] - [x, y]).max() <= STRIDE
    assert 0.5 < scores[0, 0] <= 1.0


def test_bad_shapes_raise():
    codec = MSRAHeatmap()
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        codec.encode(np.zeros((17, 2)))
    with pytest.raises(ValueError, match='keypoints_visible'):
        codec.encode(np.zeros((1, 17, 2)), np.ones((1, 16)))
    with pytest.raises(ValueError, match=r'\(K, h, w\)'):
        codec.decode(np.zeros((1, 17, 64, 48)))
    with pytest.raises(ValueError, match='sigma'):
        MSRAHeatmap(sigma=0)


def tiny_heatmaps() -> np.ndarray:
    # (B=1, K=3, h=1, w=4): channel k holds 10 * k + column.
    return (10 * np.arange(3)[:, None, None] + np.arange(4)).astype(np.float32)[None]


def test_flip_heatmaps_by_hand_numpy_and_torch():
    heatmaps = tiny_heatmaps()
    flip_indices = [0, 2, 1]
    without_shift = np.array([[[[3, 2, 1, 0]], [[23, 22, 21, 20]], [[13, 12, 11, 10]]]],
                             dtype=np.float32)
    with_shift = np.array([[[[3, 3, 2, 1]], [[23, 23, 22, 21]], [[13, 13, 12, 11]]]],
                          dtype=np.float32)

    np.testing.assert_array_equal(flip_heatmaps(heatmaps, flip_indices, shift_heatmap=False),
                                  without_shift)
    np.testing.assert_array_equal(flip_heatmaps(heatmaps, flip_indices), with_shift)

    flipped = flip_heatmaps(torch.from_numpy(heatmaps), flip_indices)
    assert isinstance(flipped, torch.Tensor)
    np.testing.assert_array_equal(flipped.numpy(), with_shift)
    # The input is left untouched.
    np.testing.assert_array_equal(heatmaps, tiny_heatmaps())


def test_flip_heatmaps_undoes_an_image_flip_up_to_the_shift():
    codec = MSRAHeatmap()
    flip_indices = [1, 0]
    x, y = 40.0, 60.0  # left keypoint (index 0) in the input
    original = codec.encode(np.array([[[x, y], [80.0, 60.0]]]))['heatmaps']
    # The flipped input puts the left keypoint at 191 - x in channel 1.
    mirrored = codec.encode(np.array([[[191 - 80.0, 60.0], [191 - x, y]]]))['heatmaps']
    recovered = flip_heatmaps(mirrored[None], flip_indices, shift_heatmap=True)[0]
    decoded, _ = codec.decode(recovered)
    np.testing.assert_allclose(decoded[0], [[x, y], [80.0, 60.0]], atol=STRIDE / 4)
    np.testing.assert_allclose(recovered, original, atol=1e-6)


def test_flip_heatmaps_rejects_channel_mismatch():
    with pytest.raises(ValueError, match='flip_indices'):
        flip_heatmaps(np.zeros((1, 3, 2, 2)), [1, 0])
