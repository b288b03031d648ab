"""tools/train.py stops on a bad config with the config path in one error line, no traceback."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]


def test_train_with_misspelt_key_stops_naming_it(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / 'tools/train.py'),
         str(REPO / 'configs/pose/micronet_m0_coco_sample.py'), '--work-dir', str(tmp_path / 'w'),
         '--cfg-options', 'trian_cfg.max_epochs=1', 'model.head.foo=1'],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "trian_cfg: unknown top-level key" in result.stderr
    assert "model.head: MicroNetPoseHead has no argument 'foo'" in result.stderr
    assert 'Traceback' not in result.stderr
    # Stopped before the sample set would be generated or a run started.
    assert not (tmp_path / 'data').exists() and not (tmp_path / 'w').exists()
