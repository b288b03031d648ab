"""Tests of the synthetic COCO person-keypoints sample against pycocotools and COCO's format."""
import contextlib
import importlib.util
import io
import json
import os
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from micronet_dense.datasets.prepare import ensure_dataset
from micronet_dense.datasets.samples import coco_keypoints
from micronet_dense.datasets.samples.coco_keypoints import (annotation_path, detection_path,
                                                            is_complete, make_coco_sample)

WIDTH, HEIGHT = 320, 240
TINY = dict(num_train_images=6, num_val_images=4, seed=0, progress=False)
SPLITS = ('train', 'val')
# COCO 2017's person category, as in person_keypoints_val2017.json.
COCO_KEYPOINT_NAMES = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
    'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
    'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
                 [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
                 [4, 6], [5, 7]]
# pycocotools' mask.decode predates numpy 2's copy keyword.
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')
PERSON_FIELDS = {'id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd', 'num_keypoints',
                 'keypoints', 'segmentation'}


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp('coco_sample')
    counts = make_coco_sample(str(out), **TINY)
    with contextlib.redirect_stdout(io.StringIO()):
        gts = {split: COCO(annotation_path(str(out), split)) for split in SPLITS}
    return out, counts, gts


def keypoints_of(ann: dict) -> np.ndarray:
    return np.asarray(ann['keypoints']).reshape(17, 3)


def all_annotations(gts):
    for split, gt in gts.items():
        for ann in gt.dataset['annotations']:
            yield split, gt, ann


