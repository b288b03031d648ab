"""inference_topdown / inference_segmentor against the test data path of tools/test.py (the
config's dataset, pipeline and ``test_step``), on tiny generated sample sets."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from micronet_dense.apis import inference_segmentor, inference_topdown, init_model
from micronet_dense.datasets.transforms import LoadImage
from micronet_dense.registry import DATASETS
from tests.conftest import POSE_SAMPLE_CONFIG, SEG_SAMPLE_CONFIG

NUM_TRAIN_IDS = 19
DET_FILE = 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'


def val_dataset(config: str, root: str, **overrides):
    cfg = Config.fromfile(config)
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.update(data_root=root, **overrides)
    return DATASETS.build(dataset_cfg)


@pytest.fixture(scope='module')
def pose_model(pose_checkpoint):
    return init_model(POSE_SAMPLE_CONFIG, pose_checkpoint)


@pytest.fixture(scope='module')
def seg_model(seg_checkpoint):
    return init_model(SEG_SAMPLE_CONFIG, seg_checkpoint)


def test_topdown_matches_the_test_pipeline_per_box(pose_model, coco_sample_root):
    dataset = val_dataset(POSE_SAMPLE_CONFIG, coco_sample_root,
                          bbox_file=coco_sample_root + DET_FILE)
    img_path = dataset.get_data_info(0)['img_path']
    indices = [i for i in range(len(dataset)) if dataset.get_data_info(i)['img_path'] == img_path]
    expected = [pose_model.test_step(pseudo_collate([dataset[i]]))[0].pred_instances
                for i in indices]
    boxes = np.concatenate([dataset.get_data_info(i)['bbox'] for i in indices])

    result = inference_topdown(pose_model, img_path, boxes)

    assert result.keypoints.shape == (len(indices), 17, 2)
    assert result.keypoint_scores.shape == (len(indices), 17)
    np.testing.assert_allclose(result.keypoints, np.concatenate([e.keypoints for e in expected]),
                               atol=1e-4)
    np.testing.assert_allclose(result.keypoint_scores,
                               np.concatenate([e.keypoint_scores for e in expected]), rtol=1e-5)
    np.testing.assert_array_equal(result.bboxes, boxes)


def test_topdown_keypoints_lie_in_the_padded_box_inside_the_image(pose_model, coco_sample_root):
    path = osp.join(coco_sample_root, 'val2017', '000000000005.jpg')
    image = LoadImage()(dict(img_path=path))['img']
    h, w = image.shape[:2]
    box = np.array([[100., 60., 220., 180.]])
    # By hand: 120x120 box x 1.25 padding = 150 wide, widened to the 96:128 input -> 200 high,
    # centred on (160, 120): x in [85, 235], y in [20, 220], inside the 320x240 image.
    result = inference_topdown(pose_model, image, box)
    x, y = result.keypoints[..., 0], result.keypoints[..., 1]
    assert (x >= 85 - 1e-3).all() and (x <= 235 + 1e-3).all()
    assert (y >= 20 - 1e-3).all() and (y <= 220 + 1e-3).all()
    assert (x >= 0).all() and (x < w).all() and (y >= 0).all() and (y < h).all()
    assert np.isfinite(result.keypoint_scores).all()  # heatmap maxima; an untrained head's may be < 0


def test_topdown_without_boxes_uses_the_whole_image(pose_model):
    image = np.random.default_rng(0).integers(0, 256, (90, 70, 3), dtype=np.uint8)
    result = inference_topdown(pose_model, image)
    np.testing.assert_array_equal(result.bboxes, [[0, 0, 70, 90]])
    assert result.keypoints.shape == (1, 17, 2) and result.keypoint_scores.shape == (1, 17)
    empty = inference_topdown(pose_model, image, np.zeros((0, 4)))
    assert empty.keypoints.shape == (0, 17, 2) and empty.keypoint_scores.shape == (0, 17)


def test_topdown_rejects_bad_boxes_and_images(pose_model):
    image = np.zeros((50, 50, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        inference_topdown(pose_model, image, np.zeros((2, 5)))
    with pytest.raises(ValueError, match='x2 > x1'):
        inference_topdown(pose_model, image, np.array([[10., 10., 5., 20.]]))
    with pytest.raises(ValueError, match='uint8'):
        inference_topdown(pose_model, image.astype(np.float32))
    with pytest.raises(ValueError, match=r'image array is empty \(0x0 pixels\)'):
        inference_topdown(pose_model, np.zeros((0, 0, 3), dtype=np.uint8))
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        inference_topdown(pose_model, 'missing.jpg')


def test_segmentor_matches_the_test_pipeline(seg_model, cityscapes_sample_root):
    dataset = val_dataset(SEG_SAMPLE_CONFIG, cityscapes_sample_root)
    sample = dataset[0]
    expected = seg_model.test_step(pseudo_collate([sample]))[0].pred_sem_seg.data[0].numpy()
    label_map = inference_segmentor(seg_model, sample['data_samples'].img_path)
    assert label_map.shape == expected.shape == (256, 512)
    np.testing.assert_array_equal(label_map, expected)


def test_segmentor_returns_train_ids_at_the_image_size(seg_model, cityscapes_sample_root):
    path = val_dataset(SEG_SAMPLE_CONFIG, cityscapes_sample_root).get_data_info(0)['img_path']
    image = LoadImage()(dict(img_path=path))['img'][:203, :301]  # not a multiple of the stride
    label_map = inference_segmentor(seg_model, image)
    assert label_map.shape == (203, 301)
    assert set(np.unique(label_map)) <= set(range(NUM_TRAIN_IDS))
