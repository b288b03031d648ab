"""tools/misc/browse_dataset.py: the written images are the transformed samples with their targets
drawn; the same seeded pipeline is re-run here as the reference."""
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from micronet_dense.datasets.cityscapes_labels import TRAIN_PALETTE
from micronet_dense.registry import DATASETS
from tests.conftest import POSE_SAMPLE_CONFIG, SEG_SAMPLE_CONFIG

REPO = Path(__file__).parents[2]


def browse(monkeypatch, config, root, out_dir, num):
    options = [f'sample_data.root={root}', f'train_dataloader.dataset.data_root={root}']
    monkeypatch.setattr(sys, 'argv', ['browse_dataset.py', config, '--output-dir', str(out_dir),
                                      '--num', str(num), '--cfg-options', *options])
    runpy.run_path(str(REPO / 'tools' / 'misc' / 'browse_dataset.py'), run_name='__main__')
    return sorted(out_dir.iterdir())


def first_sample_before_packing(config, root):
    """The first training sample through the pipeline, seeded as the tool seeds it (0)."""
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=root))
    np.random.seed(0)
    results = dataset.get_data_info(0)
    for transform in dataset.pipeline.transforms[:-1]:
        results = transform(results)
    return results, dataset.metainfo


def test_pose_samples_show_keypoints_and_heatmaps(monkeypatch, tmp_path, coco_sample_root):
    paths = browse(monkeypatch, POSE_SAMPLE_CONFIG, coco_sample_root, tmp_path / 'out', 3)
    assert len(paths) == 3
    drawn = cv2.imread(str(paths[0]))
    results, meta = first_sample_before_packing(POSE_SAMPLE_CONFIG, coco_sample_root)
    crop = results['img']
    assert drawn.shape == crop.shape == (128, 96, 3)

    points = np.round(results['transformed_keypoints'][0]).astype(int)
    visible = results['keypoints_visible'][0] > 0
    inside = visible & (points >= 0).all(1) & (points[:, 0] < 96) & (points[:, 1] < 128)
    assert inside.sum() >= 3
    for x, y in points[inside]:
        assert tuple(int(c) for c in drawn[y, x]) == (0, 255, 0)  # labelled keypoints in green

    # Heatmaps and links are near the keypoints; far away the crop is untouched up to the faint
    # tails of the config's DARK Gaussians (not truncated; below 1% of the peak 20 px away),
    # close around a labelled keypoint the heat colours it.
    near = np.zeros(crop.shape[:2], np.uint8)
    for x, y in points:
        cv2.circle(near, (int(x), int(y)), 20, 1, -1)
    for i, j in meta['skeleton']:
        if visible[i] and visible[j]:
            cv2.line(near, tuple(map(int, points[i])), tuple(map(int, points[j])), 1, 9)
    far = near == 0
    assert far.sum() > 500
    assert np.abs(drawn[far].astype(int) - crop[far]).max() <= 2
    ring = np.zeros(crop.shape[:2], np.uint8)
    for x, y in points[inside]:
        cv2.circle(ring, (int(x), int(y)), 6, 1, -1)
        cv2.circle(ring, (int(x), int(y)), 3, 0, -1)
    ring = ring > 0
    assert np.abs(drawn[ring].astype(int) - crop[ring]).mean() > 15


def test_segmentation_samples_show_the_label_overlay(monkeypatch, tmp_path,
                                                      cityscapes_sample_root):
    paths = browse(monkeypatch, SEG_SAMPLE_CONFIG, cityscapes_sample_root, tmp_path / 'out', 5)
    assert len(paths) == 1  # the tiny set has one training image
    drawn = cv2.imread(str(paths[0]))
    results, _ = first_sample_before_packing(SEG_SAMPLE_CONFIG, cityscapes_sample_root)
    image, labels = results['img'], results['gt_seg_map']
    assert drawn.shape == image.shape == (256, 256, 3)
    palette_bgr = np.array(TRAIN_PALETTE)[:, ::-1]
    below_legend = np.zeros(labels.shape, bool)
    below_legend[200:] = True
    labelled = below_legend & (labels != 255)
    ignored = below_legend & (labels == 255)
    expected = np.round(0.5 * image[labelled] + 0.5 * palette_bgr[labels[labelled]])
    np.testing.assert_allclose(drawn[labelled], expected, atol=1)
    np.testing.assert_array_equal(drawn[ignored], image[ignored])
    for label in set(np.unique(labels)) - {255}:
        assert (drawn == palette_bgr[label]).all(axis=-1).sum() >= 25  # its legend swatch


def test_bad_config_stops_before_any_sample(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, 'argv', ['browse_dataset.py', POSE_SAMPLE_CONFIG, '--output-dir',
                                      str(tmp_path / 'out'), '--cfg-options', 'model.head.foo=1'])
    with pytest.raises(SystemExit, match="model.head: MicroNetPoseHead has no argument 'foo'"):
        runpy.run_path(str(REPO / 'tools' / 'misc' / 'browse_dataset.py'), run_name='__main__')
    assert not (tmp_path / 'out').exists()
