"""A config whose dataset is missing stops at once, saying where the data goes."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]


@pytest.mark.parametrize('config,expected', [
    ('configs/pose/micronet_m3_coco.py', ['data/coco', 'make_coco_sample.py', 'person_keypoints']),
    ('configs/seg/micronet_m3_cityscapes.py',
     ['data/cityscapes', 'tools/dataset_converters/cityscapes.py', 'make_cityscapes_sample.py']),
])
def test_train_without_data_stops_with_instructions(config, expected, tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools/train.py'), str(REPO / config), '--work-dir', str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr
    assert not list(tmp_path.glob('*.pth'))


@pytest.mark.parametrize('config, present, missing', [
    ('configs/multitask/micronet_m0_cityscapes_seg_depth.py', (), 'disparity/train'),
    ('configs/depth/micronet_m0_cityscapes_depth.py', ('disparity',), 'camera/train'),
])
def test_depth_without_disparity_or_camera_stops_before_the_model_with_one_error_line(
        config, present, missing, tmp_path):
    root = tmp_path / 'data' / 'cityscapes'
    for folder in ('leftImg8bit', 'gtFine', *present):
        for split in ('train', 'val'):
            (root / folder / split).mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools/train.py'), str(REPO / config), '--work-dir', 'work'],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]  # one line, no traceback
    message = result.stderr.strip()
    assert message.startswith(f'error: train_dataloader: data/cityscapes/{missing} does not exist')
    for text in ('disparity_trainvaltest.zip', 'camera_trainvaltest.zip',
                 'www.cityscapes-dataset.com', 'next to leftImg8bit/', 'data/cityscapes/'):
        assert text in message
    assert not (tmp_path / 'work').exists()  # stopped before the runner and its model
