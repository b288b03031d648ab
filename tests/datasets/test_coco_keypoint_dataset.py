import json

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope
from pycocotools.cocoeval import Params

import micronet_dense.codecs.msra_heatmap  # noqa: F401  (registers MSRAHeatmap)
import micronet_dense.datasets.transforms.loading  # noqa: F401  (registers LoadImage)
from micronet_dense.codecs.msra_heatmap import MSRAHeatmap
from micronet_dense.datasets.coco_keypoint import CocoKeypointDataset
from micronet_dense.datasets.transforms.topdown import get_warp_matrix
from micronet_dense.registry import DATASETS

FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def keypoint_list(labelled):
    """51 COCO values; ``labelled`` maps keypoint index -> (x, y, v)."""
    values = [0] * 51
    for k, (x, y, v) in labelled.items():
        values[3 * k:3 * k + 3] = [x, y, v]
    return values


def person(ann_id, image_id, bbox, labelled, **extra):
    ann = dict(id=ann_id, image_id=image_id, category_id=1, bbox=bbox, area=bbox[2] * bbox[3],
               iscrowd=0, num_keypoints=sum(v > 0 for _, _, v in labelled.values()),
               keypoints=keypoint_list(labelled))
    ann.update(extra)
    return ann


def coco_json():
    images = [dict(id=1, file_name='000001.jpg', width=100, height=80),
              dict(id=2, file_name='000002.jpg', width=50, height=50)]
    annotations = [
        person(11, 1, [10, 10, 30, 40], {0: (20, 15, 2), 5: (25, 30, 1), 6: (33, 31, 0)}),
        person(12, 1, [0, 0, 100, 80], {}, iscrowd=1),
        person(13, 1, [40, 40, 10, 10], {}),
        person(14, 1, [120, 10, 20, 20], {0: (130, 15, 2)}),  # entirely right of the image
        person(15, 1, [-5, 70, 20, 30], {0: (5, 75, 2)}),  # clipped to [0, 70, 15, 79]
        person(21, 2, [5, 5, 20, 30], {1: (10, 10, 2), 2: (12, 10, 2)}),
    ]
    return dict(images=images, annotations=annotations,
                categories=[dict(id=1, name='person')])


def write_json(path, content):
    path.write_text(json.dumps(content))
    return str(path)


@pytest.fixture
def data_root(tmp_path):
    (tmp_path / 'annotations').mkdir()
    write_json(tmp_path / 'annotations' / 'kpts.json', coco_json())
    return tmp_path


def test_registered_with_coco_metainfo():
    assert DATASETS.get('CocoKeypointDataset') is CocoKeypointDataset
    meta = CocoKeypointDataset.METAINFO
    assert meta['num_keypoints'] == len(meta['keypoint_names']) == len(meta['sigmas']) == 17
    assert meta['flip_indices'] == FLIP_INDICES
    assert meta['keypoint_names'][meta['flip_indices'][5]] == 'right_shoulder'
    # The very values pycocotools evaluates COCO with, bit for bit.
    assert meta['sigmas'] == Params(iouType='keypoints').kpt_oks_sigmas.tolist()
    assert len(meta['skeleton']) == 19 and [15, 13] in meta['skeleton']


