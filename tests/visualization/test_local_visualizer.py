"""DenseLocalVisualizer: data samples drawn from the dataset metainfo, gt and prediction side by
side, written to a file."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement, InstanceData, PixelData

from micronet_dense.datasets.cityscapes import CityscapesDataset
from micronet_dense.datasets.coco_keypoint import CocoKeypointDataset
from micronet_dense.registry import VISUALIZERS

ROAD_BGR = (128, 64, 128)  # road is (128, 64, 128) in RGB and BGR alike


def build(meta, name):
    visualizer = VISUALIZERS.build(dict(type='DenseLocalVisualizer', name=name, kpt_thr=0.5))
    visualizer.dataset_meta = meta
    return visualizer


def test_segmentation_gt_and_prediction_side_by_side(tmp_path):
    visualizer = build(CityscapesDataset.METAINFO, 'vis_seg')
    image = np.full((40, 60, 3), 30, np.uint8)
    gt = torch.zeros((1, 40, 60), dtype=torch.long)
    pred = torch.full((1, 40, 60), 255, dtype=torch.long)
    sample = BaseDataElement(gt_sem_seg=PixelData(data=gt), pred_sem_seg=PixelData(data=pred))
    out_file = tmp_path / 'seg.png'
    visualizer.add_datasample('seg', image, sample, draw_gt=True, draw_pred=True,
                              out_file=str(out_file))
    drawn = cv2.imread(str(out_file))
    assert drawn.shape == (40, 120, 3)
    np.testing.assert_array_equal(drawn[35, 50], np.round(0.5 * 30 + 0.5 * np.array(ROAD_BGR)))
    np.testing.assert_array_equal(drawn[:, 60:], image)  # all-ignore prediction: untouched


def test_multi_task_prediction_draws_the_overlay_and_the_depth_map_side_by_side():
    visualizer = build(CityscapesDataset.METAINFO, 'vis_multitask')
    image = np.full((40, 60, 3), 30, np.uint8)
    depth = torch.full((1, 40, 60), 80.0)
    depth[:, :, :10] = 0
    labels = torch.zeros((1, 40, 60), dtype=torch.long)
    sample = BaseDataElement(pred_sem_seg=PixelData(data=labels),
                             pred_depth_map=PixelData(data=depth))
    drawn = visualizer.draw_datasample(image, sample)
    assert drawn.shape == (40, 60 + 60 + 48, 3)  # overlay | depth | scale bar
    np.testing.assert_array_equal(drawn[35, 50], np.round(0.5 * 30 + 0.5 * np.array(ROAD_BGR)))
    np.testing.assert_array_equal(drawn[5, 60 + 5], [0, 0, 0])  # no depth: black
    np.testing.assert_array_equal(drawn[5, 60 + 30], [3, 4, 122])  # 80 m = max_depth: turbo red


def test_pose_prediction_uses_the_coco_skeleton():
    visualizer = build(CocoKeypointDataset.METAINFO, 'vis_pose')
    keypoints = np.zeros((1, 17, 2))
    keypoints[0, 15], keypoints[0, 13] = (10, 50), (50, 50)  # left ankle - left knee: a link
    scores = np.zeros((1, 17))
    scores[0, [13, 15]] = 1.0
    sample = BaseDataElement(pred_instances=InstanceData(keypoints=keypoints,
                                                         keypoint_scores=scores))
    drawn = visualizer.draw_datasample(np.zeros((80, 80, 3), np.uint8), sample)
    assert tuple(drawn[50, 10]) == tuple(drawn[50, 50]) == (0, 255, 0)
    assert drawn[50, 30, 1] > 200  # on the link
    assert not drawn[0:5, 0:5].any()  # keypoints scored 0 at (0, 0) are not drawn
    with pytest.raises(ValueError, match='none of the fields'):
        visualizer.draw_datasample(np.zeros((8, 8, 3), np.uint8), BaseDataElement())
