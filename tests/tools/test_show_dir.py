"""tools/test.py --show-dir: one annotated image per test image."""
import json
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import SEG_SAMPLE_CONFIG
from tests.sample_runs import POSE_SAMPLE, REPO, TINY_POSE, sample_config

DET_FILE = 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'


def run_test_tool(monkeypatch, tmp_path, config, checkpoint, *options):
    show_dir = tmp_path / 'show'
    monkeypatch.setattr(sys, 'argv', ['test.py', str(config), checkpoint, '--work-dir',
                                      str(tmp_path / 'work'), '--show-dir', str(show_dir),
                                      '--cfg-options', 'test_dataloader.num_workers=0',
                                      'test_dataloader.persistent_workers=False', *options])
    runpy.run_path(str(REPO / 'tools' / 'test.py'), run_name='__main__')
    return show_dir


def seg_sample_options(root):
    """The shared Cityscapes sample set (complete, so the tool leaves it as it is)."""
    return f'sample_data.root={root}', f'test_dataloader.dataset.data_root={root}'


def test_pose_show_dir_writes_each_image_with_its_persons(monkeypatch, tmp_path, pose_checkpoint):
    # A sample set of this test's own: the tool would regenerate a set of other sizes in place.
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    cfg.dump(tmp_path / 'run.py')
    root = cfg.sample_data.root
    show_dir = run_test_tool(monkeypatch, tmp_path, tmp_path / 'run.py', pose_checkpoint)
    # Top-down testing sees an image through its person boxes: one file per image with a box.
    with open(root + DET_FILE) as f:
        image_ids = {d['image_id'] for d in json.load(f) if d['category_id'] == 1}
    assert image_ids
    assert sorted(p.name for p in show_dir.iterdir()) == sorted(f'{i:012d}.png' for i in image_ids)
    for image_id in image_ids:
        drawn = cv2.imread(str(show_dir / f'{image_id:012d}.png'))
        original = cv2.imread(f'{root}val2017/{image_id:012d}.jpg')
        assert drawn.shape == original.shape
        assert (np.abs(drawn.astype(int) - original).max(axis=-1) > 60).sum() > 100  # boxes drawn


def test_show_dir_images_reach_the_configs_vis_backends(monkeypatch, tmp_path,
                                                       cityscapes_sample_root, seg_checkpoint):
    show_dir = run_test_tool(monkeypatch, tmp_path, SEG_SAMPLE_CONFIG, seg_checkpoint,
                             *seg_sample_options(cityscapes_sample_root))
    # The config's LocalVisBackend (work_dir/<run>/vis_data/vis_image/<name>_<step>.png) got the
    # same drawings as the --show-dir folder.
    local = sorted((tmp_path / 'work').glob('*/vis_data/vis_image/*.png'))
    assert [p.name for p in local] == [p.stem + '_0.png' for p in sorted(show_dir.iterdir())]
    for path in local:
        shown = cv2.imread(str(show_dir / path.name.replace('_0.png', '.png')))
        np.testing.assert_array_equal(cv2.imread(str(path)), shown)


def test_segmentation_show_dir_writes_one_image_per_val_image(monkeypatch, tmp_path,
                                                              cityscapes_sample_root,
                                                              seg_checkpoint):
    show_dir = run_test_tool(monkeypatch, tmp_path, SEG_SAMPLE_CONFIG, seg_checkpoint,
                             *seg_sample_options(cityscapes_sample_root))
    val_images = sorted(Path(cityscapes_sample_root, 'leftImg8bit', 'val').rglob('*.png'))
    assert len(val_images) == 2
    assert sorted(p.name for p in show_dir.iterdir()) == [p.name for p in val_images]
    for path in val_images:
        drawn, original = cv2.imread(str(show_dir / path.name)), cv2.imread(str(path))
        assert drawn.shape == original.shape and (drawn != original).any()