def test_ground_truth_mode(data_root, log_lines):
    dataset = CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                                  data_prefix=dict(img='images/'))
    assert len(dataset) == 3
    first, clipped, other = (dataset[i] for i in range(3))

    assert first['id'] == 11 and first['img_id'] == 1
    assert first['img_path'] == str(data_root / 'images' / '000001.jpg')
    assert first['ori_shape'] == (80, 100)
    assert first['bbox'].dtype == np.float32
    np.testing.assert_array_equal(first['bbox'], [[10, 10, 40, 50]])
    np.testing.assert_array_equal(first['bbox_score'], [1])
    assert first['keypoints'].shape == (1, 17, 2) and first['keypoints'].dtype == np.float32
    np.testing.assert_array_equal(first['keypoints'][0, [0, 5, 6]], [[20, 15], [25, 30], [33, 31]])
    expected_visible = np.zeros((1, 17), np.float32)
    expected_visible[0, [0, 5]] = 1
    np.testing.assert_array_equal(first['keypoints_visible'], expected_visible)
    assert first['keypoints_visible'].dtype == np.float32
    assert first['num_keypoints'] == 2 and first['iscrowd'] == 0
    assert first['area'] == 1200 and first['category_id'] == 1
    assert first['flip_indices'] == FLIP_INDICES
    assert first['upper_body_ids'] == list(range(11))
    assert first['dataset_name'] == 'coco'

    assert clipped['id'] == 15
    np.testing.assert_array_equal(clipped['bbox'], [[0, 70, 15, 79]])
    assert other['id'] == 21 and other['ori_shape'] == (50, 50)

    message = next(line for line in log_lines if 'kpts.json' in line)
    assert '3 person instances kept' in message
    assert '1 crowd' in message
    assert '1 without labelled keypoints' in message
    assert '1 with an empty box' in message


def test_ground_truth_mode_filters_in_test_mode_too(data_root):
    dataset = CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                                  test_mode=True)
    assert [dataset[i]['id'] for i in range(len(dataset))] == [11, 15, 21]
    assert dataset[0]['img_path'] == str(data_root / 'val2017' / '000001.jpg')


def detections():
    return [
        dict(image_id=1, category_id=1, bbox=[10, 20, 30, 40], score=0.9),
        dict(image_id=1, category_id=1, bbox=[0, 0, 5, 5], score=0.2),
        dict(image_id=2, category_id=3, bbox=[1, 1, 5, 5], score=0.99),
        dict(image_id=2, category_id=1, bbox=[1, 2, 3, 4], score=0.3),
    ]


def test_bbox_file_mode(data_root, log_lines):
    bbox_file = write_json(data_root / 'dets.json', detections())
    dataset = CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                                  bbox_file=bbox_file, bbox_score_thr=0.3, test_mode=True)
    assert len(dataset) == 2
    first, second = dataset[0], dataset[1]
    assert (first['id'], second['id']) == (0, 1)
    assert (first['img_id'], second['img_id']) == (1, 2)
    np.testing.assert_array_equal(first['bbox'], [[10, 20, 40, 60]])
    np.testing.assert_array_equal(second['bbox'], [[1, 2, 4, 6]])
    assert first['bbox_score'].dtype == np.float32
    np.testing.assert_allclose(second['bbox_score'], [0.3])
    np.testing.assert_array_equal(first['keypoints'], np.zeros((1, 17, 2)))
    assert not first['keypoints_visible'].any()
    assert first['img_path'] == str(data_root / 'val2017' / '000001.jpg')
    assert first['flip_indices'] == FLIP_INDICES
    message = next(line for line in log_lines if 'dets.json' in line)
    assert '2 person boxes kept' in message and '1 not person' in message
    assert '1 with score < 0.3' in message


def test_boxes_without_area_are_skipped_and_counted(data_root, log_lines):
    coco = coco_json()
    coco['annotations'] += [person(31, 1, [10, 10, 0, 20], {0: (10, 15, 2)}),
                            person(32, 1, [10, 10, 20, -5], {0: (15, 8, 2)})]
    ann_file = write_json(data_root / 'with_flat_boxes.json', coco)
    assert len(CocoKeypointDataset(ann_file=ann_file)) == 3
    message = next(line for line in log_lines if 'with_flat_boxes.json' in line)
    assert '3 with an empty box' in message  # the 2 above and the one outside the image

    dets = detections() + [dict(image_id=1, category_id=1, bbox=[5, 5, 0, 10], score=0.9),
                           dict(image_id=2, category_id=1, bbox=[5, 5, 10, -1], score=0.9),
                           dict(image_id=2, category_id=1, bbox=[5, 5, float('nan'), 3], score=0.9)]
    bbox_file = write_json(data_root / 'flat_dets.json', dets)
    dataset = CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                                  bbox_file=bbox_file, bbox_score_thr=0.3, test_mode=True)
    assert len(dataset) == 2
    message = next(line for line in log_lines if 'flat_dets.json' in line)
    assert '3 with a non-positive or non-finite width or height' in message