def file_bytes(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


def test_layout_and_images_match_annotations(sample):
    out, counts, gts = sample
    all_ids = []
    for split, gt in gts.items():
        images = gt.dataset['images']
        assert sorted(os.listdir(out / f'{split}2017')) == sorted(im['file_name'] for im in images)
        for image in images:
            assert image['file_name'] == f"{image['id']:012d}.jpg"
            assert cv2.imread(str(out / f'{split}2017' / image['file_name'])).shape == (
                image['height'], image['width'], 3) == (HEIGHT, WIDTH, 3)
            assert set(image) == {'id', 'file_name', 'width', 'height', 'license', 'coco_url',
                                  'flickr_url', 'date_captured'}
        all_ids += [im['id'] for im in images]
        anns = gt.dataset['annotations']
        assert counts[split] == dict(images=len(images),
                                     persons=sum(a['iscrowd'] == 0 for a in anns),
                                     crowd_regions=sum(a['iscrowd'] == 1 for a in anns))
    assert len(set(all_ids)) == len(all_ids) == 10


def test_dataset_header_is_coco_person_keypoints(sample):
    _, _, gts = sample
    for gt in gts.values():
        dataset = gt.dataset
        assert list(dataset) == ['info', 'licenses', 'images', 'annotations', 'categories']
        assert {'description', 'url', 'version', 'year', 'contributor',
                'date_created'} <= set(dataset['info'])
        assert [lic['id'] for lic in dataset['licenses']] == [1]
        assert dataset['categories'] == [dict(supercategory='person', id=1, name='person',
                                              keypoints=COCO_KEYPOINT_NAMES,
                                              skeleton=COCO_SKELETON)]


def test_annotation_fields_follow_coco_rules(sample):
    _, _, gts = sample
    for _, gt, ann in all_annotations(gts):
        assert set(ann) == PERSON_FIELDS and ann['category_id'] == 1
        kp = keypoints_of(ann)
        assert len(ann['keypoints']) == 51 and set(kp[:, 2]) <= {0, 1, 2}
        assert ann['num_keypoints'] == np.count_nonzero(kp[:, 2])
        assert (kp[kp[:, 2] == 0, :2] == 0).all()
        labelled = kp[kp[:, 2] > 0]
        assert ((labelled[:, 0] >= 0) & (labelled[:, 0] < WIDTH)
                & (labelled[:, 1] >= 0) & (labelled[:, 1] < HEIGHT)).all()
        x, y, w, h = ann['bbox']
        assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT
        # area and bbox are those of the segmentation, as pycocotools computes them.
        rle = gt.annToRLE(ann)
        assert ann['area'] == pytest.approx(float(mask_utils.area(rle)))
        assert ann['bbox'] == pytest.approx(mask_utils.toBbox(rle).tolist())
        if ann['iscrowd']:
            assert isinstance(ann['segmentation']['counts'], str)
            assert ann['segmentation']['size'] == [HEIGHT, WIDTH]
            assert ann['num_keypoints'] == 0 and not any(ann['keypoints'])
        else:
            assert all(len(poly) >= 6 and len(poly) % 2 == 0 for poly in ann['segmentation'])
            assert ann['num_keypoints'] >= 1


def test_every_split_has_an_empty_image_and_a_crowd_region(sample):
    _, _, gts = sample
    for gt in gts.values():
        assert any(not gt.getAnnIds(imgIds=[image_id]) for image_id in gt.getImgIds())
        assert any(ann['iscrowd'] == 1 for ann in gt.dataset['annotations'])


def test_visible_keypoints_lie_on_their_person(sample):
    _, _, gts = sample
    kernel = np.ones((3, 3), np.uint8)
    for _, gt, ann in all_annotations(gts):
        mask = cv2.dilate(gt.annToMask(ann), kernel)  # polygons drop boundary pixels
        kp = keypoints_of(ann)
        visible = kp[kp[:, 2] == 2]
        assert mask[visible[:, 1], visible[:, 0]].all()


def test_occluded_keypoints_are_covered_by_a_person(sample):
    _, _, gts = sample
    covered_by_other = 0
    for _, gt, ann in all_annotations(gts):
        people = [a for a in gt.imgToAnns[ann['image_id']] if not a['iscrowd']]
        for x, y, v in keypoints_of(ann):
            if v != 1:
                continue
            owners = [a['id'] for a in people if gt.annToMask(a)[y, x]]
            assert owners, f'occluded keypoint ({x}, {y}) of annotation {ann["id"]} is uncovered'
            covered_by_other += any(owner != ann['id'] for owner in owners)
    assert covered_by_other > 0


def test_unlabelled_body_joints_belong_to_persons_cut_by_the_frame(sample):
    _, _, gts = sample
    truncated = 0
    for _, _, ann in all_annotations(gts):
        if ann['iscrowd'] or (keypoints_of(ann)[5:, 2] > 0).all():
            continue
        x, y, w, h = ann['bbox']
        assert x <= 1 or y <= 1 or x + w >= WIDTH - 1 or y + h >= HEIGHT - 1, ann['id']
        truncated += 1
    assert truncated > 0


def test_left_and_right_are_told_apart_by_colour(sample):
    """Left ears/body joints are marked in blue hues (B > R), right ones in red hues (R > B)."""
    out, _, gts = sample
    checked = 0
    for split, gt, ann in all_annotations(gts):
        image = cv2.imread(str(out / f'{split}2017' / f"{ann['image_id']:012d}.jpg")).astype(int)
        for index, (x, y, v) in enumerate(keypoints_of(ann)):
            if index < 3 or v != 2:
                continue
            b, _, r = np.median(image[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].reshape(-1, 3), 0)
            is_left = COCO_KEYPOINT_NAMES[index].startswith('left')
            assert (b - r if is_left else r - b) > 0, (ann['id'], COCO_KEYPOINT_NAMES[index])
            checked += 1
    assert checked > 50


def test_persons_seen_from_behind_have_no_face_and_mirrored_ears(sample):
    """From the front the person's left ear is on the image's right; from behind, the face
    (nose, eyes) is unlabelled and the left ear is on the image's left."""
    _, _, gts = sample
    views = []
    for _, _, ann in all_annotations(gts):
        kp = keypoints_of(ann)
        if ann['iscrowd'] or (kp[3:5, 2] != 2).any():
            continue
        from_behind = (kp[:3, 2] == 0).all()
        left_ear_x, right_ear_x = kp[3, 0], kp[4, 0]
        assert (left_ear_x < right_ear_x) if from_behind else (left_ear_x > right_ear_x), ann['id']
        views.append(from_behind)
    assert any(views) and not all(views)


@pytest.mark.parametrize('split', SPLITS)
def test_ground_truth_as_results_scores_perfect_keypoint_ap(sample, split):
    _, _, gts = sample
    gt = gts[split]
    results = [dict(image_id=a['image_id'], category_id=1, keypoints=a['keypoints'], score=1.0)
               for a in gt.dataset['annotations'] if a['num_keypoints'] > 0]
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = COCOeval(gt, gt.loadRes(results), 'keypoints')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    assert evaluator.stats[0] == pytest.approx(1.0)


@pytest.mark.parametrize('split', SPLITS)
def test_detection_results_are_jittered_persons_and_false_positives(sample, split):
    out, _, gts = sample
    gt = gts[split]
    assert osp.basename(detection_path(str(out), 'val')) == (
        'COCO_val2017_detections_AP_H_56_person.json')
    with open(detection_path(str(out), split)) as f:
        detections = json.load(f)
    false_positives = 0
    for det in detections:
        assert set(det) == {'image_id', 'category_id', 'bbox', 'score'}
        assert det['category_id'] == 1 and det['image_id'] in gt.imgs and 0 < det['score'] <= 1
        x, y, w, h = det['bbox']
        assert w >= 1 and h >= 1 and x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT
        persons = [a['bbox'] for a in gt.imgToAnns[det['image_id']] if not a['iscrowd']]
        best_iou = mask_utils.iou([det['bbox']], persons, [0] * len(persons)).max() if persons \
            else 0.0
        if det['score'] >= 0.5:
            assert best_iou >= 0.5, det
        else:
            false_positives += 1
    num_persons = sum(not a['iscrowd'] for a in gt.dataset['annotations'])
    assert len(detections) - false_positives <= num_persons
    assert false_positives > 0
    with contextlib.redirect_stdout(io.StringIO()):
        assert len(gt.loadRes(detections).getAnnIds()) == len(detections)


def test_same_seed_gives_identical_files_and_another_seed_differs(sample, tmp_path):
    out, _, _ = sample
    make_coco_sample(str(tmp_path / 'same'), **TINY)
    assert file_bytes(tmp_path / 'same') == file_bytes(out)
    make_coco_sample(str(tmp_path / 'other'), **dict(TINY, seed=1))
    for split in SPLITS:
        assert (Path(annotation_path(str(tmp_path / 'other'), split)).read_bytes()
                != Path(annotation_path(str(out), split)).read_bytes())


def test_is_complete_detects_missing_pieces(tmp_path):
    out = str(tmp_path)
    assert not is_complete(out)
    make_coco_sample(out, 2, 2, progress=False)
    assert is_complete(out)
    image = osp.join(out, 'val2017', sorted(os.listdir(osp.join(out, 'val2017')))[0])
    os.remove(image)
    assert not is_complete(out)
    make_coco_sample(out, 2, 2, progress=False)
    os.remove(annotation_path(out, 'train'))
    assert not is_complete(out)


def test_is_complete_only_for_the_options_asked_for(tmp_path):
    out = str(tmp_path)
    make_coco_sample(out, 2, 3, seed=4, image_size=(128, 96), progress=False)
    assert is_complete(out, num_train_images=2, num_val_images=3, seed=4, image_size=(128, 96))
    assert not is_complete(out, num_train_images=3)
    assert not is_complete(out, num_val_images=2)
    assert not is_complete(out, seed=0)
    assert not is_complete(out, image_size=(96, 128))


def test_ensure_dataset_regenerates_a_sample_of_another_size(tmp_path):
    out = str(tmp_path) + '/'
    make_coco_sample(out, 2, 2, progress=False)
    ensure_dataset(Config(dict(sample_data=dict(type='coco_keypoints', root=out,
                                                num_train_images=3, num_val_images=2,
                                                progress=False))), loaders=())
    assert is_complete(out, num_train_images=3, num_val_images=2)


def test_interrupted_regeneration_is_not_complete(tmp_path, monkeypatch):
    out = str(tmp_path)
    make_coco_sample(out, 3, 2, progress=False)
    encode = cv2.imencode
    calls = []

    def failing_encode(*args, **kwargs):
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return encode(*args, **kwargs)

    monkeypatch.setattr(coco_keypoints.cv2, 'imencode', failing_encode)
    with pytest.raises(KeyboardInterrupt):
        make_coco_sample(out, 3, 2, seed=5, progress=False)
    assert not is_complete(out)
    assert not any(name.endswith('.tmp') for name in os.listdir(osp.join(out, 'train2017')))
    monkeypatch.undo()
    make_coco_sample(out, 3, 2, seed=5, progress=False)
    assert is_complete(out)


def test_refuses_to_overwrite_foreign_annotations(tmp_path):
    path = annotation_path(str(tmp_path), 'val')
    os.makedirs(osp.dirname(path))
    foreign = json.dumps(dict(info=dict(description='COCO 2017 Dataset'), images=[]))
    Path(path).write_text(foreign)
    with pytest.raises(FileExistsError, match='person_keypoints_val2017.json'):
        make_coco_sample(str(tmp_path), 1, 1, progress=False)
    assert Path(path).read_text() == foreign


@pytest.mark.parametrize('kwargs', [dict(num_train_images=-1), dict(num_val_images=2.5),
                                    dict(seed=-3), dict(image_size=(32, 240)),
                                    dict(image_size=(320,))])
def test_rejects_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        make_coco_sample(str(tmp_path), **dict(dict(progress=False), **kwargs))


def test_cli_writes_the_same_set_as_the_library(tmp_path, capsys):
    tool = Path(__file__).parents[2] / 'tools' / 'dataset_converters' / 'make_coco_sample.py'
    spec = importlib.util.spec_from_file_location('make_coco_sample_cli', tool)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    cli.main(['--out', str(tmp_path / 'cli'), '--train-images', '2', '--val-images', '3',
              '--seed', '4', '--image-size', '160', '120', '--no-progress'])
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = make_coco_sample(str(tmp_path / 'lib'), 2, 3, seed=4, image_size=(160, 120),
                                progress=False)
    assert printed == expected
    assert file_bytes(tmp_path / 'cli') == file_bytes(tmp_path / 'lib')
