"""The synthetic Cityscapes sample: layout, class coverage, label maps, depth, determinism."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from cityscapesscripts.helpers.annotation import Annotation
from cityscapesscripts.helpers.labels import id2label, name2label
from cityscapesscripts.preparation.json2labelImg import createLabelImage

from micronet_dense.datasets.samples.cityscapes import (MANIFEST_NAME, SPLIT_CITIES, is_complete,
                                                        make_cityscapes_sample,
                                                        rasterize_label_ids)
from micronet_dense.datasets.transforms.depth import LoadDepthFromDisparity

REPO = Path(__file__).resolve().parents[2]
NAME = re.compile(r'^([a-z]+)/\1_(\d{6})_(\d{6})$')


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp('cityscapes_sample')
    return root, make_cityscapes_sample(str(root), progress=False)


def split_files(root, split, name):
    return (root / 'leftImg8bit' / split / f'{name}_leftImg8bit.png',
            root / 'gtFine' / split / f'{name}_gtFine_labelIds.png',
            root / 'gtFine' / split / f'{name}_gtFine_polygons.json')


def read_label_ids(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def test_layout_and_names(sample):
    root, samples = sample
    assert {split: len(names) for split, names in samples.items()} == {'train': 40, 'val': 12}
    for split, names in samples.items():
        assert len(set(names)) == len(names)
        cities = {NAME.match(name).group(1) for name in names}
        assert cities == set(SPLIT_CITIES[split])
        for name in names:
            image_path, ids_path, json_path = split_files(root, split, name)
            image, label_ids = cv2.imread(str(image_path), cv2.IMREAD_UNCHANGED), read_label_ids(
                ids_path)
            assert image.shape == (256, 512, 3) and image.dtype == np.uint8
            assert label_ids.shape == (256, 512) and label_ids.dtype == np.uint8
            annotation = json.loads(json_path.read_text())
            assert (annotation['imgHeight'], annotation['imgWidth']) == (256, 512)
            for obj in annotation['objects']:
                polygon = np.array(obj['polygon'])
                assert polygon.ndim == 2 and polygon.shape[1] == 2 and len(polygon) >= 3
                assert polygon.dtype.kind == 'i'
                assert polygon.min() >= 0 and polygon[:, 0].max() < 512 \
                    and polygon[:, 1].max() < 256
    assert sorted(os.listdir(root)) == sorted([MANIFEST_NAME, 'camera', 'disparity', 'gtFine',
                                               'leftImg8bit'])
    # no labelTrainIds (the converter's job), no temporary file left behind
    written = [path.name for path in root.rglob('*') if path.is_file()]
    assert not [name for name in written if 'labelTrainIds' in name or name.startswith('.')]


def test_all_train_classes_in_each_split_and_void_classes_present(sample):
    root, samples = sample
    void_ids = set()
    for split, names in samples.items():
        train_ids = set()
        for name in names:
            ids = np.unique(read_label_ids(split_files(root, split, name)[1]))
            train_ids |= {id2label[i].trainId for i in ids.tolist()}
            void_ids |= {i for i in ids.tolist() if id2label[i].category == 'void'}
        assert set(range(19)) <= train_ids, f'{split} lacks {set(range(19)) - train_ids}'
    expected_void = {name2label[name].id for name in
                     ('ego vehicle', 'out of roi', 'static', 'dynamic', 'ground')}
    assert expected_void <= void_ids


def test_label_ids_are_the_polygons_rasterised_by_cityscapesscripts(sample):
    root, samples = sample
    labels_seen = set()
    for split, names in samples.items():
        for name in names:
            _, ids_path, json_path = split_files(root, split, name)
            annotation = Annotation()
            annotation.fromJsonFile(str(json_path))
            reference = np.asarray(createLabelImage(annotation, 'ids'))
            np.testing.assert_array_equal(read_label_ids(ids_path), reference, err_msg=name)
            labels_seen |= {(obj.label, obj.deleted) for obj in annotation.objects}
    # the sample exercises the special cases of the polygon format
    assert {('cargroup', 0), ('license plate', 0), ('car', 1)} <= labels_seen


def test_rasterize_label_ids_follows_json2labelimg_rules():
    annotation = {'imgHeight': 6, 'imgWidth': 8, 'objects': [
        {'label': 'road', 'polygon': [[0, 3], [7, 3], [7, 5], [0, 5]]},
        {'label': 'cargroup', 'polygon': [[1, 2], [3, 2], [3, 4], [1, 4]]},
        {'label': 'license plate', 'polygon': [[2, 3], [3, 3], [3, 4], [2, 4]]},
        {'label': 'person', 'polygon': [[5, 0], [6, 0], [6, 5], [5, 5]], 'deleted': 1},
        {'label': 'polegroup', 'polygon': [[6, 0], [6, 0], [7, 0], [7, 1], [6, 1]]},
    ]}
    expected = np.zeros((6, 8), np.uint8)
    expected[3:6, :] = 7  # road
    expected[2:5, 1:4] = 26  # cargroup drawn as car, over the road
    expected[0:2, 6:8] = 18  # polegroup is a label of its own
    np.testing.assert_array_equal(rasterize_label_ids(annotation), expected)
    with pytest.raises(KeyError, match="unknown Cityscapes label 'lamp'"):
        rasterize_label_ids({'imgHeight': 2, 'imgWidth': 2,
                             'objects': [{'label': 'lamp', 'polygon': [[0, 0], [1, 0], [1, 1]]}]})


def make_small(root, seed=0, **kwargs):
    make_cityscapes_sample(str(root), num_train=3, num_val=3, seed=seed, progress=False, **kwargs)
    return root


def files_bytes(root):
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob('*')) if path.is_file()}


def test_deterministic_and_seed_dependent(tmp_path):
    first = files_bytes(Path(make_small(tmp_path / 'a', seed=7)))
    again = files_bytes(Path(make_small(tmp_path / 'b', seed=7)))
    other = files_bytes(Path(make_small(tmp_path / 'c', seed=8)))
    assert first == again
    assert first.keys() == other.keys()
    images = [key for key in first if key.endswith('_leftImg8bit.png')]
    assert all(first[key] != other[key] for key in images)


def test_small_splits_still_cover_all_classes(tmp_path):
    root = make_small(tmp_path / 's')
    for split in ('train', 'val'):
        ids = np.concatenate([read_label_ids(p).ravel()
                              for p in (root / 'gtFine' / split).rglob('*_labelIds.png')])
        assert set(range(19)) <= {id2label[i].trainId for i in np.unique(ids).tolist()}


def test_is_complete_and_rerun(tmp_path):
    root = tmp_path / 'r'
    assert not is_complete(str(root))
    make_small(root)
    assert is_complete(str(root))
    before = files_bytes(root)
    victim = next((root / 'gtFine' / 'val').rglob('*_gtFine_labelIds.png'))
    victim.unlink()
    assert not is_complete(str(root))
    make_small(root)  # same arguments: regenerated, identical
    assert is_complete(str(root)) and files_bytes(root) == before
    # a sample made before it had depth files is completed with them, the rest unchanged
    shutil.rmtree(root / 'disparity')
    (next((root / 'camera' / 'train').rglob('*_camera.json'))).unlink()
    assert not is_complete(str(root))
    make_small(root)
    assert is_complete(str(root)) and files_bytes(root) == before
    with pytest.raises(FileExistsError, match='made with other arguments'):
        make_small(root, seed=1)


def test_full_resolution(tmp_path):
    root = tmp_path / 'full'
    samples = make_cityscapes_sample(str(root), num_train=1, num_val=1, full_resolution=True,
                                     progress=False)
    image_path, ids_path, json_path = split_files(root, 'val', samples['val'][0])
    assert cv2.imread(str(image_path)).shape == (1024, 2048, 3)
    annotation = json.loads(json_path.read_text())
    np.testing.assert_array_equal(read_label_ids(ids_path), rasterize_label_ids(annotation))


def test_invalid_counts_are_rejected(tmp_path):
    with pytest.raises(ValueError, match='num_train and num_val must be >= 1'):
        make_cityscapes_sample(str(tmp_path), num_train=0, progress=False)


def test_cli(tmp_path):
    out = tmp_path / 'cli'
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools/dataset_converters/make_cityscapes_sample.py'),
         '--out', str(out), '--train-images', '2', '--val-images', '1', '--no-progress'],
        capture_output=True, text=True, check=True, cwd=REPO)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {'train': 2, 'val': 1}
    assert is_complete(str(out))


# --- depth: disparity PNGs and camera JSONs --------------------------------------------------

# Labels without a depth: nothing drawn, the ego vehicle and the image's void margins, and sky
# (Cityscapes' stereo matcher finds no disparity there either).
NO_DEPTH_LABELS = ('unlabeled', 'ego vehicle', 'rectification border', 'out of roi', 'sky')


def depth_sample_files(root):
    """(label ids, uint16 disparity, camera dict, image path) of each image of ``root``."""
    root = Path(root)
    for image_path in sorted(root.glob('leftImg8bit/*/*/*_leftImg8bit.png')):
        split, city = image_path.parts[-3:-1]
        stem = image_path.name[:-len('_leftImg8bit.png')]
        ids = read_label_ids(root / 'gtFine' / split / city / f'{stem}_gtFine_labelIds.png')
        disparity = cv2.imread(str(root / 'disparity' / split / city / f'{stem}_disparity.png'),
                               cv2.IMREAD_UNCHANGED)
        camera = json.loads((root / 'camera' / split / city / f'{stem}_camera.json').read_text())
        yield ids, disparity, camera, str(image_path)


def test_disparity_and_camera_files_in_the_cityscapes_layout(cityscapes_sample_root):
    files = list(depth_sample_files(cityscapes_sample_root))
    assert len(files) == 3
    for ids, disparity, camera, _ in files:
        assert disparity.dtype == np.uint16 and disparity.shape == ids.shape == (256, 512)
        assert {k: sorted(v) for k, v in camera.items()} == {
            'extrinsic': ['baseline', 'pitch', 'roll', 'x', 'y', 'yaw', 'z'],
            'intrinsic': ['fx', 'fy', 'u0', 'v0']}
        assert camera['extrinsic']['baseline'] == 0.209313  # Cityscapes' stereo rig
        assert camera['extrinsic']['z'] == 1.22
        assert camera['intrinsic']['fx'] == camera['intrinsic']['fy'] == 1.1 * 512
        assert 0 < camera['intrinsic']['u0'] < 512 and 0 < camera['intrinsic']['v0'] < 256


def test_loaded_depth_is_the_disparity_formula_on_the_generated_files(cityscapes_sample_root):
    for ids, disparity, camera, image_path in depth_sample_files(cityscapes_sample_root):
        depth = LoadDepthFromDisparity()(dict(img_path=image_path))['gt_depth_map']
        baseline, fx = camera['extrinsic']['baseline'], camera['intrinsic']['fx']
        p = disparity.astype(np.float64)
        with np.errstate(divide='ignore'):
            expected = np.where(p > 1, baseline * fx / ((p - 1) / 256), 0.0)
        np.testing.assert_allclose(depth, expected, rtol=1e-6, atol=0)
        invalid = disparity == 0
        assert invalid.sum() > 1000 and (depth[invalid] == 0).all()


def test_depth_is_missing_exactly_where_cityscapes_has_none(cityscapes_sample_root):
    no_depth_ids = [name2label[name].id for name in NO_DEPTH_LABELS]
    for ids, disparity, _, _ in depth_sample_files(cityscapes_sample_root):
        np.testing.assert_array_equal(disparity == 0, np.isin(ids, no_depth_ids))


def test_road_depth_is_the_flat_ground_seen_by_the_camera(cityscapes_sample_root):
    """On road and sidewalk, a level camera at height h sees depth Z = fy · h / (v − v0), i.e.
    disparity baseline · fx · (v − v0) / (fy · h), stored to the nearest 1/256 px."""
    checked = 0
    for ids, disparity, camera, _ in depth_sample_files(cityscapes_sample_root):
        intrinsic, extrinsic = camera['intrinsic'], camera['extrinsic']
        v = np.arange(ids.shape[0], dtype=np.float64)[:, None].repeat(ids.shape[1], axis=1)
        ground = np.isin(ids, [name2label['road'].id, name2label['sidewalk'].id]) & (
            v - intrinsic['v0'] >= 0.5)
        expected = (extrinsic['baseline'] * intrinsic['fx'] * (v[ground] - intrinsic['v0'])
                    / (intrinsic['fy'] * extrinsic['z']))
        stored = (disparity[ground].astype(np.float64) - 1) / 256
        assert np.abs(stored - expected).max() <= 0.5 / 256 + 1e-9
        checked += ground.sum()
    assert checked > 30000