@pytest.mark.parametrize('test_mode', [False, True])
def test_split_with_nothing_left_is_an_error(data_root, test_mode):
    coco = coco_json()
    for ann in coco['annotations']:
        ann['iscrowd'] = 1
    ann_file = write_json(data_root / 'all_crowd.json', coco)
    with pytest.raises(ValueError, match=r'no person instance is left to use, .*all_crowd\.json: '
                                         r'0 person instances kept, skipped: 6 crowd'):
        CocoKeypointDataset(ann_file=ann_file, test_mode=test_mode)


def test_detections_with_nothing_left_is_an_error(data_root):
    bbox_file = write_json(data_root / 'dets.json', detections())
    with pytest.raises(ValueError, match=r'no person instance .*dets\.json: 0 person boxes kept, '
                                         r'skipped: 1 not person, 3 with score < 0\.95'):
        CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                            bbox_file=bbox_file, bbox_score_thr=0.95, test_mode=True)


def test_bbox_file_requires_test_mode(data_root):
    with pytest.raises(ValueError, match='test_mode'):
        CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                            bbox_file='dets.json')


def build_with_annotations(tmp_path, content):
    ann_file = write_json(tmp_path / 'bad_ann.json', content)
    return CocoKeypointDataset(ann_file=ann_file)


def test_missing_and_truncated_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.json'):
        CocoKeypointDataset(ann_file=str(tmp_path / 'nothere.json'))
    text = json.dumps(coco_json())
    (tmp_path / 'cut.json').write_text(text[:len(text) // 2])
    # json's own message says where the text stops making sense.
    with pytest.raises(ValueError, match=r'cut\.json is not valid JSON \(truncated\?\): .*'
                                         r'line 1 column \d+ \(char \d+\)'):
        CocoKeypointDataset(ann_file=str(tmp_path / 'cut.json'))


@pytest.mark.parametrize('corrupt, message', [
    (lambda coco: coco.pop('annotations'), 'annotations'),
    (lambda coco: coco['images'][0].pop('width'), 'width'),
    (lambda coco: coco['annotations'][0].pop('bbox'), 'bbox'),
    (lambda coco: coco['annotations'][0]['keypoints'].pop(),
     r"annotation id 11 'keypoints' \(17 x \(x, y, v\)\) must be a list of 51 numbers, got 50"),
    (lambda coco: coco['annotations'][5]['keypoints'].extend([1, 2, 2]),
     'annotation id 21 .* got 54'),
    (lambda coco: coco['annotations'][0]['bbox'].pop(), '4'),
    (lambda coco: coco['annotations'][0]['bbox'].__setitem__(2, None),
     "annotation id 11 'bbox' must be a list of 4 numbers, got None among them"),
    (lambda coco: coco['annotations'][0].update(image_id=99), 'image_id 99'),
])
def test_bad_annotations_name_the_file(tmp_path, corrupt, message):
    coco = coco_json()
    corrupt(coco)
    with pytest.raises(ValueError, match=message) as error:
        build_with_annotations(tmp_path, coco)
    assert 'bad_ann.json' in str(error.value)


@pytest.mark.parametrize('content, message', [
    (None, 'not found'),
    ('{"image_id": 1', 'not valid JSON'),
    ({'image_id': 1}, 'list'),
    ([dict(image_id=1, category_id=1, bbox=[1, 2, 3, 4])], 'score'),
    ([dict(image_id=1, category_id=1, bbox=[1, 2, 3], score=0.5)], '4'),
    ([dict(image_id=1, category_id=1, bbox=[1, 2, '3', 4], score=0.5)], "got '3' among them"),
    ([dict(image_id=1, category_id=1, bbox=[1, 2, 3, 4], score=0.5, keypoints=[0] * 50)], '51'),
    ([dict(image_id=7, category_id=1, bbox=[1, 2, 3, 4], score=0.5)], 'image_id 7'),
])
def test_bad_bbox_file_names_the_file(data_root, content, message):
    path = data_root / 'bad_dets.json'
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        write_json(path, content)
    with pytest.raises((ValueError, FileNotFoundError), match=message) as error:
        CocoKeypointDataset(ann_file='annotations/kpts.json', data_root=str(data_root),
                            bbox_file=str(path), test_mode=True)
    assert 'bad_dets.json' in str(error.value)


def test_pipeline_round_trip_recovers_image_keypoints(data_root):
    """Dataset -> registered pipeline -> heatmaps; decoding and the inverse warp
    give back the annotated image coordinates."""
    labelled = {0: (30, 22, 2), 5: (21, 35, 2), 6: (38, 36, 2), 11: (24, 50, 2), 15: (26, 68, 1)}
    coco = dict(images=[dict(id=1, file_name='p.png', width=64, height=80)],
                annotations=[person(1, 1, [16, 16, 28, 58], labelled)])
    write_json(data_root / 'annotations' / 'one.json', coco)
    (data_root / 'val2017').mkdir()
    cv2.imwrite(str(data_root / 'val2017' / 'p.png'), np.full((80, 64, 3), 90, np.uint8))
    codec_cfg = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=(192, 256)),
                dict(type='GenerateHeatmapTarget', encoder=codec_cfg),
                dict(type='PackPoseInputs')]
    with DefaultScope.overwrite_default_scope('micronet_dense'):
        dataset = CocoKeypointDataset(ann_file='annotations/one.json',
                                      data_root=str(data_root), pipeline=pipeline)
        packed = dataset[0]

    assert packed['inputs'].shape == (3, 256, 192)
    sample = packed['data_samples']
    assert sample.heatmaps.shape == (17, 64, 48)
    ids = sorted(labelled)
    np.testing.assert_array_equal(np.flatnonzero(sample.keypoint_weights.numpy()), ids)

    keypoints, _ = MSRAHeatmap(**{k: v for k, v in codec_cfg.items() if k != 'type'}).decode(
        sample.heatmaps.numpy())
    back = get_warp_matrix(sample.input_center, sample.input_scale, 0, sample.input_size,
                           inv=True)
    in_image = keypoints[0] @ back[:, :2].T + back[:, 2]
    # Within one heatmap pixel, i.e. stride * (box height / input height) image pixels.
    tolerance = 4 * sample.input_scale[1] / 256
    expected = np.array([labelled[k][:2] for k in ids], dtype=np.float32)
    assert np.abs(in_image[ids] - expected).max() <= tolerance
    np.testing.assert_allclose(sample.gt_keypoints[ids], expected)


