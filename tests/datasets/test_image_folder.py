"""ImageFolder dataset, the ImageNet transforms and top-k accuracy."""
import cv2
import numpy as np
import pytest

from micronet_dense.datasets import ImageFolderDataset
from micronet_dense.evaluation.metrics import Accuracy
from micronet_dense.registry import TRANSFORMS


@pytest.fixture()
def folder(tmp_path):
    for cls, n in (('b_cat', 2), ('a_dog', 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            cv2.imwrite(str(tmp_path / cls / f'{i}.png'), np.full((40, 60, 3), i * 50, np.uint8))
    (tmp_path / 'a_dog' / 'notes.txt').write_text('not an image')
    return tmp_path


def test_image_folder_lists_classes_and_runs_the_val_pipeline(folder):
    pipeline = [dict(type='LoadImage'), dict(type='ResizeShortEdge', size=32),
                dict(type='CenterCrop', crop_size=24), dict(type='PackClsInputs')]
    ds = ImageFolderDataset(data_root=str(folder), pipeline=pipeline)
    assert ds.metainfo['classes'] == ('a_dog', 'b_cat')
    assert [d['gt_label'] for d in (ds.get_data_info(i) for i in range(len(ds)))] == [0, 0, 0, 1, 1]
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 24, 24)
    assert int(sample['data_samples'].gt_label) == 0


def test_random_resized_crop_output_size(folder):
    pipeline = [dict(type='LoadImage'), dict(type='RandomResizedCrop', size=16),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'), dict(type='PackClsInputs')]
    sample = ImageFolderDataset(data_root=str(folder), pipeline=pipeline)[3]
    assert tuple(sample['inputs'].shape) == (3, 16, 16)


def test_empty_folder_error_names_it(tmp_path):
    with pytest.raises(ValueError, match=str(tmp_path)):
        ImageFolderDataset(data_root=str(tmp_path))


def test_topk_accuracy_by_hand():
    metric = Accuracy(topk=(1, 2))
    scores = [[0.1, 0.7, 0.2], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
    labels = [1, 2, 0, 1]  # top-1 hits: 1 of 4; top-2 hits: samples 0, 1, 3
    metric.process(None, [dict(pred_score=np.array(s), gt_label=l) for s, l in zip(scores, labels)])
    assert metric.compute_metrics(metric.results) == {'top1': 25.0, 'top2': 75.0}


def test_random_resized_crop_falls_back_to_torchvisions_central_crop():
    # No 0.99-1.0 area crop of a 10x100 image has an aspect ratio in [3/4, 4/3], so every try
    # fails and torchvision's fallback takes the central 10 x round(10 * 4/3) = 10x13 window,
    # columns 43..55 (value = column index); its bilinear 16x16 resize keeps them in that range.
    img = np.repeat(np.repeat(np.arange(100, dtype=np.uint8)[None, :, None], 10, 0), 3, 2)
    crop = TRANSFORMS.build(dict(type='RandomResizedCrop', size=16, scale=(0.99, 1.0)))
    for seed in range(3):
        np.random.seed(seed)
        out = crop(dict(img=img.copy()))['img']
        assert out.shape == (16, 16, 3)
        assert out.min() == 43 and out.max() == 55
