"""Keypoint descriptions: parsing, replacement of COCO's metainfo, errors naming the file."""
from pathlib import Path

import pytest

from micronet_dense.datasets.coco_keypoint import CocoKeypointDataset
from micronet_dense.datasets.keypoint_metainfo import (COCO_PERSON_METAINFO, coco_category,
                                                       parse_keypoint_metainfo)

BIRDS = str(Path(__file__).parents[2] / 'configs' / '_base_' / 'keypoint_sets' / 'birds.py')


def three_point_set(**changes):
    description = dict(
        category=dict(id=7, name='thing'),
        keypoint_info={0: dict(name='top', id=0, swap=''),
                       1: dict(name='left', id=1, swap='right', type='upper'),
                       2: dict(name='right', id=2, swap='left', type='lower')},
        skeleton_info={0: dict(link=('top', 'left'), id=0)},
        sigmas=[0.1, 0.2, 0.2])
    description.update(changes)
    return description


def test_coco_description_gives_the_coco_half_bodies():
    # The category entry (1-based skeleton) is checked against COCO's in test_coco_sample.py.
    assert coco_category(COCO_PERSON_METAINFO)['skeleton'][0] == [16, 14]
    assert COCO_PERSON_METAINFO['upper_body_ids'] == list(range(11))
    assert COCO_PERSON_METAINFO['lower_body_ids'] == list(range(11, 17))


def test_description_is_parsed_into_flat_metainfo():
    meta = parse_keypoint_metainfo(three_point_set())
    assert meta['category_id'] == 7 and meta['dataset_name'] == 'thing'
    assert meta['flip_indices'] == [0, 2, 1] and meta['flip_pairs'] == [[1, 2]]
    assert meta['skeleton'] == [[0, 1]] and meta['joint_weights'] == [1.0, 1.0, 1.0]
    assert meta['upper_body_ids'] == [1] and meta['lower_body_ids'] == [2]
    assert parse_keypoint_metainfo(meta) == meta  # a parsed metainfo (a checkpoint's) is kept


def test_user_metainfo_replaces_coco_instead_of_merging():
    meta = CocoKeypointDataset._load_metainfo(dict(from_file=BIRDS))
    assert meta['num_keypoints'] == 5 and meta['category_name'] == 'bird'
    # Merged over COCO's, half-body ids 5..16 would index past 5 keypoints.
    assert meta['upper_body_ids'] == [] and meta['lower_body_ids'] == []
    assert CocoKeypointDataset._load_metainfo(None) == COCO_PERSON_METAINFO


@pytest.mark.parametrize('changes, message', [
    (dict(sigmas=[0.1, 0.2]), 'sigmas has 2 entries for 3 keypoints'),
    (dict(keypoint_info={0: dict(name='a', id=0, swap='b'), 1: dict(name='b', id=1, swap='')}),
     'swap must be mutual'),
    (dict(skeleton_info={0: dict(link=('top', 'tail'), id=0)}), "unknown keypoint\\(s\\) \\['tail'\\]"),
    (dict(category=None), "no 'category'"),
])
def test_bad_descriptions_are_reported(changes, message):
    description = {k: v for k, v in three_point_set(**changes).items() if v is not None}
    with pytest.raises(ValueError, match=f'my_set: .*{message}'):
        parse_keypoint_metainfo(description, where='my_set')


def test_description_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.py not found'):
        parse_keypoint_metainfo(dict(from_file=str(tmp_path / 'absent.py')))
    empty = tmp_path / 'empty.py'
    empty.write_text('x = 1\n')
    with pytest.raises(ValueError, match='empty.py: a keypoint description file must define'):
        parse_keypoint_metainfo(dict(from_file=str(empty)))
