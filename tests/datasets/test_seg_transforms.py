"""Tests of the segmentation transforms against hand-computed expectations."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomFlip, RandomResize
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.datasets.transforms.segmentation import (DenseRandomFlip, PackSegInputs,
                                                             PhotoMetricDistortion, SegPad,
                                                             SegRandomCrop)
from micronet_dense.registry import TRANSFORMS


def coordinate_image(h: int, w: int) -> np.ndarray:
    """(h, w, 3) uint8 image whose pixel (y, x) is (y, x, 7) mod 256, to locate crops/flips."""
    ys, xs = np.mgrid[:h, :w]
    return np.stack([ys % 256, xs % 256, np.full_like(ys, 7)], axis=-1).astype(np.uint8)


# --- RandomResize (mmcv), as the segmentation pipelines configure it -----------------------

def test_resize_keep_ratio_fits_long_and_short_edge():
    # Target (w, h) = (1024, 512); a 300x400 image is limited by its short edge:
    # factor = min(1024 / 400, 512 / 300) = 512 / 300, new w = int(400 * 512 / 300 + 0.5) = 683.
    transform = RandomResize(scale=(2048, 1024), ratio_range=(0.5, 0.5), keep_ratio=True)
    results = transform(dict(img=np.zeros((300, 400, 3), np.uint8),
                             gt_seg_map=np.zeros((300, 400), np.uint8)))
    assert results['img'].shape == (512, 683, 3)
    assert results['gt_seg_map'].shape == (512, 683)
    assert results['img_shape'] == (512, 683)
    assert results['scale_factor'] == pytest.approx((683 / 400, 512 / 300))


def test_resize_without_keep_ratio_hits_target_exactly():
    transform = RandomResize(scale=(2048, 1024), ratio_range=(0.25, 0.25), keep_ratio=False)
    results = transform(dict(img=np.zeros((300, 400, 3), np.uint8)))
    assert results['img'].shape == (256, 512, 3)
    assert results['scale_factor'] == pytest.approx((512 / 400, 256 / 300))


def test_resize_ratio_stays_within_range_and_varies():
    transform = RandomResize(scale=(128, 64), ratio_range=(0.5, 2.0), keep_ratio=True)
    heights = []
    for seed in range(40):
        np.random.seed(seed)
        results = transform(dict(img=np.zeros((64, 128, 3), np.uint8)))
        h, w = results['img'].shape[:2]
        # Target (w, h) = (int(128 r), int(64 r)), r in [0.5, 2]: the 1:2 image fills it.
        assert 32 <= h <= 128 and 64 <= w <= 256
        assert abs(w - 2 * h) <= 2
        heights.append(h)
    assert min(heights) < 48 and max(heights) > 112


def test_resize_labels_nearest_and_image_bilinear():
    seg_map = np.array([[0, 7], [255, 7]], np.uint8)
    img = np.zeros((2, 2, 3), np.uint8)
    img[:, 1] = 200
    transform = RandomResize(scale=(4, 4), ratio_range=(1.0, 1.0), keep_ratio=True)
    results = transform(dict(img=img, gt_seg_map=seg_map))
    # Exact 2x nearest-neighbour upscaling repeats each label in a 2x2 block.
    np.testing.assert_array_equal(results['gt_seg_map'],
                                  np.repeat(np.repeat(seg_map, 2, axis=0), 2, axis=1))
    # Bilinear interpolation creates grey levels between the 0 and 200 columns.
    values = np.unique(results['img'])
    assert ((values > 0) & (values < 200)).any()


def test_resize_random_labels_keep_only_original_ids():
    rng = np.random.default_rng(0)
    seg_map = rng.choice(np.array([0, 7, 255], np.uint8), size=(37, 53))
    np.random.seed(1)
    transform = RandomResize(scale=(100, 70), ratio_range=(0.5, 2.0), keep_ratio=True)
    results = transform(dict(img=np.zeros((37, 53, 3), np.uint8), gt_seg_map=seg_map))
    assert set(np.unique(results['gt_seg_map'])) == {0, 7, 255}


# --- DenseResize: the depth map, nearest-neighbour, values divided by the factor ------------

DEPTH = np.array([[10.0, 0.0, 20.0, 40.0],
                  [5.0, 5.0, 0.0, 80.0]], np.float32)  # metres, 0 = no measurement


def dense_resize(target_wh, depth=DEPTH, keep_ratio=True):
    transform = RandomResize(scale=target_wh, ratio_range=(1.0, 1.0), keep_ratio=keep_ratio,
                             resize_type='DenseResize')
    h, w = depth.shape
    return transform(dict(img=np.zeros((h, w, 3), np.uint8), gt_depth_map=depth.copy(),
                          gt_seg_map=(depth > 0).astype(np.uint8)))


def test_dense_resize_up_by_two_repeats_pixels_and_halves_depth():
    results = dense_resize((8, 4))
    expected = np.array([[5, 5, 0, 0, 10, 10, 20, 20],
                         [5, 5, 0, 0, 10, 10, 20, 20],
                         [2.5, 2.5, 2.5, 2.5, 0, 0, 40, 40],
                         [2.5, 2.5, 2.5, 2.5, 0, 0, 40, 40]], np.float32)
    assert results['scale_factor'] == (2.0, 2.0)
    assert results['gt_depth_map'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_depth_map'], expected)
    # labels and depth stay aligned: the no-measurement pixels are the label-0 pixels
    np.testing.assert_array_equal(results['gt_seg_map'], (expected > 0).astype(np.uint8))


def test_dense_resize_down_by_two_keeps_every_other_pixel_and_doubles_depth():
    depth = np.repeat(np.repeat(DEPTH, 2, axis=0), 2, axis=1)  # (4, 8)
    depth[1, 1] = 99.0  # a pixel nearest-neighbour halving skips
    results = dense_resize((4, 2), depth)
    np.testing.assert_array_equal(results['gt_depth_map'], DEPTH * 2)


def test_dense_resize_without_keep_ratio_uses_the_mean_factor():
    # w x 4 and h x 1: depth divided by sqrt(4 * 1) = 2
    results = dense_resize((16, 2), keep_ratio=False)
    assert results['scale_factor'] == (4.0, 1.0)
    np.testing.assert_array_equal(results['gt_depth_map'],
                                  np.repeat(DEPTH, 4, axis=1) / 2)


def test_dense_resize_never_blends_depth_across_edges():
    rng = np.random.default_rng(0)
    depth = rng.choice(np.array([0.0, 3.0, 50.0], np.float32), size=(37, 53))
    for seed in range(5):
        np.random.seed(seed)
        results = RandomResize(scale=(100, 70), ratio_range=(0.5, 2.0), keep_ratio=True,
                               resize_type='DenseResize')(
            dict(img=np.zeros((37, 53, 3), np.uint8), gt_depth_map=depth.copy()))
        factor = np.sqrt(np.prod(results['scale_factor']))
        values = np.unique(results['gt_depth_map'] * factor)
        np.testing.assert_allclose(values, [0.0, 3.0, 50.0], rtol=1e-6)
        assert results['gt_depth_map'].shape == results['img'].shape[:2]


# --- SegRandomCrop ---------------------------------------------------------------------------

def test_crop_has_crop_size_and_matches_a_window_of_the_input():
    img = coordinate_image(100, 200)
    seg_map = img[..., 1].copy()
    np.random.seed(3)
    results = SegRandomCrop(crop_size=(50, 80), cat_max_ratio=1.0)(
        dict(img=img, gt_seg_map=seg_map))
    crop = results['img']
    assert crop.shape == (50, 80, 3) and results['img_shape'] == (50, 80)
    top, left = int(crop[0, 0, 0]), int(crop[0, 0, 1])
    np.testing.assert_array_equal(crop, img[top:top + 50, left:left + 80])
    np.testing.assert_array_equal(results['gt_seg_map'], seg_map[top:top + 50, left:left + 80])


def test_crop_moves_the_depth_map_with_the_image():
    img = coordinate_image(100, 200)
    depth = 1 + img[..., 0].astype(np.float32) + img[..., 1] / 1000
    np.random.seed(4)
    results = SegRandomCrop(crop_size=(50, 80), cat_max_ratio=1.0)(
        dict(img=img, gt_depth_map=depth))
    top, left = int(results['img'][0, 0, 0]), int(results['img'][0, 0, 1])
    np.testing.assert_array_equal(results['gt_depth_map'], depth[top:top + 50, left:left + 80])


def test_crop_choice_depends_on_the_labels_only():
    """The cat_max_ratio windows are the same with or without a depth map, whatever its values
    (here a depth map that is invalid exactly where a window would pass the check)."""
    seg_map = np.zeros((32, 64), np.uint8)
    seg_map[16:, :32] = 255
    seg_map[16:, 32:] = 1
    depth = np.where(seg_map == 1, 0.0, 7.0).astype(np.float32)
    for seed in range(10):
        crops = []
        for with_depth in (False, True):
            np.random.seed(seed)
            results = dict(img=coordinate_image(32, 64), gt_seg_map=seg_map.copy())
            if with_depth:
                results['gt_depth_map'] = depth.copy()
            results = SegRandomCrop(crop_size=(32, 32), cat_max_ratio=0.75)(results)
            crops.append(results['img'])
        np.testing.assert_array_equal(*crops)
        left = int(crops[1][0, 0, 1])
        np.testing.assert_array_equal(results['gt_depth_map'], depth[:, left:left + 32])


def test_crop_larger_than_image_keeps_whole_image():
    img = coordinate_image(30, 40)
    results = SegRandomCrop(crop_size=(50, 80))(dict(img=img))
    np.testing.assert_array_equal(results['img'], img)


def class_one_columns_of_crop(cat_max_ratio: float, seed: int) -> int:
    """Columns of class 1 in a 32x32 crop of a 32x64 map built so that only crops with
    >= 11 such columns satisfy cat_max_ratio=0.75.

    Map: the top 16 rows are class 0; the bottom 16 rows are ignore (255) in the left
    half and class 1 in the right half. A crop at column offset x holds 512 class-0,
    16 x class-1 and 16 (32 - x) ignored pixels, so the largest share of labelled pixels
    is 512 / (512 + 16 x) < 0.75 iff x >= 11. Counting ignore as a class would accept
    x = 0 (512 class 0 vs 512 ignore).
    """
    seg_map = np.zeros((32, 64), np.uint8)
    seg_map[16:, :32] = 255
    seg_map[16:, 32:] = 1
    np.random.seed(seed)
    results = SegRandomCrop(crop_size=(32, 32), cat_max_ratio=cat_max_ratio)(
        dict(img=np.zeros((32, 64, 3), np.uint8), gt_seg_map=seg_map))
    assert results['gt_seg_map'].shape == (32, 32)
    return int((results['gt_seg_map'] == 1).sum()) // 16


def test_crop_cat_max_ratio_rejects_dominated_crops_ignoring_ignore_index():
    seeds = range(30)
    unchecked = [class_one_columns_of_crop(1.0, seed) for seed in seeds]
    checked = [class_one_columns_of_crop(0.75, seed) for seed in seeds]
    # Without the check, crops are uniform over x in 0..32, so some violate the ratio.
    assert sum(x < 11 for x in unchecked) >= 5
    assert all(x >= 11 for x in checked)


def test_crop_single_class_map_still_returns_a_crop():
    np.random.seed(0)
    results = SegRandomCrop(crop_size=(8, 8))(dict(img=np.zeros((16, 16, 3), np.uint8),
                                                   gt_seg_map=np.ones((16, 16), np.uint8)))
    assert results['gt_seg_map'].shape == (8, 8)


# --- RandomFlip (mmcv), as the segmentation pipelines configure it -------------------------

def test_flip_always_and_never():
    img = coordinate_image(4, 6)
    seg_map = img[..., 1].copy()
    results = RandomFlip(prob=1.0, direction='horizontal')(
        dict(img=img.copy(), gt_seg_map=seg_map.copy()))
    assert results['flip'] is True
    np.testing.assert_array_equal(results['img'], img[:, ::-1])
    np.testing.assert_array_equal(results['gt_seg_map'], seg_map[:, ::-1])
    results = RandomFlip(prob=0.0, direction='horizontal')(
        dict(img=img.copy(), gt_seg_map=seg_map.copy()))
    assert results['flip'] is False
    np.testing.assert_array_equal(results['img'], img)


def test_flip_keeps_image_and_labels_consistent():
    img = coordinate_image(4, 6)
    flips = []
    for seed in range(20):
        np.random.seed(seed)
        results = RandomFlip(prob=0.5, direction='horizontal')(
            dict(img=img.copy(), gt_seg_map=img[..., 1].copy()))
        np.testing.assert_array_equal(results['gt_seg_map'], results['img'][..., 1])
        expected = img[:, ::-1] if results['flip'] else img
        np.testing.assert_array_equal(results['img'], expected)
        flips.append(results['flip'])
    assert 0 < sum(flips) < 20


def test_dense_flip_moves_depth_with_labels():
    img = coordinate_image(4, 6)
    depth = img[..., 1].astype(np.float32) * 2.5
    results = DenseRandomFlip(prob=1.0, direction='horizontal')(
        dict(img=img.copy(), gt_seg_map=img[..., 1].copy(), gt_depth_map=depth.copy()))
    np.testing.assert_array_equal(results['gt_depth_map'], depth[:, ::-1])
    np.testing.assert_array_equal(results['gt_depth_map'], results['gt_seg_map'] * 2.5)
    results = DenseRandomFlip(prob=0.0)(dict(img=img.copy(), gt_depth_map=depth.copy()))
    np.testing.assert_array_equal(results['gt_depth_map'], depth)


# --- PhotoMetricDistortion -------------------------------------------------------------------

def random_sample(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return dict(img=rng.integers(0, 256, (24, 32, 3), dtype=np.uint8),
                gt_seg_map=rng.integers(0, 19, (24, 32), dtype=np.uint8))


def test_photometric_changes_pixels_not_labels_or_shape():
    transform = PhotoMetricDistortion()
    unchanged = 0
    for seed in range(64):
        sample = random_sample(seed)
        np.random.seed(seed)
        results = transform(dict(img=sample['img'].copy(), gt_seg_map=sample['gt_seg_map'].copy()))
        assert results['img'].shape == (24, 32, 3) and results['img'].dtype == np.uint8
        np.testing.assert_array_equal(results['gt_seg_map'], sample['gt_seg_map'])
        unchanged += np.array_equal(results['img'], sample['img'])
    # Four independent steps at p=0.5 leave 1/16 of the images untouched (4 of 64 expected);
    # steps sharing their coin flips would leave about half.
    assert 0 < unchanged < 12


def test_photometric_is_deterministic_given_numpy_seed():
    sample = random_sample()
    outputs = []
    for transform in (PhotoMetricDistortion(), PhotoMetricDistortion()):
        for seed in (1, 2):
            np.random.seed(seed)
            outputs.append(transform(dict(img=sample['img'].copy()))['img'])
    # Same numpy seed -> same output, across instances; another seed -> another output.
    np.testing.assert_array_equal(outputs[0], outputs[2])
    np.testing.assert_array_equal(outputs[1], outputs[3])
    assert not np.array_equal(outputs[0], outputs[1])
    assert not np.array_equal(outputs[0], sample['img'])


def test_photometric_brightness_adds_one_bounded_delta():
    transform = PhotoMetricDistortion(contrast_range=(1, 1), saturation_range=(1, 1), hue_delta=0)
    img = np.random.default_rng(0).integers(40, 216, (8, 8, 3), dtype=np.uint8)
    deltas = set()
    for seed in range(10):
        np.random.seed(seed)
        diff = transform(dict(img=img.copy()))['img'].astype(int) - img
        # Pixels in [40, 216) never clip for |delta| <= 32, so the shift is uniform.
        assert np.ptp(diff) <= 1 and abs(diff.mean()) <= 32
        deltas.add(int(np.round(diff.mean())))
    assert len(deltas - {0}) >= 2


def test_photometric_contrast_multiplies_by_bounded_factor():
    transform = PhotoMetricDistortion(brightness_delta=0, saturation_range=(1, 1), hue_delta=0)
    img = np.arange(0, 160, 2.5).astype(np.uint8).reshape(8, 8, 1).repeat(3, axis=-1)
    for seed in range(10):
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img'].astype(float)
        alpha = out[-1, -1, 0] / img[-1, -1, 0]
        assert 0.5 - 0.01 <= alpha <= 1.5 + 0.01
        np.testing.assert_allclose(out, np.clip(img * alpha, 0, 255), atol=1.5)


def test_photometric_saturation_uses_bgr_order():
    # Desaturating by alpha < 1 blends with the BT.601 luma 0.299 R + 0.587 G + 0.114 B:
    # the green channel becomes (1 - alpha) * luma, 29 for pure blue, 76 for pure red.
    transform = PhotoMetricDistortion(brightness_delta=0, contrast_range=(1, 1), hue_delta=0)
    img = np.zeros((1, 2, 3), np.uint8)
    img[0, 0] = (255, 0, 0)  # blue in BGR
    img[0, 1] = (0, 0, 255)  # red in BGR
    desaturated = 0
    for seed in range(20):
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img'].astype(float)
        green_blue, green_red = out[0, 0, 1], out[0, 1, 1]
        if green_red > 0:
            desaturated += 1
            one_minus_alpha = green_red / (0.299 * 255)
            assert green_blue == pytest.approx(one_minus_alpha * 0.114 * 255, abs=1.5)
    assert desaturated > 0


def test_photometric_hue_shift_is_bounded_and_keeps_grey():
    transform = PhotoMetricDistortion(brightness_delta=0, contrast_range=(1, 1),
                                      saturation_range=(1, 1))
    img = np.array([[(0, 0, 255), (0, 255, 0), (128, 128, 128)]], np.uint8)
    hue = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[0, :2, 0].astype(int)
    shifts = set()
    for seed in range(20):
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img']
        np.testing.assert_array_equal(out[0, 2], (128, 128, 128))
        new_hue = cv2.cvtColor(out, cv2.COLOR_BGR2HSV)[0, :2, 0].astype(int)
        shift = (new_hue - hue + 90) % 180 - 90
        assert np.all(np.abs(shift) <= 18)
        shifts.add(int(shift[1]))
    assert len(shifts - {0}) >= 2


def test_photometric_rejects_grey_image():
    with pytest.raises(ValueError, match=r"'img' of a\.png must be a \(H, W, 3\) uint8"):
        PhotoMetricDistortion()(dict(img=np.zeros((4, 4), np.uint8), img_path='a.png'))


# --- SegPad ----------------------------------------------------------------------------------

def test_pad_bottom_right_with_pad_values():
    img = coordinate_image(30, 50)
    seg_map = np.ones((30, 50), np.uint8)
    results = SegPad(size=(40, 60))(dict(img=img, gt_seg_map=seg_map, img_shape=(30, 50)))
    assert results['img'].shape == (40, 60, 3) and results['gt_seg_map'].shape == (40, 60)
    assert results['pad_shape'] == (40, 60) and results['img_shape'] == (30, 50)
    np.testing.assert_array_equal(results['img'][:30, :50], img)
    assert (results['img'][30:] == 0).all() and (results['img'][:, 50:] == 0).all()
    np.testing.assert_array_equal(results['gt_seg_map'][:30, :50], seg_map)
    assert (results['gt_seg_map'][30:] == 255).all()
    assert (results['gt_seg_map'][:, 50:] == 255).all()


def test_pad_fills_depth_with_no_measurement():
    depth = np.full((3, 2), 4.5, np.float32)
    results = SegPad(size=(4, 4))(dict(img=np.ones((3, 2, 3), np.uint8), gt_depth_map=depth))
    expected = np.zeros((4, 4), np.float32)
    expected[:3, :2] = 4.5
    np.testing.assert_array_equal(results['gt_depth_map'], expected)


def test_dense_map_of_another_size_is_an_error():
    with pytest.raises(ValueError, match="'gt_depth_map' of shape \\(2, 2\\) does not match"):
        SegPad(size=(4, 4))(dict(img=np.ones((3, 2, 3), np.uint8),
                                 gt_depth_map=np.ones((2, 2), np.float32)))


def test_pad_only_missing_axis_and_custom_values():
    results = SegPad(size=(20, 10), pad_val=9, seg_pad_val=3)(
        dict(img=np.ones((15, 25, 3), np.uint8), gt_seg_map=np.zeros((15, 25), np.uint8)))
    assert results['img'].shape == (20, 25, 3)
    assert (results['img'][15:] == 9).all() and (results['gt_seg_map'][15:] == 3).all()


# --- PackSegInputs ---------------------------------------------------------------------------

def test_pack_inputs_and_data_sample():
    img = coordinate_image(5, 6)
    seg_map = img[..., 1].copy()
    results = dict(img=img, gt_seg_map=seg_map, img_path='a.png', ori_shape=(5, 6),
                   img_shape=(5, 6), flip=False, unrelated='x')
    packed = PackSegInputs()(results)
    inputs, data_sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 5, 6) and inputs.is_contiguous()
    np.testing.assert_array_equal(inputs.numpy(), img.transpose(2, 0, 1))
    assert isinstance(data_sample, BaseDataElement)
    assert data_sample.metainfo == dict(img_path='a.png', ori_shape=(5, 6), img_shape=(5, 6),
                                        flip=False)
    assert isinstance(data_sample.gt_sem_seg, PixelData)
    gt = data_sample.gt_sem_seg.data
    assert gt.dtype == torch.long and gt.shape == (1, 5, 6)
    np.testing.assert_array_equal(gt[0].numpy(), seg_map)


def test_pack_without_labels_and_mismatched_labels():
    packed = PackSegInputs()(dict(img=np.zeros((5, 6, 3), np.uint8)))
    assert 'gt_sem_seg' not in packed['data_samples']
    with pytest.raises(ValueError, match=r"'gt_seg_map' of shape \(5, 7\) does not match.*b\.png"):
        PackSegInputs()(dict(img=np.zeros((5, 6, 3), np.uint8),
                             gt_seg_map=np.zeros((5, 7), np.uint8), img_path='b.png'))


# --- registry and full pipeline --------------------------------------------------------------

def test_training_pipeline_from_registry():
    cfgs = [dict(type='RandomResize', scale=(256, 128), ratio_range=(0.5, 2.0), keep_ratio=True),
            dict(type='SegRandomCrop', crop_size=(64, 128)),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PhotoMetricDistortion'),
            dict(type='SegPad', size=(64, 128)),
            dict(type='PackSegInputs')]
    transforms = [TRANSFORMS.build(cfg) for cfg in cfgs]
    rng = np.random.default_rng(0)
    seg_map = rng.choice(np.array([0, 3, 255], np.uint8), size=(128, 256))
    for seed in range(5):
        np.random.seed(seed)
        results = dict(img=rng.integers(0, 256, (128, 256, 3), dtype=np.uint8),
                       gt_seg_map=seg_map.copy(), ori_shape=(128, 256))
        for transform in transforms:
            results = transform(results)
        assert results['inputs'].shape == (3, 64, 128)
        assert set(results['data_samples'].gt_sem_seg.data.unique().tolist()) <= {0, 3, 255}
        assert results['data_samples'].pad_shape == (64, 128)


def test_dense_training_pipeline_keeps_labels_and_depth_aligned():
    """Depth made a function of the label (class c at 10 (c + 1) m, 0 for ignore): after the
    whole geometric pipeline, depth · resize factor is that function of the label again, and
    the padding is ignore and no measurement."""
    cfgs = [dict(type='RandomResize', scale=(256, 128), ratio_range=(0.5, 2.0), keep_ratio=True,
                 resize_type='DenseResize'),
            dict(type='SegRandomCrop', crop_size=(128, 256)),
            dict(type='DenseRandomFlip', prob=0.5, direction='horizontal'),
            dict(type='SegPad', size=(128, 256)),
            dict(type='PackDenseInputs')]
    transforms = [TRANSFORMS.build(cfg) for cfg in cfgs]
    rng = np.random.default_rng(0)
    lut = np.zeros(256, np.float32)
    lut[:19] = 10 * (np.arange(19) + 1)
    padded = 0
    for seed in range(6):
        seg_map = rng.choice(np.array([0, 3, 18, 255], np.uint8), size=(64, 128))
        np.random.seed(seed)
        results = dict(img=rng.integers(0, 256, (64, 128, 3), dtype=np.uint8),
                       gt_seg_map=seg_map, gt_depth_map=lut[seg_map], ori_shape=(64, 128))
        for transform in transforms[:-1]:
            results = transform(results)
        factor = np.sqrt(np.prod(results['scale_factor']))
        packed = transforms[-1](results)['data_samples']
        labels = packed.gt_sem_seg.data[0].numpy()
        depth = packed.gt_depth_map.data[0].numpy()
        np.testing.assert_allclose(depth * factor, lut[labels], rtol=1e-6)
        padded += int((labels[results['img_shape'][0]:] == 255).sum())
    assert padded > 0  # some scales were smaller than the crop
