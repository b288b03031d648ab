"""Cityscapes disparity -> depth on hand-written PNG / JSON files, and packing of the depth map."""
import json
import os

import cv2
import numpy as np
import pytest
import torch

from micronet_dense.datasets.transforms.depth import (LoadDepthFromDisparity, PackDenseInputs,
                                                      cityscapes_depth_paths)
from micronet_dense.registry import TRANSFORMS

# The camera of Cityscapes' aachen_000000_000019 (camera_trainvaltest.zip).
BASELINE, FX = 0.209313, 2262.52
ENCODED = np.array([[0, 1, 2, 257],
                    [513, 1000, 65535, 0]], dtype=np.uint16)


def expected_depth(p):
    """depth = baseline * fx / ((p - 1) / 256); p = 0 (none) and p = 1 (disparity 0) give 0."""
    return 0.0 if p <= 1 else BASELINE * FX / ((p - 1) / 256)


def write_cityscapes_pair(root, encoded=ENCODED, camera=None, split='val', city='lindau'):
    """An image and its disparity PNG and camera JSON in the Cityscapes layout."""
    name = f'{city}_000000_000019'
    paths = {kind: os.path.join(root, kind, split, city, f'{name}_{ending}')
             for kind, ending in (('leftImg8bit', 'leftImg8bit.png'),
                                  ('disparity', 'disparity.png'), ('camera', 'camera.json'))}
    for path in paths.values():
        os.makedirs(os.path.dirname(path), exist_ok=True)
    cv2.imwrite(paths['leftImg8bit'], np.zeros((*encoded.shape, 3), np.uint8))
    cv2.imwrite(paths['disparity'], encoded)
    camera = camera if camera is not None else {
        'extrinsic': {'baseline': BASELINE, 'pitch': 0.038, 'roll': 0.0, 'x': 1.7, 'y': 0.1,
                      'yaw': -0.0195, 'z': 1.22},
        'intrinsic': {'fx': FX, 'fy': 2265.30, 'u0': 1096.98, 'v0': 513.137}}
    with open(paths['camera'], 'w') as f:
        json.dump(camera, f)
    return paths


def test_depth_equals_the_formula_pixel_by_pixel_invalid_pixels_included(tmp_path):
    paths = write_cityscapes_pair(str(tmp_path))
    results = TRANSFORMS.build(dict(type='LoadDepthFromDisparity'))(
        dict(img_path=paths['leftImg8bit']))
    depth = results['gt_depth_map']
    assert depth.dtype == np.float32 and depth.shape == (2, 4)
    for (row, col), p in np.ndenumerate(ENCODED):
        assert depth[row, col] == pytest.approx(expected_depth(int(p)), rel=1e-6), (row, col, p)
    assert depth[0, 3] == pytest.approx(BASELINE * FX, rel=1e-6)  # disparity exactly 1 px
    assert (depth == 0).sum() == 3
    assert results['disparity_path'] == paths['disparity']
    assert results['camera_path'] == paths['camera']


def test_explicit_paths_win_over_the_layout(tmp_path):
    paths = write_cityscapes_pair(str(tmp_path), encoded=np.full((3, 3), 257, np.uint16))
    results = LoadDepthFromDisparity()(dict(img_path='/elsewhere/frame.png',
                                            disparity_path=paths['disparity'],
                                            camera_path=paths['camera']))
    np.testing.assert_allclose(results['gt_depth_map'], BASELINE * FX, rtol=1e-6)


def test_paths_next_to_a_cityscapes_image():
    disparity, camera = cityscapes_depth_paths(
        '/d/cityscapes/leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png')
    assert disparity == '/d/cityscapes/disparity/train/aachen/aachen_000001_000019_disparity.png'
    assert camera == '/d/cityscapes/camera/train/aachen/aachen_000001_000019_camera.json'
    with pytest.raises(ValueError, match='not a Cityscapes image path'):
        cityscapes_depth_paths('/d/images/frame.png')


def test_missing_disparity_or_camera_says_what_to_download(tmp_path):
    paths = write_cityscapes_pair(str(tmp_path))
    os.remove(paths['camera'])
    with pytest.raises(FileNotFoundError, match=r'camera file not found: .*lindau_000000_000019_'
                                                r'camera\.json; .*camera_trainvaltest\.zip'):
        LoadDepthFromDisparity()(dict(img_path=paths['leftImg8bit']))
    os.remove(paths['disparity'])
    with pytest.raises(FileNotFoundError, match=r'disparity map not found: .*_disparity\.png; '
                                                r'.*disparity_trainvaltest\.zip'):
        LoadDepthFromDisparity()(dict(img_path=paths['leftImg8bit']))


@pytest.mark.parametrize('camera,message', [
    ({'extrinsic': {}, 'intrinsic': {'fx': FX}}, 'lacks a numeric extrinsic.baseline'),
    ({'extrinsic': {'baseline': 0.0}, 'intrinsic': {'fx': FX}}, 'must be positive'),
    ([], 'lacks a numeric'),
])
def test_bad_camera_file_is_named(tmp_path, camera, message):
    paths = write_cityscapes_pair(str(tmp_path), camera=camera)
    with pytest.raises(ValueError, match=message) as info:
        LoadDepthFromDisparity()(dict(img_path=paths['leftImg8bit']))
    assert 'lindau_000000_000019_camera.json' in str(info.value)


def test_eight_bit_or_mis_sized_disparity_is_an_error(tmp_path):
    paths = write_cityscapes_pair(str(tmp_path), encoded=np.ones((2, 4), np.uint16))
    cv2.imwrite(paths['disparity'], np.ones((2, 4), np.uint8))
    with pytest.raises(ValueError, match='must be a single-channel uint16 PNG'):
        LoadDepthFromDisparity()(dict(img_path=paths['leftImg8bit']))
    cv2.imwrite(paths['disparity'], np.ones((3, 4), np.uint16))
    with pytest.raises(ValueError, match=r'has size \(3, 4\) \(H, W\) but image'):
        LoadDepthFromDisparity()(dict(img_path=paths['leftImg8bit'],
                                      img=np.zeros((2, 4, 3), np.uint8)))


def test_pack_dense_inputs_carries_labels_and_depth():
    depth = np.array([[0.0, 1.5], [20.0, 0.0]], np.float32)
    packed = PackDenseInputs()(dict(img=np.zeros((2, 2, 3), np.uint8), img_path='a.png',
                                    gt_seg_map=np.array([[1, 2], [255, 0]], np.uint8),
                                    gt_depth_map=depth))
    sample = packed['data_samples']
    assert sample.gt_depth_map.data.dtype == torch.float32
    assert sample.gt_depth_map.data.shape == (1, 2, 2)
    np.testing.assert_array_equal(sample.gt_depth_map.data[0].numpy(), depth)
    assert sample.gt_sem_seg.data[0].tolist() == [[1, 2], [255, 0]]
    only_image = PackDenseInputs()(dict(img=np.zeros((2, 2, 3), np.uint8)))['data_samples']
    assert 'gt_depth_map' not in only_image and 'gt_sem_seg' not in only_image
    with pytest.raises(ValueError, match=r"'gt_depth_map' of shape \(3, 2\) does not match"):
        PackDenseInputs()(dict(img=np.zeros((2, 2, 3), np.uint8), gt_depth_map=np.zeros((3, 2))))
