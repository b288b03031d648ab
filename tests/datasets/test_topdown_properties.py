"""Properties of the top-down transforms over random boxes, keypoints, flips, rotations and scales.

Boxes range from a hundredth of a pixel to 10^4 pixels and may lie partly or wholly outside the
image; keypoints may be unlabelled or outside the image. The transforms draw from numpy's global
generator, which each example seeds from a drawn integer, so every failure replays exactly.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO as COCO_METAINFO
from micronet_dense.datasets.transforms.topdown import (
    GenerateHeatmapTarget, GetBBoxCenterScale, TopdownAffine, TopdownRandomBBoxTransform,
    TopdownRandomFlip, TopdownRandomHalfBody, get_warp_matrix)

NUM_KEYPOINTS = COCO_METAINFO['num_keypoints']
INPUT_SIZE = (48, 64)  # (w, h)
HEATMAP_SIZE = (12, 16)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

lengths = st.floats(1e-2, 1e4)
coordinates = st.floats(-2e3, 2e3)


@st.composite
def samples(draw):
    """A top-down data info: image, one box, keypoints with visibility, COCO metainfo."""
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    x1, y1 = draw(coordinates), draw(coordinates)
    bbox = np.array([[x1, y1, x1 + draw(lengths), y1 + draw(lengths)]], dtype=np.float32)
    # Keypoints around the box, inside or outside the image; a few coincide.
    keypoints = np.array(draw(st.lists(st.tuples(coordinates, coordinates),
                                       min_size=NUM_KEYPOINTS, max_size=NUM_KEYPOINTS)),
                         dtype=np.float32)[None]
    if draw(st.booleans()):
        keypoints[0, :5] = keypoints[0, 0]
    visible = np.array(draw(st.lists(st.sampled_from([0., 1.]), min_size=NUM_KEYPOINTS,
                                     max_size=NUM_KEYPOINTS)), dtype=np.float32)[None]
    img = np.random.default_rng(draw(st.integers(0, 2**16))).integers(
        0, 256, (h, w, 3), dtype=np.uint8)
    return dict(img=img, img_path='sample.jpg', id=7, bbox=bbox, keypoints=keypoints,
                keypoints_visible=visible, flip_indices=COCO_METAINFO['flip_indices'],
                upper_body_ids=COCO_METAINFO['upper_body_ids'],
                lower_body_ids=COCO_METAINFO['lower_body_ids'])


def training_pipeline():
    return [
        GetBBoxCenterScale(padding=1.25),
        TopdownRandomFlip(prob=0.5),
        TopdownRandomHalfBody(min_total_keypoints=1, min_upper_keypoints=1,
                              min_lower_keypoints=1, prob=0.5),
        TopdownRandomBBoxTransform(shift_factor=0.2, shift_prob=0.5, scale_factor=(0.5, 1.5),
                                   scale_prob=1.0, rotate_factor=90.0, rotate_prob=0.8),
        TopdownAffine(input_size=INPUT_SIZE),
        GenerateHeatmapTarget(encoder=dict(type='MSRAHeatmap', input_size=INPUT_SIZE,
                                           heatmap_size=HEATMAP_SIZE, sigma=1.0)),
    ]


@PROPERTY_SETTINGS
@given(sample=samples(), seed=st.integers(0, 2**32 - 1))
def test_training_pipeline_gives_finite_outputs_of_the_right_shapes(sample, seed):
    np.random.seed(seed)
    results = sample
    for transform in training_pipeline():
        results = transform(results)
    w, h = INPUT_SIZE
    assert results['img'].shape == (h, w, 3) and results['img'].dtype == np.uint8
    assert results['img_shape'] == (h, w)
    assert results['transformed_keypoints'].shape == (1, NUM_KEYPOINTS, 2)
    assert np.isfinite(results['transformed_keypoints']).all()
    assert np.isfinite(results['input_center']).all()
    assert np.isfinite(results['input_scale']).all() and (results['input_scale'] > 0).all()
    # The affine crop keeps the input aspect ratio and maps the box centre to the input centre.
    np.testing.assert_allclose(results['input_scale'][0] / results['input_scale'][1], w / h,
                               rtol=1e-5)
    warp = get_warp_matrix(results['input_center'], results['input_scale'],
                           float(results['bbox_rotation'][0]), INPUT_SIZE)
    np.testing.assert_allclose(warp[:, :2] @ results['input_center'] + warp[:, 2],
                               (w / 2, h / 2), atol=1e-6 * max(1., np.abs(warp).max()))
    heatmaps, weights = results['heatmaps'], results['keypoint_weights']
    assert heatmaps.shape == (NUM_KEYPOINTS, HEATMAP_SIZE[1], HEATMAP_SIZE[0])
    assert np.isfinite(heatmaps).all() and heatmaps.min() >= 0 and heatmaps.max() <= 1
    assert weights.shape == (1, NUM_KEYPOINTS)
    assert set(np.unique(weights)) <= {0., 1.}
    # Unlabelled keypoints never get a target; a weighted one has (part of) its Gaussian.
    assert not weights[results['keypoints_visible'] == 0].any()
    assert (heatmaps[weights[0] > 0].max(axis=(1, 2)) > 0).all()


@PROPERTY_SETTINGS
@given(sample=samples())
def test_flipping_twice_restores_the_sample(sample):
    flip = TopdownRandomFlip(prob=1.0)
    original = GetBBoxCenterScale()(dict(sample))
    twice = flip(flip(dict(original)))
    np.testing.assert_array_equal(twice['img'], original['img'])
    for key in ('bbox', 'bbox_center', 'keypoints', 'keypoints_visible'):
        # x -> w - 1 - x twice is exact up to float32 rounding of large coordinates.
        np.testing.assert_allclose(twice[key], original[key], atol=1e-3, rtol=1e-6)


@PROPERTY_SETTINGS
@given(center=st.tuples(coordinates, coordinates), scale=st.tuples(lengths, lengths),
       rotation=st.floats(-180, 180))
def test_inverse_warp_undoes_the_crop(center, scale, rotation):
    forward = get_warp_matrix(center, scale, rotation, INPUT_SIZE)
    inverse = get_warp_matrix(center, scale, rotation, INPUT_SIZE, inv=True)
    composed = inverse[:, :2] @ forward
    composed[:, 2] += inverse[:, 2]
    np.testing.assert_allclose(composed, [[1, 0, 0], [0, 1, 0]],
                               atol=1e-9 * max(1., np.abs(center).max()))


@PROPERTY_SETTINGS
@given(sample=samples(), seed=st.integers(0, 2**32 - 1))
def test_half_body_box_is_that_of_the_labelled_keypoints_of_one_half(sample, seed):
    np.random.seed(seed)
    results = GetBBoxCenterScale()(sample)
    instance_box = results['bbox_center'][0].copy(), results['bbox_scale'][0].copy()
    results = TopdownRandomHalfBody(min_total_keypoints=1, min_upper_keypoints=1,
                                    min_lower_keypoints=1, padding=1.5, prob=1.0)(results)
    box = results['bbox_center'][0], results['bbox_scale'][0]
    labelled = results['keypoints_visible'][0] > 0
    candidates = [instance_box]
    for half in (sample['upper_body_ids'], sample['lower_body_ids']):
        points = results['keypoints'][0, [i for i in half if labelled[i]]]
        if len(points) and np.ptp(points, axis=0).any():  # coinciding points keep the box
            candidates.append((points.mean(axis=0), np.ptp(points, axis=0) * 1.5))
    assert any(np.allclose(box[0], center, rtol=1e-5, atol=1e-3)
               and np.allclose(box[1], scale, rtol=1e-5, atol=1e-3)
               for center, scale in candidates)
    assert (box[1] > 0).any()


@pytest.mark.parametrize('bbox, has_crop', [
    ([10, 10, 10, 30], True),  # zero width: the height and the aspect ratio define the crop
    ([10, 10, 30, 10], True),
    ([5, 5, 5, 5], False),
    ([30, 10, 10, 40], False),  # x2 < x1
])
def test_box_without_area_is_an_error_naming_the_sample(bbox, has_crop):
    results = GetBBoxCenterScale()(dict(img=np.zeros((40, 40, 3), np.uint8), id=3,
                                        img_path='person.jpg',
                                        bbox=np.array([bbox], dtype=np.float32)))
    if has_crop:
        assert (TopdownAffine(INPUT_SIZE)(results)['input_scale'] > 0).all()
        return
    with pytest.raises(ValueError, match=r'has no area to crop \(id 3, person\.jpg\)'):
        TopdownAffine(INPUT_SIZE)(results)
