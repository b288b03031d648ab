"""Cityscapes label table, polygons -> labelTrainIds conversion and split lists."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from cityscapesscripts.helpers import labels as cs_labels

from micronet_dense.datasets import cityscapes_labels as labels
from micronet_dense.datasets.cityscapes_conversion import (check_polygon_annotation,
                                                           convert_cityscapes)
from micronet_dense.datasets.samples.cityscapes import make_cityscapes_sample
from micronet_dense.utils.user_errors import MissingDependencyError

REPO = Path(__file__).resolve().parents[2]


def expected_train_ids(label_ids_path: str) -> np.ndarray:
    """(H, W) uint8 train-id map the converter must produce for a ``*_gtFine_labelIds.png``."""
    label_ids = cv2.imread(label_ids_path, cv2.IMREAD_UNCHANGED)
    if label_ids is None:
        raise FileNotFoundError(f'cannot read label-id map {label_ids_path}')
    return labels.label_ids_to_train_ids(label_ids)


# ----- label table ----------------------------------------------------------------------
def test_label_table_equals_cityscapesscripts():
    assert len(labels.LABELS) == len(cs_labels.labels)
    for ours, ref in zip(labels.LABELS, cs_labels.labels):
        assert tuple(ours) == tuple(ref)


def test_train_classes_palette_and_lookup_tables():
    train = sorted((label for label in cs_labels.labels if 0 <= label.trainId < 255),
                   key=lambda label: label.trainId)
    assert labels.TRAIN_CLASSES == tuple(label.name for label in train)
    assert labels.TRAIN_PALETTE == tuple(label.color for label in train)
    for label_id in range(256):
        ref = cs_labels.id2label.get(label_id)
        assert labels.LABEL_ID_TO_TRAIN_ID[label_id] == (ref.trainId if ref else 255)
    assert labels.TRAIN_ID_TO_LABEL_ID.tolist() == [label.id for label in train]


def test_id_mappings_round_trip_and_errors():
    ids = np.array([[7, 26, 0], [33, 4, 23]], np.uint8)
    np.testing.assert_array_equal(labels.label_ids_to_train_ids(ids),
                                  [[0, 13, 255], [18, 255, 10]])
    np.testing.assert_array_equal(labels.train_ids_to_label_ids(np.arange(19)),
                                  [cs_labels.trainId2label[t].id for t in range(19)])
    with pytest.raises(TypeError, match='must be uint8'):
        labels.label_ids_to_train_ids(ids.astype(np.int64))
    with pytest.raises(ValueError, match=r'train ids must be in \[0, 19\), got \[19, 255\]'):
        labels.train_ids_to_label_ids(np.array([0, 19, 255]))


def test_resolve_label_group_names():
    assert labels.resolve_label('cargroup').name == 'car'
    assert labels.resolve_label('polegroup').id == 18  # a label of its own, not 'pole'
    assert labels.resolve_label('license plate').id == -1
    assert labels.resolve_label('skygroup').name == 'sky'  # json2labelImg does not care
    with pytest.raises(KeyError, match="unknown Cityscapes label 'lampgroup'"):
        labels.resolve_label('lampgroup')


# ----- conversion of the synthetic sample -------------------------------------------------
@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp('cityscapes')
    samples = make_cityscapes_sample(str(root), progress=False)
    lists = convert_cityscapes(str(root), nproc=2, progress=False)
    return root, samples, lists


def test_converted_train_ids_equal_the_generator_maps_exactly(converted):
    root, samples, _ = converted
    for split, names in samples.items():
        for name in names:
            base = root / 'gtFine' / split / name
            converted_map = cv2.imread(f'{base}_gtFine_labelTrainIds.png', cv2.IMREAD_UNCHANGED)
            expected = expected_train_ids(f'{base}_gtFine_labelIds.png')
            assert converted_map.dtype == np.uint8
            assert np.array_equal(converted_map, expected), name


def test_split_lists(converted):
    root, samples, lists = converted
    for split in ('train', 'val'):
        lines = (root / f'{split}.txt').read_text().splitlines()
        assert lines == sorted(samples[split]) == lists[split]
        for line in lines:
            assert (root / 'leftImg8bit' / split / f'{line}_leftImg8bit.png').is_file()
    assert not (root / 'test.txt').exists()
    assert set(lists) == {'train', 'val'}


def test_serial_conversion_and_out_dir_give_the_same_result(converted, tmp_path):
    root, _, _ = converted
    maps = sorted(root.rglob('*_labelTrainIds.png'))
    parallel = {path: path.read_bytes() for path in maps}
    lists = convert_cityscapes(str(root), nproc=1, out_dir=str(tmp_path), progress=False)
    assert {path: path.read_bytes() for path in maps} == parallel
    assert (tmp_path / 'val.txt').read_text().splitlines() == lists['val']
    assert sorted(os.listdir(tmp_path)) == ['train.txt', 'val.txt']


# ----- hand-made annotations -------------------------------------------------------------
def write_annotation(path, objects, height=5, width=6):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'imgHeight': height, 'imgWidth': width, 'objects': objects}))


def test_group_deleted_and_license_plate_rules_and_test_split(tmp_path):
    json_path = tmp_path / 'gtFine/test/berlin/berlin_000000_000019_gtFine_polygons.json'
    write_annotation(json_path, [
        {'label': 'sidewalk', 'polygon': [[0, 0], [5, 0], [5, 4], [0, 4]]},
        {'label': 'bicyclegroup', 'polygon': [[0, 0], [2, 0], [2, 1], [0, 1]]},
        {'label': 'license plate', 'polygon': [[1, 0], [2, 0], [2, 1], [1, 1]]},
        {'label': 'bogus', 'deleted': 1, 'polygon': [[0, 0], [5, 0], [5, 4]]},
        {'label': 'dynamic', 'polygon': [[4, 3], [5, 3], [5, 4], [4, 4]]},
    ])
    lists = convert_cityscapes(str(tmp_path), progress=False)
    expected = np.full((5, 6), 1, np.uint8)  # sidewalk everywhere
    expected[0:2, 0:3] = 18  # bicyclegroup = bicycle; the plate keeps it
    expected[3:5, 4:6] = 255  # dynamic is void
    result = cv2.imread(str(json_path).replace('_polygons.json', '_labelTrainIds.png'),
                        cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(result, expected)
    assert lists == {'test': ['berlin/berlin_000000_000019']}
    assert (tmp_path / 'test.txt').read_text() == 'berlin/berlin_000000_000019\n'


def test_unlabelled_background_is_ignored(tmp_path):
    json_path = tmp_path / 'gtFine/val/ulm/ulm_000000_000019_gtFine_polygons.json'
    write_annotation(json_path, [{'label': 'sky', 'polygon': [[0, 0], [5, 0], [5, 1], [0, 1]]}])
    convert_cityscapes(str(tmp_path), progress=False)
    result = cv2.imread(str(json_path).replace('_polygons.json', '_labelTrainIds.png'),
                        cv2.IMREAD_UNCHANGED)
    assert (result[:2] == 10).all() and (result[2:] == 255).all()


def test_bad_annotations_are_named(tmp_path):
    path = tmp_path / 'a_gtFine_polygons.json'
    write_annotation(path, [{'label': 'road', 'polygon': [[0, 0], [1, 0], [1, 1]]},
                            {'label': 'lamp post', 'polygon': [[0, 0], [1, 0], [1, 1]]}])
    with pytest.raises(ValueError, match=r"a_gtFine_polygons\.json: objects\[1\]: unknown "
                                         r"Cityscapes label 'lamp post'"):
        check_polygon_annotation(str(path))
    path.write_text(json.dumps({'imgHeight': 2, 'objects': []}))
    with pytest.raises(ValueError, match=r"a_gtFine_polygons\.json: the top level lacks "
                                         r"field\(s\) \['imgWidth'\]"):
        check_polygon_annotation(str(path))
    path.write_text(json.dumps({'imgHeight': 2, 'imgWidth': 2, 'objects': [{'label': 'road'}]}))
    with pytest.raises(ValueError, match=r"objects\[0\] lacks field\(s\) \['polygon'\]"):
        check_polygon_annotation(str(path))
    path.write_text('{"imgHeight": 2,')
    with pytest.raises(ValueError, match=r'a_gtFine_polygons\.json is not valid JSON.*'
                                         r'line 1 column 17 \(char 16\)'):
        check_polygon_annotation(str(path))
    path.write_bytes(b'{"imgHeight": \xff}')
    with pytest.raises(ValueError, match=r'a_gtFine_polygons\.json is not valid JSON'):
        check_polygon_annotation(str(path))


def test_unknown_label_fails_in_a_worker_instead_of_hanging(tmp_path):
    for index in range(3):
        write_annotation(tmp_path / f'gtFine/train/ulm/ulm_{index:06d}_000019_gtFine_polygons.json',
                         [{'label': 'road' if index != 1 else 'lamp post',
                           'polygon': [[0, 0], [1, 0], [1, 1]]}])
    with pytest.raises(ValueError, match=r"ulm_000001_000019_gtFine_polygons\.json: objects\[0\]"):
        convert_cityscapes(str(tmp_path), nproc=2, progress=False)
    assert not list(tmp_path.rglob('.*'))  # no temporary file left behind


def test_missing_tree_and_bad_nproc(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'annotation folder .*gtFine does not exist'):
        convert_cityscapes(str(tmp_path), progress=False)
    (tmp_path / 'gtFine' / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r'no \*_gtFine_polygons\.json file under'):
        convert_cityscapes(str(tmp_path), progress=False)
    with pytest.raises(ValueError, match='nproc must be >= 1, got 0'):
        convert_cityscapes(str(tmp_path), nproc=0, progress=False)


def test_cli(tmp_path):
    write_annotation(tmp_path / 'gtFine/val/ulm/ulm_000000_000019_gtFine_polygons.json',
                     [{'label': 'road', 'polygon': [[0, 0], [5, 0], [5, 4], [0, 4]]}])
    script = str(REPO / 'tools/dataset_converters/cityscapes.py')
    result = subprocess.run([sys.executable, script, str(tmp_path), '--nproc', '1',
                             '--out-dir', str(tmp_path / 'lists'), '--no-progress'],
                            capture_output=True, text=True, check=True, cwd=REPO)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {'val': 1}
    assert (tmp_path / 'lists' / 'val.txt').read_text() == 'ulm/ulm_000000_000019\n'
    failed = subprocess.run([sys.executable, script, str(tmp_path / 'absent')],
                            capture_output=True, text=True, cwd=REPO)
    assert failed.returncode == 1 and 'gtFine does not exist' in failed.stderr


def test_missing_cityscapesscripts_names_the_extra(monkeypatch, cityscapes_sample_root):
    monkeypatch.setitem(sys.modules, 'cityscapesscripts.preparation.json2labelImg', None)
    message = ("cityscapesscripts.preparation.json2labelImg is not installed; it comes with the "
               "'cityscapes' extra: pip install 'micronet_dense[cityscapes]'")
    with pytest.raises(MissingDependencyError) as error:
        convert_cityscapes(cityscapes_sample_root, progress=False)
    assert str(error.value) == message