def test_other_keypoint_set_and_category(tmp_path, log_lines):
    """A 3-keypoint category 7 in a file that also holds COCO persons: only category 7 is used,
    with its own flip indices and no half bodies."""
    content = coco_json()
    content['annotations'].append(dict(
        id=31, image_id=2, category_id=7, bbox=[5, 5, 20, 20], area=400, iscrowd=0,
        num_keypoints=2, keypoints=[10, 10, 2, 0, 0, 0, 20, 12, 1]))
    content['categories'].append(dict(id=7, name='tripod', keypoints=['top', 'left', 'right']))
    metainfo = dict(
        category=dict(id=7, name='tripod'),
        keypoint_info={0: dict(name='top', id=0, swap=''),
                       1: dict(name='left', id=1, swap='right'),
                       2: dict(name='right', id=2, swap='left')},
        sigmas=[0.05, 0.05, 0.05])
    with DefaultScope.overwrite_default_scope('micronet_dense'):
        dataset = CocoKeypointDataset(ann_file=write_json(tmp_path / 'mixed.json', content),
                                      metainfo=metainfo, test_mode=True)
    assert len(dataset) == 1
    info = dataset.get_data_info(0)
    assert info['id'] == 31 and info['category_id'] == 7 and info['keypoints'].shape == (1, 3, 2)
    assert info['flip_indices'] == [0, 2, 1] and info['upper_body_ids'] == []
    assert '1 tripod instances kept' in '\n'.join(log_lines) and '6 not tripod' in '\n'.join(log_lines)
