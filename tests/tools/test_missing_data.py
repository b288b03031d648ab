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
