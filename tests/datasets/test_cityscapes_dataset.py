"""Tests of CityscapesDataset on a fake Cityscapes tree built in a temporary folder."""
import os
import os.path as osp
from pathlib import Path

import pytest
from cityscapesscripts.helpers.labels import labels as cityscapes_labels

from micronet_dense.datasets.cityscapes import CityscapesDataset
from micronet_dense.registry import DATASETS

SAMPLES = ('bochum/bochum_000000_000313', 'aachen/aachen_000001_000019',
           'aachen/aachen_000000_000019')


def make_tree(root: Path, samples=SAMPLES, split: str = 'train', with_labels: bool = True) -> None:
    """Empty files in the official layout; the dataset only lists paths."""
    for name in samples:
        for path in [root / 'leftImg8bit' / split / f'{name}_leftImg8bit.png',
                     root / 'gtFine' / split / f'{name}_gtFine_color.png']:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        if with_labels:
            (root / 'gtFine' / split / f'{name}_gtFine_labelTrainIds.png').touch()


def test_lists_images_sorted_and_pairs_labels(tmp_path):
    make_tree(tmp_path)
    (tmp_path / 'leftImg8bit' / 'train' / 'aachen' / 'notes.txt').touch()
    dataset = CityscapesDataset(data_root=str(tmp_path))
    assert len(dataset) == 3
    expected = ['aachen/aachen_000000_000019', 'aachen/aachen_000001_000019',
                'bochum/bochum_000000_000313']
    for idx, name in enumerate(expected):
        info = dataset.get_data_info(idx)
        assert info['img_path'] == osp.join(tmp_path, 'leftImg8bit/train',
                                            name + '_leftImg8bit.png')
        assert info['seg_map_path'] == osp.join(tmp_path, 'gtFine/train',
                                                name + '_gtFine_labelTrainIds.png')
        assert info['ignore_index'] == 255 and info['sample_idx'] == idx
        assert info['num_classes'] == 19  # LoadSegAnnotation checks the label ids with it


def test_split_list_keeps_file_order(tmp_path):
    make_tree(tmp_path, split='val')
    (tmp_path / 'val.txt').write_text(
        'bochum/bochum_000000_000313\n\naachen/aachen_000000_000019\n')
    dataset = CityscapesDataset(
        data_root=str(tmp_path), ann_file='val.txt', ignore_index=19,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'))
    assert [Path(dataset.get_data_info(i)['img_path']).name for i in range(len(dataset))] == [
        'bochum_000000_000313_leftImg8bit.png', 'aachen_000000_000019_leftImg8bit.png']
    assert dataset.get_data_info(0)['ignore_index'] == 19


def test_built_from_registry_and_runs_pipeline(tmp_path):
    make_tree(tmp_path)
    dataset = DATASETS.build(dict(type='CityscapesDataset', data_root=str(tmp_path), test_mode=True,
                                  pipeline=[lambda results: dict(results, visited=True)]))
    assert dataset[1]['visited'] and dataset[1]['img_path'].endswith(
        'aachen_000001_000019_leftImg8bit.png')


def test_metainfo_matches_cityscapesscripts_train_ids():
    train_labels = sorted((label for label in cityscapes_labels if 0 <= label.trainId < 255),
                          key=lambda label: label.trainId)
    assert CityscapesDataset.METAINFO['classes'] == tuple(label.name for label in train_labels)
    assert CityscapesDataset.METAINFO['palette'] == [label.color for label in train_labels]


def test_missing_image_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'image folder .*leftImg8bit/train does not exist'):
        CityscapesDataset(data_root=str(tmp_path))


def test_empty_image_folder_is_an_error(tmp_path):
    (tmp_path / 'leftImg8bit' / 'val' / 'aachen').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r'No image .* under .*leftImg8bit/val'):
        CityscapesDataset(data_root=str(tmp_path),
                          data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'))


def test_missing_labels_are_named_with_converter_hint(tmp_path):
    make_tree(tmp_path)
    make_tree(tmp_path, samples=['zurich/zurich_000000_000019'], with_labels=False)
    with pytest.raises(FileNotFoundError) as error:
        CityscapesDataset(data_root=str(tmp_path))
    message = str(error.value)
    assert '1 of 4 images' in message
    assert 'zurich_000000_000019_gtFine_labelTrainIds.png' in message
    assert 'aachen_000000_000019' not in message
    assert 'tools/dataset_converters/cityscapes.py' in message


def test_split_list_errors(tmp_path):
    make_tree(tmp_path)
    (tmp_path / 'empty.txt').write_text('\n \n')
    with pytest.raises(ValueError, match=r'split list .*empty\.txt has no entry'):
        CityscapesDataset(data_root=str(tmp_path), ann_file='empty.txt')
    (tmp_path / 'typo.txt').write_text('aachen/aachen_000000_000019\naachen/aachen_999\n')
    with pytest.raises(FileNotFoundError, match=r'1 image\(s\) listed in .*typo\.txt do not exist: '
                                                r'.*aachen_999_leftImg8bit\.png'):
        CityscapesDataset(data_root=str(tmp_path), ann_file='typo.txt')
    with pytest.raises(FileNotFoundError, match=r'split list .*absent\.txt does not exist'):
        CityscapesDataset(data_root=str(tmp_path), ann_file='absent.txt')


def test_incomplete_data_prefix_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"lacks \['seg_map_path'\]"):
        CityscapesDataset(data_root=str(tmp_path), data_prefix=dict(img_path='leftImg8bit/train'))


@pytest.mark.parametrize('num_loops', [1, 2])
def test_link_cycles_fail_instead_of_multiplying_or_hanging(tmp_path, num_loops):
    root = tmp_path / 'leftImg8bit' / 'train'
    for name in ('aachen/a_000000_000019', 'aachen/a_000001_000019', 'bochum/b_000000_000313'):
        for path in (root / f'{name}_leftImg8bit.png',
                     tmp_path / 'gtFine' / 'train' / f'{name}_gtFine_labelTrainIds.png'):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    os.symlink('..', root / 'aachen' / 'loop')  # os.walk(followlinks=True): 123 samples
    if num_loops == 2:  # with os.walk(followlinks=True): never finishes
        os.symlink('..', root / 'bochum' / 'loop')
    with pytest.raises(ValueError, match=r'aachen/loop links back to .*train, a folder above it: '
                                         r'a link cycle'):
        CityscapesDataset(data_root=str(tmp_path))
