"""demo/image_demo.py and demo/video_demo.py: the written images and videos show the predictions
(pixels checked against colours computed here), for pose, segmentation, depth and both."""
import json
import os.path as osp
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from micronet_dense.apis import MicroNetInferencer
from micronet_dense.datasets.cityscapes_labels import TRAIN_PALETTE
from tests.conftest import (DEPTH_CONFIG, MULTITASK_CONFIG, POSE_SAMPLE_CONFIG, SEG_SAMPLE_CONFIG,
                            random_checkpoint)

REPO = Path(__file__).parents[2]
DET_FILE = 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'


def run_demo(name, monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', [name, *map(str, args)])
    runpy.run_path(str(REPO / 'demo' / name), run_name='__main__')


def read(path):
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f'{path} was not written as an image'
    return image


def read_video(path):
    """Every frame of the video at ``path``."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f'{path} was not written as a video'
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def hand_boxes(det_file, image_id, score_thr):
    """xyxy person boxes of one image, converted here from the COCO xywh results."""
    with open(det_file) as f:
        dets = json.load(f)
    return np.array([[x, y, x + w, y + h] for d in dets for x, y, w, h in [d['bbox']]
                     if d['image_id'] == image_id and d['category_id'] == 1
                     and d['score'] >= score_thr], dtype=np.float32).reshape(-1, 4)


def test_image_demo_draws_keypoints_where_the_model_puts_them(
        monkeypatch, tmp_path, coco_sample_root, pose_checkpoint):
    image_path = osp.join(coco_sample_root, 'val2017', '000000000005.jpg')
    det_file = coco_sample_root + DET_FILE
    out = tmp_path / 'pose.png'
    run_demo('image_demo.py', monkeypatch, POSE_SAMPLE_CONFIG, pose_checkpoint, image_path,
             '--out', out, '--det-file', det_file, '--det-score-thr', 0.3, '--kpt-thr', 0)
    drawn, image = read(out), read(image_path)
    assert drawn.shape == image.shape

    boxes = hand_boxes(det_file, 5, 0.3)
    assert len(boxes) > 0
    result = MicroNetInferencer(POSE_SAMPLE_CONFIG, pose_checkpoint).predict(image_path, boxes)
    # Keypoint colours, red (score 0) to green (score 1) with --kpt-thr 0, as the README says.
    colours = {(0, int(round(255 * s)), int(round(255 * (1 - s))))
               for s in np.clip(result.keypoint_scores.ravel(), 0, 1)}
    h, w = image.shape[:2]
    # Keypoints scored below --kpt-thr 0 (an untrained head's maxima may be negative) are not drawn.
    inside = [(x, y) for (x, y), s in zip(np.round(result.keypoints.reshape(-1, 2)).astype(int),
                                          result.keypoint_scores.ravel())
              if 0 <= x < w and 0 <= y < h and s >= 0]
    assert len(inside) >= 10
    for x, y in inside:
        assert tuple(int(c) for c in drawn[y, x]) in colours
        assert (drawn[y, x] != image[y, x]).any()


def test_image_demo_on_a_folder_writes_one_png_per_image(
        monkeypatch, tmp_path, coco_sample_root, pose_checkpoint):
    run_demo('image_demo.py', monkeypatch, POSE_SAMPLE_CONFIG, pose_checkpoint,
             osp.join(coco_sample_root, 'val2017'), '--out', tmp_path / 'out')
    names = sorted(p.name for p in (tmp_path / 'out').iterdir())
    assert names == ['000000000005.png', '000000000006.png', '000000000007.png']
    for name in names:
        original = read(osp.join(coco_sample_root, 'val2017', name.replace('.png', '.jpg')))
        assert read(tmp_path / 'out' / name).shape == original.shape


def test_image_demo_overlays_segmentation_with_a_legend(
        monkeypatch, tmp_path, cityscapes_sample_root, seg_checkpoint):
    image_path = next(Path(cityscapes_sample_root, 'leftImg8bit', 'val').rglob('*.png'))
    out = tmp_path / 'seg.png'
    run_demo('image_demo.py', monkeypatch, SEG_SAMPLE_CONFIG, seg_checkpoint, image_path,
             '--out', out)
    drawn, image = read(out), read(image_path)
    assert drawn.shape == image.shape

    label_map = MicroNetInferencer(SEG_SAMPLE_CONFIG, seg_checkpoint).predict(str(image_path))
    palette_bgr = np.array(TRAIN_PALETTE)[:, ::-1]
    # Below the legend (the top-left corner) every pixel is the 50 % blend with its class colour.
    expected = np.round(0.5 * image + 0.5 * palette_bgr[label_map])
    np.testing.assert_allclose(drawn[160:], expected[160:], atol=1)
    for label in np.unique(label_map):
        # The legend swatch holds the exact palette colour.
        swatch = (drawn[:120, :200] == palette_bgr[label]).all(axis=-1).sum()
        assert swatch >= 25


def test_video_demo_writes_every_frame(monkeypatch, tmp_path, coco_sample_root, pose_checkpoint):
    num_frames = 5
    frames = [read(p) for p in sorted(Path(coco_sample_root, 'val2017').glob('*.jpg'))]
    frames = (frames * num_frames)[:num_frames]
    h, w = frames[0].shape[:2]
    video = tmp_path / 'in.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    out = tmp_path / 'out.mp4'
    run_demo('video_demo.py', monkeypatch, POSE_SAMPLE_CONFIG, pose_checkpoint, video,
             '--out', out, '--kpt-thr', 0)

    capture = cv2.VideoCapture(str(out))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10)
    written = read_video(out)
    assert len(written) == num_frames
    assert all(frame.shape == (h, w, 3) for frame in written)
    # Red keypoints (random weights score ~0) and their links were drawn on every frame.
    def reddish(frame):
        return int(((frame[..., 2] > 200) & (frame[..., 1] < 60) & (frame[..., 0] < 60)).sum())

    for frame, original in zip(written, frames):
        assert reddish(frame) > reddish(original) + 50


def test_image_demo_shows_segmentation_and_depth_side_by_side(
        monkeypatch, tmp_path, cityscapes_sample_root, multitask_checkpoint, log_lines):
    image_path = next(Path(cityscapes_sample_root, 'leftImg8bit', 'val').rglob('*.png'))
    out = tmp_path / 'multitask.png'
    run_demo('image_demo.py', monkeypatch, MULTITASK_CONFIG, multitask_checkpoint, image_path,
             '--out', out, '--max-depth', 30)
    drawn, image = read(out), read(image_path)
    h, w = image.shape[:2]
    assert drawn.shape == (h, 2 * w + max(48, h // 5), 3)  # overlay | depth | scale bar
    depth = MicroNetInferencer(MULTITASK_CONFIG, multitask_checkpoint).predict(
        str(image_path))['pred_depth_map']
    levels = np.round(np.clip(depth / 30.0, 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(drawn[:, w:2 * w], cv2.applyColorMap(levels, cv2.COLORMAP_TURBO))
    assert any('classes: ' in line and ' m (median ' in line for line in log_lines)


def test_video_demo_with_a_depth_model(monkeypatch, tmp_path):
    checkpoint = random_checkpoint(DEPTH_CONFIG, tmp_path / 'depth.pth')
    rng = np.random.default_rng(0)
    video = tmp_path / 'in.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (96, 64))
    for _ in range(3):
        writer.write(rng.integers(0, 256, (64, 96, 3), dtype=np.uint8))
    writer.release()
    out = tmp_path / 'out.mp4'
    run_demo('video_demo.py', monkeypatch, DEPTH_CONFIG, checkpoint, video, '--out', out)
    frames = read_video(out)
    assert len(frames) == 3
    assert all(frame.shape == (64, 96 + 48, 3) for frame in frames)  # depth map + scale bar
