import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import micronet_dense.codecs.msra_heatmap  # noqa: F401  (registers MSRAHeatmap)
from micronet_dense.datasets.transforms.topdown import (
    GenerateHeatmapTarget, GetBBoxCenterScale, PackPoseInputs, TopdownAffine,
    TopdownRandomBBoxTransform, TopdownRandomFlip, TopdownRandomHalfBody, get_warp_matrix)
from micronet_dense.registry import TRANSFORMS

COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def test_transforms_are_registered():
    for name in ('GetBBoxCenterScale', 'TopdownRandomFlip', 'TopdownRandomHalfBody',
                 'TopdownRandomBBoxTransform', 'TopdownAffine', 'GenerateHeatmapTarget',
                 'PackPoseInputs'):
        assert TRANSFORMS.get(name) is not None, name


def test_get_bbox_center_scale():
    results = GetBBoxCenterScale(padding=1.25)(
        dict(bbox=np.array([[10, 20, 110, 220]], dtype=np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[60, 120]])
    np.testing.assert_allclose(results['bbox_scale'], [[125, 250]])
    assert results['bbox_center'].dtype == results['bbox_scale'].dtype == np.float32


def flip_sample():
    img = np.zeros((6, 5, 3), dtype=np.uint8)
    img[2, 1] = 255  # marks the left eye at (x=1, y=2)
    keypoints = np.zeros((1, 17, 2), dtype=np.float32)
    keypoints[0, 1] = (1, 2)  # left_eye
    keypoints[0, 2] = (4, 5)  # right_eye
    visible = np.zeros((1, 17), dtype=np.float32)
    visible[0, 1] = 1
    return dict(img=img, bbox=np.array([[0, 1, 2, 3]], dtype=np.float32),
                bbox_center=np.array([[1.0, 2.0]], dtype=np.float32),
                keypoints=keypoints, keypoints_visible=visible,
                flip_indices=COCO_FLIP_INDICES)


def test_flip_mirrors_image_box_and_swaps_left_right():
    sample = flip_sample()
    results = TopdownRandomFlip(prob=1.0)(flip_sample())
    assert results['flip'] is True
    np.testing.assert_array_equal(results['img'], sample['img'][:, ::-1])
    np.testing.assert_allclose(results['bbox_center'], [[3.0, 2.0]])  # 5 - 1 - 1
    np.testing.assert_allclose(results['bbox'], [[2, 1, 4, 3]])
    # The left eye becomes the right eye (index 2) at x = w - 1 - x.
    np.testing.assert_allclose(results['keypoints'][0, 2], [3, 2])
    np.testing.assert_allclose(results['keypoints'][0, 1], [0, 5])
    assert results['keypoints_visible'][0, 2] == 1 and results['keypoints_visible'][0, 1] == 0
    # The marker pixel moved with the keypoint.
    x, y = results['keypoints'][0, 2].astype(int)
    assert results['img'][y, x, 0] == 255


def test_flip_with_zero_probability_is_identity():
    sample = flip_sample()
    results = TopdownRandomFlip(prob=0.0)(flip_sample())
    assert results['flip'] is False
    np.testing.assert_array_equal(results['img'], sample['img'])
    np.testing.assert_array_equal(results['keypoints'], sample['keypoints'])


def half_body_sample(visible_ids):
    keypoints = np.zeros((1, 17, 2), dtype=np.float32)
    keypoints[0, :11] = [(10 + i, 20 + 2 * i) for i in range(11)]   # upper: x 10..20, y 20..40
    keypoints[0, 11:] = [(30 + i, 60 + 4 * i) for i in range(6)]    # lower: x 30..35, y 60..80
    keypoints[0, 16] = (100, 100)  # only counted when visible
    visible = np.zeros((1, 17), dtype=np.float32)
    visible[0, visible_ids] = 1
    return dict(keypoints=keypoints, keypoints_visible=visible,
                upper_body_ids=list(range(11)), lower_body_ids=list(range(11, 17)),
                bbox_center=np.array([[50, 50]], dtype=np.float32),
                bbox_scale=np.array([[100, 100]], dtype=np.float32))


def test_half_body_upper():
    transform = TopdownRandomHalfBody(prob=1.0, upper_prioritized_prob=1.0, padding=1.5)
    results = transform(half_body_sample(list(range(16))))
    np.testing.assert_allclose(results['bbox_center'], [[15, 30]])
    np.testing.assert_allclose(results['bbox_scale'], [[10 * 1.5, 20 * 1.5]])


def test_half_body_lower_uses_only_labelled_keypoints():
    transform = TopdownRandomHalfBody(prob=1.0, upper_prioritized_prob=0.0, padding=1.5)
    results = transform(half_body_sample(list(range(16))))  # keypoint 16 unlabelled
    lower = np.array([(30 + i, 60 + 4 * i) for i in range(5)], dtype=np.float32)
    np.testing.assert_allclose(results['bbox_center'], [lower.mean(axis=0)])
    np.testing.assert_allclose(results['bbox_scale'], [[4 * 1.5, 16 * 1.5]])


def test_half_body_falls_back_to_the_half_with_enough_keypoints():
    # One upper keypoint (< min_upper_keypoints=2): the lower body is used even
    # though the upper body is preferred.
    transform = TopdownRandomHalfBody(min_total_keypoints=6, prob=1.0, upper_prioritized_prob=1.0)
    results = transform(half_body_sample([0] + list(range(11, 16))))
    lower = np.array([(30 + i, 60 + 4 * i) for i in range(5)], dtype=np.float32)
    np.testing.assert_allclose(results['bbox_center'], [lower.mean(axis=0)])


def test_half_body_needs_min_total_keypoints():
    sample = half_body_sample(list(range(8)))  # 8 < 9
    results = TopdownRandomHalfBody(prob=1.0)(half_body_sample(list(range(8))))
    np.testing.assert_array_equal(results['bbox_center'], sample['bbox_center'])
    np.testing.assert_array_equal(results['bbox_scale'], sample['bbox_scale'])


def bbox_transform_sample(num_boxes):
    return dict(bbox_center=np.tile(np.float32([[100, 200]]), (num_boxes, 1)),
                bbox_scale=np.tile(np.float32([[50, 80]]), (num_boxes, 1)))


def test_bbox_transform_disabled_is_identity():
    transform = TopdownRandomBBoxTransform(shift_prob=0, scale_prob=0, rotate_prob=0)
    results = transform(bbox_transform_sample(5))
    np.testing.assert_array_equal(results['bbox_center'], bbox_transform_sample(5)['bbox_center'])
    np.testing.assert_array_equal(results['bbox_scale'], bbox_transform_sample(5)['bbox_scale'])
    np.testing.assert_array_equal(results['bbox_rotation'], np.zeros(5))


def test_bbox_transform_follows_hrnet_clipped_normal():
    np.random.seed(0)
    n = 20000
    results = TopdownRandomBBoxTransform(shift_factor=0.1, shift_prob=1.0)(
        bbox_transform_sample(n))
    factor = results['bbox_scale'][:, 0] / 50
    np.testing.assert_allclose(results['bbox_scale'][:, 1] / 80, factor, rtol=1e-6)
    assert factor.min() == pytest.approx(0.65) and factor.max() == pytest.approx(1.35)
    # clip(N(0, 1) * 0.35 + 1, 0.65, 1.35): P(|z| > 1) = 0.317 of the mass sits on the bounds.
    on_bounds = np.isclose(factor, 0.65) | np.isclose(factor, 1.35)
    assert on_bounds.mean() == pytest.approx(0.3173, abs=0.015)
    assert np.std(factor[~on_bounds]) == pytest.approx(0.35 * 0.5396, abs=0.01)

    rotation = results['bbox_rotation']
    assert rotation.shape == (n,) and rotation.dtype == np.float32
    rotated = rotation != 0
    assert rotated.mean() == pytest.approx(0.6, abs=0.015)
    assert np.abs(rotation).max() == pytest.approx(90)
    # clip(z * 45, -90, 90): P(|z| > 2) = 0.0455 of the rotated boxes sit on the bounds.
    assert np.isclose(np.abs(rotation[rotated]), 90).mean() == pytest.approx(0.0455, abs=0.006)

    shift = (results['bbox_center'] - [100, 200]) / [50, 80]
    assert np.abs(shift).max() == pytest.approx(0.1, rel=1e-4)


def test_get_warp_matrix_matches_three_point_correspondences():
    center, scale, rot, size = np.array([120.0, 80.0]), np.array([60.0, 80.0]), 30.0, (48, 64)
    c, s = np.cos(np.deg2rad(rot)), np.sin(np.deg2rad(rot))
    half = scale[0] / 2
    # The box's left (-1, 0) and up (0, -1) directions rotated by `rot` with the
    # standard rotation matrix (clockwise on screen, y axis down), so that the
    # content turns counter-clockwise in the output.
    src = np.float32([center, center + half * np.array([-c, -s]),
                      center + half * np.array([s, -c])])
    dst = np.float32([(24, 32), (0, 32), (24, 8)])
    np.testing.assert_allclose(get_warp_matrix(center, scale, rot, size),
                               cv2.getAffineTransform(src, dst), atol=1e-4)
    np.testing.assert_allclose(get_warp_matrix(center, scale, rot, size, inv=True),
                               cv2.getAffineTransform(dst, src), atol=1e-4)


def affine_sample(rotation=None):
    img = np.zeros((300, 300, 3), dtype=np.uint8)
    img[150, 100] = 255  # box centre
    img[140, 100] = 128  # 10 px above the centre
    keypoints = np.float32([[[100, 150], [110, 130], [100, 140]]])
    sample = dict(img=img, bbox_center=np.float32([[100, 150]]),
                  bbox_scale=np.float32([[96, 64]]), keypoints=keypoints,
                  keypoints_visible=np.ones((1, 3), dtype=np.float32))
    if rotation is not None:
        sample['bbox_rotation'] = np.float32([rotation])
    return sample


def test_affine_maps_center_and_known_point():
    results = TopdownAffine(input_size=(192, 256))(affine_sample())
    # Width 96 already exceeds 64 * 192 / 256, so the height grows to 128: zoom 2.
    np.testing.assert_allclose(results['bbox_scale'], [[96, 128]])
    np.testing.assert_allclose(results['input_scale'], [96, 128])
    np.testing.assert_allclose(results['input_center'], [100, 150])
    assert results['input_size'] == (192, 256)
    assert results['img'].shape == (256, 192, 3) and results['img_shape'] == (256, 192)
    np.testing.assert_allclose(results['transformed_keypoints'][0],
                               [[96, 128], [116, 88], [96, 108]], atol=1e-4)
    np.testing.assert_array_equal(results['keypoints'], affine_sample()['keypoints'])
    assert results['img'][128, 96, 0] == 255
    assert results['img'][108, 96, 0] == 128


def test_affine_fixes_a_too_narrow_box():
    sample = affine_sample()
    sample['bbox_scale'] = np.float32([[30, 200]])
    results = TopdownAffine(input_size=(192, 256))(sample)
    np.testing.assert_allclose(results['input_scale'], [150, 200])


def test_affine_rotation_90_moves_the_point_above_to_the_left():
    results = TopdownAffine(input_size=(192, 256))(affine_sample(rotation=90.0))
    # 10 px above the centre -> 20 input px left of the input centre.
    np.testing.assert_allclose(results['transformed_keypoints'][0, 2], [76, 128], atol=1e-4)
    assert results['img'][128, 76, 0] == 128
    assert results['img'][128, 96, 0] == 255


def test_generate_heatmap_target():
    sample = TopdownAffine(input_size=(192, 256))(affine_sample())
    sample['transformed_keypoints'][0, 1] = (-50, 10)  # outside the input
    sample['keypoints_visible'][0, 2] = 0
    results = GenerateHeatmapTarget(encoder=dict(
        type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0))(sample)
    assert results['heatmaps'].shape == (3, 64, 48) and results['heatmaps'].dtype == np.float32
    np.testing.assert_array_equal(results['keypoint_weights'], [[1, 0, 0]])
    assert results['heatmaps'][0, 32, 24] == 1.0  # input centre (96, 128) / 4


def test_generate_heatmap_target_with_the_sets_joint_weights():
    sample = TopdownAffine(input_size=(192, 256))(affine_sample())
    sample['keypoints_visible'][0, 2] = 0
    sample['dataset_keypoint_weights'] = [1.5, 0.5, 2.0]
    results = GenerateHeatmapTarget(use_dataset_keypoint_weights=True)(sample)
    np.testing.assert_array_equal(results['keypoint_weights'], [[1.5, 0.5, 0]])


def test_pack_pose_inputs_training_sample():
    sample = TopdownAffine(input_size=(192, 256))(affine_sample())
    sample = GenerateHeatmapTarget()(sample)
    sample.update(id=7, img_id=3, img_path='a.jpg', ori_shape=(300, 300), category_id=1,
                  bbox=np.float32([[52, 118, 148, 182]]), bbox_score=np.float32([0.9]),
                  flip_indices=[0, 2, 1])
    img = sample['img'].copy()
    packed = PackPoseInputs()(sample)
    assert set(packed) == {'inputs', 'data_samples'}
    inputs, data_sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 256, 192)
    assert inputs.is_contiguous()
    np.testing.assert_array_equal(inputs.numpy(), img.transpose(2, 0, 1))
    assert isinstance(data_sample, BaseDataElement)
    meta = data_sample.metainfo
    assert meta['id'] == 7 and meta['img_id'] == 3 and meta['category_id'] == 1
    assert meta['input_size'] == (192, 256)
    assert meta['bbox'].shape == (4,) and meta['bbox'].dtype == np.float32
    assert isinstance(meta['bbox_score'], float) and meta['bbox_score'] == pytest.approx(0.9)
    for key in ('input_center', 'input_scale'):
        assert meta[key].shape == (2,) and meta[key].dtype == np.float32
    np.testing.assert_allclose(meta['input_scale'], [96, 128])
    assert meta['flip_indices'] == [0, 2, 1]
    np.testing.assert_allclose(meta['gt_keypoints'], affine_sample()['keypoints'][0])
    assert data_sample.heatmaps.dtype == torch.float32
    assert data_sample.heatmaps.shape == (3, 64, 48)
    assert data_sample.keypoint_weights.shape == (3,)
    assert data_sample.keypoint_weights.dtype == torch.float32


def test_pack_pose_inputs_without_targets():
    sample = TopdownAffine(input_size=(192, 256))(affine_sample())
    data_sample = PackPoseInputs()(sample)['data_samples']
    assert 'heatmaps' not in data_sample and 'keypoint_weights' not in data_sample
