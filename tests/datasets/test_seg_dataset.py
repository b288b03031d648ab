"""BaseSegDataset: image/mask pairing by name and suffix, metainfo replaced, reduce_zero_label."""
import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from micronet_dense.datasets import BaseSegDataset, CityscapesDataset
from micronet_dense.datasets.seg_dataset import default_palette
from micronet_dense.datasets.transforms import LoadSegAnnotation
from micronet_dense.registry import DATASETS
from micronet_dense.engine.config_check import ConfigError, check_config


def write_pair(root, split, name, mask):
    for folder, suffix, image in (('img', '.jpg', np.zeros((*mask.shape, 3), np.uint8)),
                                  ('ann', '_mask.png', mask)):
        path = root / folder / split / f'{name}{suffix}'
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), image)


def build(root, **kwargs):
    with DefaultScope.overwrite_default_scope('micronet_dense'):
        return DATASETS.build(dict(type='BaseSegDataset', data_root=str(root),
                                   data_prefix=dict(img_path='img/a', seg_map_path='ann/a'),
                                   seg_map_suffix='_mask.png', **kwargs))


def test_pairs_images_and_masks_with_the_given_classes(tmp_path):
    mask = np.array([[0, 1], [2, 1]], np.uint8)
    for name in ('x/2', 'x/10', 'y'):
        write_pair(tmp_path, 'a', name, mask)
    dataset = build(tmp_path, metainfo=dict(classes=('sky', 'tree', 'road')))
    assert [dataset.get_data_info(i)['img_path'][len(str(tmp_path)) + 1:]
            for i in range(len(dataset))] == ['img/a/x/10.jpg', 'img/a/x/2.jpg', 'img/a/y.jpg']
    info = dataset.get_data_info(0)
    assert info['seg_map_path'].endswith('ann/a/x/10_mask.png')
    assert info['num_classes'] == 3 and info['reduce_zero_label'] is False
    assert dataset.metainfo['classes'] == ('sky', 'tree', 'road')
    assert dataset.metainfo['palette'] == default_palette(3) == default_palette(3)


def test_metainfo_replaces_the_default_and_is_checked(tmp_path):
    write_pair(tmp_path, 'a', 'y', np.zeros((2, 2), np.uint8))
    # A 2-class set on the Cityscapes class: its own palette, not Cityscapes' first two colours.
    meta = CityscapesDataset._load_metainfo(dict(classes=('a', 'b'), palette=[[1, 2, 3], [4, 5, 6]]))
    assert meta == dict(classes=('a', 'b'), palette=[[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match='BaseSegDataset metainfo has no classes'):
        build(tmp_path)
    with pytest.raises(ValueError, match='one \\[r, g, b\\] per class, got 1 colours for 2'):
        build(tmp_path, metainfo=dict(classes=('a', 'b'), palette=[[0, 0, 0]]))


def test_reduce_zero_label(tmp_path):
    """mmseg's convention, by hand: 0 -> 255 (ignored), c -> c - 1, 255 stays 255."""
    write_pair(tmp_path, 'a', 'y', np.array([[0, 1, 2], [3, 255, 1]], np.uint8))
    dataset = build(tmp_path, metainfo=dict(classes=('p', 'q', 'r')), reduce_zero_label=True)
    results = LoadSegAnnotation()(dataset.get_data_info(0))
    np.testing.assert_array_equal(results['gt_seg_map'], [[255, 0, 1], [2, 255, 0]])


def test_unknown_dataset_type_lists_the_registered_ones():
    with pytest.raises(ConfigError, match="'SegDataset' is not registered .*registered: "
                                          '.*BaseSegDataset, CityscapesDataset'):
        check_config(dict(train_dataloader=dict(dataset=dict(type='SegDataset'))))
