"""MicroNetInferencer over images, folders and videos; person detections from COCO result files."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from micronet_dense.apis import FrameSource, MicroNetInferencer, load_person_detections
from micronet_dense.apis.cli import frame_image_id
from micronet_dense.apis.cli import describe
from micronet_dense.visualization import draw_segmentation
from tests.conftest import DEPTH_CONFIG, MULTITASK_CONFIG, POSE_SAMPLE_CONFIG, SEG_SAMPLE_CONFIG


@pytest.fixture(scope='module')
def pose_inferencer(pose_checkpoint):
    return MicroNetInferencer(POSE_SAMPLE_CONFIG, pose_checkpoint, kpt_thr=0.0)


@pytest.fixture(scope='module')
def seg_inferencer(seg_checkpoint):
    return MicroNetInferencer(SEG_SAMPLE_CONFIG, seg_checkpoint)


def write_video(path, frames, fps=5.0):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()


def test_pose_inferencer_on_a_folder(pose_inferencer, coco_sample_root):
    folder = osp.join(coco_sample_root, 'val2017')
    boxes = np.array([[20., 20., 120., 200.], [150., 30., 300., 230.]])
    outs = list(pose_inferencer(folder, bboxes=boxes, draw=True))
    assert [o.frame.name for o in outs] == ['000000000005.jpg', '000000000006.jpg',
                                            '000000000007.jpg']
    for out in outs:
        assert pose_inferencer.task == 'pose'
        assert out.result.keypoints.shape == (2, 17, 2)
        assert out.result.keypoint_scores.shape == (2, 17)
        assert out.drawn.shape == out.frame.image.shape
        assert (out.drawn != out.frame.image).any()


def test_boxes_can_depend_on_the_frame(pose_inferencer, coco_sample_root):
    path = osp.join(coco_sample_root, 'val2017', '000000000005.jpg')
    seen = []

    def boxes(frame):
        seen.append(frame.name)
        return np.zeros((0, 4))

    (out, ) = pose_inferencer(path, bboxes=boxes)
    assert seen == ['000000000005.jpg'] and out.result.keypoints.shape == (0, 17, 2)
    assert out.drawn is None


def test_seg_inferencer_on_a_video(seg_inferencer, tmp_path):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (64, 96, 3), dtype=np.uint8) for _ in range(4)]
    write_video(tmp_path / 'clip.mp4', frames)
    source = FrameSource(tmp_path / 'clip.mp4')
    assert source.kind == 'video' and len(source) == 4 and source.fps == pytest.approx(5.0)
    outs = list(seg_inferencer(source, draw=True))
    assert [o.frame.name for o in outs] == [f'frame_{i:06d}' for i in range(4)]
    for out in outs:
        assert out.result.shape == (64, 96) and out.result.max() < 19
        assert out.drawn.shape == (64, 96, 3)


def test_task_dispatch_and_errors(seg_inferencer, tmp_path):
    assert seg_inferencer.task == 'segmentation'
    with pytest.raises(ValueError, match='segmentation model'):
        seg_inferencer.predict(np.zeros((32, 32, 3), np.uint8), np.array([[0, 0, 8, 8]]))
    with pytest.raises(TypeError, match='ImageClassifier'):
        MicroNetInferencer('configs/imagenet/micronet_m0_imagenet.py')
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(ValueError, match='unknown input type'):
        FrameSource(tmp_path / 'notes.txt')
    with pytest.raises(FileNotFoundError, match='no images'):
        FrameSource(tmp_path)


def test_person_detections_are_filtered_and_converted(tmp_path):
    path = tmp_path / 'dets.json'
    path.write_text(json.dumps([
        dict(image_id=7, category_id=1, bbox=[10, 20, 30, 40], score=0.9),
        dict(image_id=7, category_id=1, bbox=[0, 0, 5, 5], score=0.1),
        dict(image_id=7, category_id=3, bbox=[0, 0, 50, 50], score=0.99),
        dict(image_id=8, category_id=1, bbox=[1, 2, 3, 4], score=0.5),
    ]))
    boxes = load_person_detections(str(path), score_thr=0.3)
    assert sorted(boxes) == [7, 8]
    np.testing.assert_array_equal(boxes[7], [[10, 20, 40, 60]])
    np.testing.assert_array_equal(boxes[8], [[1, 2, 4, 6]])
    path.write_text(json.dumps([dict(image_id=7, bbox=[0, 0, 1, 1], score=1.0)]))
    with pytest.raises(ValueError, match=r"dets.json.*category_id"):
        load_person_detections(str(path))


def test_person_detections_without_area_are_skipped_and_counted(tmp_path, log_lines):
    path = tmp_path / 'flat_dets.json'
    path.write_text(json.dumps([
        dict(image_id=7, category_id=1, bbox=[10, 20, 30, 40], score=0.9),
        dict(image_id=7, category_id=1, bbox=[10, 20, 0, 40], score=0.9),
        dict(image_id=8, category_id=1, bbox=[1, 2, 3, 0], score=0.5),
    ]))
    boxes = load_person_detections(str(path))
    assert sorted(boxes) == [7]
    np.testing.assert_array_equal(boxes[7], [[10, 20, 40, 60]])
    assert any('flat_dets.json: skipped 2 boxes with a non-positive width or height'
               in line for line in log_lines)


@pytest.mark.parametrize('score, message', [
    ('"0.9"', r"detection \[0\] 'score' must be a number, got '0.9'"),
    ('Infinity', r"Infinity at line 1 column \d+ \(in 'score'\) is not a number"),
    ('-0.5', r"detection \[0\] 'score' = -0.5 is outside \[0, 1\]"),
])
def test_person_detections_with_a_bad_score_name_the_file(tmp_path, score, message):
    path = tmp_path / 'bad_score.json'
    path.write_text('[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": '
                    f'{score}}}]')
    with pytest.raises(ValueError, match=message) as error:
        load_person_detections(str(path))
    assert 'bad_score.json' in str(error.value)


def test_frames_are_matched_to_detections_by_coco_file_number(tmp_path):
    image = np.zeros((8, 8, 3), np.uint8)
    cv2.imwrite(str(tmp_path / '000000000139.png'), image)
    source = FrameSource(tmp_path)
    assert frame_image_id(next(iter(source)), source) == 139
    cv2.imwrite(str(tmp_path / 'street.png'), image)
    source = FrameSource(tmp_path)
    with pytest.raises(ValueError, match='street.png'):
        [frame_image_id(frame, source) for frame in source]


def test_multitask_inferencer_returns_and_draws_every_task(multitask_checkpoint):
    inferencer = MicroNetInferencer(MULTITASK_CONFIG, multitask_checkpoint, max_depth=20.0)
    assert inferencer.task == 'multitask'
    image = np.random.default_rng(0).integers(0, 256, (64, 128, 3), dtype=np.uint8)
    result = inferencer.predict(image)
    assert set(result) == {'pred_sem_seg', 'pred_depth_map'}
    seg, depth = result['pred_sem_seg'], result['pred_depth_map']
    assert seg.shape == depth.shape == (64, 128)
    assert seg.dtype == np.uint8 and depth.dtype == np.float32 and depth.min() > 0
    # Reference: the model's raw outputs on the image normalised here (no padding at 64x128).
    mean, std = np.array([123.675, 116.28, 103.53]), np.array([58.395, 57.12, 57.375])
    x = torch.from_numpy(((image[..., ::-1] - mean) / std).transpose(2, 0, 1)[None]).float()
    with torch.no_grad():
        outputs = inferencer.model(x, mode='tensor')
    np.testing.assert_allclose(depth, outputs['depth'][0, 0].numpy(), rtol=1e-5)
    assert (seg == outputs['seg'][0].argmax(0).numpy()).mean() > 0.999

    drawn = inferencer.draw(image, result)
    # Segmentation overlay | depth in colour | scale bar.
    assert drawn.shape[0] == 64 and drawn.shape[1] >= 2 * 128 + 48
    meta = inferencer.dataset_meta
    np.testing.assert_array_equal(
        drawn[:, :128], draw_segmentation(image, seg, meta['classes'], meta['palette'], 0.5))
    levels = np.round(np.clip(depth / 20.0, 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(drawn[:, 128:256], cv2.applyColorMap(levels, cv2.COLORMAP_TURBO))
    bar = drawn[:, 256:]
    assert bar[0, 0].tolist() == [59, 18, 48] and bar[-1, 0].tolist() == [3, 4, 122]  # turbo ends
    assert describe(inferencer, result).startswith('classes: ')
    assert f'median {np.median(depth):.3g} m' in describe(inferencer, result)


def test_depth_inferencer_on_a_video(tmp_path):
    inferencer = MicroNetInferencer(DEPTH_CONFIG)
    rng = np.random.default_rng(1)
    write_video(tmp_path / 'clip.mp4', [rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
                                        for _ in range(2)])
    outs = list(inferencer(FrameSource(tmp_path / 'clip.mp4'), draw=True))
    assert len(outs) == 2
    for out in outs:
        assert set(out.result) == {'pred_depth_map'}
        assert out.result['pred_depth_map'].shape == (64, 96)
        assert out.drawn.shape == (64, 96 + 48, 3)  # the depth map and its scale bar
    with pytest.raises(ValueError, match='this is a multitask model'):
        inferencer.predict(outs[0].frame.image, np.array([[0, 0, 8, 8]]))
