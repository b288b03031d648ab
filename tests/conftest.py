"""Every test runs with micronet_dense's modules registered and its default scope set, as the
tools do. Session fixtures: tiny generated sample sets and random-weight sample checkpoints;
log_lines captures what a test logs."""
import logging

import pytest
import torch
from mmengine.logging import MMLogger

from micronet_dense.apis import init_model
from micronet_dense.registry import register_all_modules

register_all_modules()

POSE_SAMPLE_CONFIG = 'configs/pose/micronet_m0_coco_sample.py'
SEG_SAMPLE_CONFIG = 'configs/seg/micronet_m0_cityscapes_sample.py'
MULTITASK_CONFIG = 'configs/multitask/micronet_m0_cityscapes_seg_depth.py'
DEPTH_CONFIG = 'configs/depth/micronet_m0_cityscapes_depth.py'


@pytest.fixture(scope='session')
def coco_sample_root(tmp_path_factory) -> str:
    """A tiny synthetic COCO keypoint set (4 train, 3 val images of 320x240); root ends with /."""
    from micronet_dense.datasets.samples.coco_keypoints import make_coco_sample
    root = str(tmp_path_factory.mktemp('coco_sample')) + '/'
    make_coco_sample(root, num_train_images=4, num_val_images=3, seed=0, progress=False)
    return root


@pytest.fixture(scope='session')
def cityscapes_sample_root(tmp_path_factory) -> str:
    """A tiny synthetic Cityscapes set (1 train, 2 val images of 256x512) with train-id maps."""
    from micronet_dense.datasets.cityscapes_conversion import convert_cityscapes
    from micronet_dense.datasets.samples.cityscapes import make_cityscapes_sample
    root = str(tmp_path_factory.mktemp('cityscapes_sample')) + '/'
    make_cityscapes_sample(root, num_train=1, num_val=2, progress=False)
    convert_cityscapes(root, progress=False)
    return root


@pytest.fixture
def log_lines():
    """The messages logged through mmengine's current logger during the test."""
    logger = MMLogger.get_current_instance()
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def random_checkpoint(config: str, path) -> str:
    torch.manual_seed(0)
    torch.save({'state_dict': init_model(config).state_dict()}, str(path))
    return str(path)


@pytest.fixture(scope='session')
def pose_checkpoint(tmp_path_factory) -> str:
    """Randomly initialised weights of the m0 sample pose model, saved as a checkpoint."""
    return random_checkpoint(POSE_SAMPLE_CONFIG, tmp_path_factory.mktemp('ckpt') / 'pose.pth')


@pytest.fixture(scope='session')
def seg_checkpoint(tmp_path_factory) -> str:
    """Randomly initialised weights of the m0 sample segmentation model, saved as a checkpoint."""
    return random_checkpoint(SEG_SAMPLE_CONFIG, tmp_path_factory.mktemp('ckpt') / 'seg.pth')


@pytest.fixture(scope='session')
def multitask_checkpoint(tmp_path_factory) -> str:
    """Randomly initialised weights of the m0 segmentation + depth model, saved as a checkpoint."""
    return random_checkpoint(MULTITASK_CONFIG, tmp_path_factory.mktemp('ckpt') / 'multitask.pth')
