"""Sample sets prepared on first use: a Cityscapes sample made before it had depth files is
completed, with its images, labels and train-id maps unchanged."""
import shutil
from pathlib import Path

from mmengine.config import Config

from micronet_dense.datasets.prepare import ensure_dataset


def test_cityscapes_sample_without_depth_files_is_completed(tmp_path):
    root = tmp_path / 'cityscapes_sample'
    cfg = Config(dict(sample_data=dict(type='cityscapes', root=str(root) + '/', num_train=1,
                                       num_val=1, progress=False)))
    ensure_dataset(cfg)
    before = {path: path.read_bytes() for path in root.rglob('*') if path.is_file()}
    assert any('_disparity.png' in path.name for path in before)
    shutil.rmtree(root / 'disparity')
    shutil.rmtree(root / 'camera')
    ensure_dataset(cfg)
    after = {path: path.read_bytes() for path in Path(root).rglob('*') if path.is_file()}
    assert after == before
