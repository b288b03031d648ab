"""The segmentation sample's training pipeline gives the samples it gave when recorded.

``tests/data/seg_pipeline_digests.json`` holds SHA-256 digests of what the training pipeline of
``configs/seg/micronet_m0_cityscapes_sample.py`` packs (input image, label map, image and pad
shapes, scale factor, flip) for seeded samples of a small generated Cityscapes set, recorded with
the pipeline's own transforms before they were replaced by mmcv's ``RandomResize`` and
``RandomFlip``. Equal digests mean equal augmentations and equal random draws. Record anew, after
checking a change keeps the samples, with ``python -m tests.datasets.test_seg_pipeline_digests``.
"""
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
from mmengine.config import Config

from micronet_dense.datasets.augmentation_seeds import SeededIndex, augmentation_seed
from micronet_dense.datasets.cityscapes_conversion import convert_cityscapes
from micronet_dense.datasets.samples.cityscapes import make_cityscapes_sample
from micronet_dense.registry import DATASETS, register_all_modules

REPO = Path(__file__).resolve().parents[2]
DIGESTS_PATH = REPO / 'tests' / 'data' / 'seg_pipeline_digests.json'
SEG_SAMPLE_CONFIG = REPO / 'configs' / 'seg' / 'micronet_m0_cityscapes_sample.py'
EPOCHS, NUM_TRAIN = 4, 3


def _sha256(array) -> str:
    array = np.ascontiguousarray(np.asarray(array))
    return hashlib.sha256(f'{array.dtype} {array.shape} '.encode() + array.tobytes()).hexdigest()


def packed_sample_digests(root: str) -> list:
    """One entry per (epoch, index): digests of the packed input and labels, and the metainfo."""
    cfg = Config.fromfile(str(SEG_SAMPLE_CONFIG)).train_dataloader.dataset
    cfg.data_root = root
    dataset = DATASETS.build(cfg)
    digests = []
    for epoch in range(EPOCHS):
        for index in range(NUM_TRAIN):
            packed = dataset[SeededIndex(index, augmentation_seed(0, epoch, index))]
            sample = packed['data_samples']
            digests.append(dict(
                inputs=_sha256(packed['inputs'].numpy()),
                labels=_sha256(sample.gt_sem_seg.data.numpy()),
                **{key: np.asarray(sample.metainfo[key]).tolist()
                   for key in ('img_shape', 'pad_shape', 'scale_factor', 'flip')}))
    return digests


def generated_root(folder: str) -> str:
    root = folder + '/'
    make_cityscapes_sample(root, num_train=NUM_TRAIN, num_val=1, seed=3, progress=False)
    convert_cityscapes(root, progress=False)
    return root


def test_training_pipeline_reproduces_recorded_samples(tmp_path):
    with open(DIGESTS_PATH, encoding='utf-8') as f:
        recorded = json.load(f)
    digests = packed_sample_digests(generated_root(str(tmp_path)))
    assert digests == recorded
    assert len({d['inputs'] for d in digests}) == len(digests)  # every draw differs


if __name__ == '__main__':
    register_all_modules()
    with tempfile.TemporaryDirectory() as out_dir:
        result = packed_sample_digests(generated_root(out_dir))
    with open(DIGESTS_PATH, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
