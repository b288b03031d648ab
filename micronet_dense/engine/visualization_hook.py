"""Test-time hook drawing each test image's predictions through the runner's visualizer
(``tools/test.py --show-dir``)."""
import os.path as osp
from collections import defaultdict
from typing import Optional, Sequence

import numpy as np
from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement, InstanceData
from tqdm import tqdm

from micronet_dense.datasets.transforms import LoadImage
from micronet_dense.registry import HOOKS
from micronet_dense.visualization import DenseLocalVisualizer


@HOOKS.register_module()
class PredictionVisualizationHook(Hook):
    """Draws the test predictions on their images with the runner's visualizer (a
    :class:`DenseLocalVisualizer`), which hands each drawing, named after its image, to all
    its vis backends (``LocalVisBackend``, TensorBoard, the ``--show-dir`` folder...).

    Segmentation samples are drawn as they come. A top-down pose sample is one person box, so
    the poses are gathered per image and each image is drawn once, with all its persons, at
    the end of the test (all boxes the test saw are drawn: OKS-NMS belongs to the metric).
    Top-down testing only sees images through their person boxes, so an image without any
    box is not drawn. In distributed testing the poses are gathered and the main process draws
    them; each process draws its own segmentation samples. Names, colours and skeleton are the
    loaded checkpoint's ``dataset_meta`` (what the model was trained on), else the test set's.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._visualizer: Optional[DenseLocalVisualizer] = None
        self._poses = defaultdict(list)
        self._drawn = 0
        self._checkpoint_dataset_meta = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._checkpoint_dataset_meta = (checkpoint.get('meta') or {}).get('dataset_meta')

    def before_test(self, runner) -> None:
        if not isinstance(runner.visualizer, DenseLocalVisualizer):
            raise TypeError('PredictionVisualizationHook draws with the config\'s visualizer, '
                            "which must be dict(type='DenseLocalVisualizer', ...); it is "
                            f'{type(runner.visualizer).__name__}')
        self._visualizer = runner.visualizer
        self._visualizer.dataset_meta = (self._checkpoint_dataset_meta
                                         or runner.test_dataloader.dataset.metainfo)
        self._poses.clear()
        self._drawn = 0

    def _draw(self, img_path: str, data_sample: BaseDataElement) -> None:
        image = LoadImage()(dict(img_path=img_path))['img']
        name = osp.splitext(osp.basename(img_path))[0]
        self._visualizer.add_datasample(name, image, data_sample)
        self._drawn += 1

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[BaseDataElement]] = None) -> None:
        for sample in outputs or ():
            if 'pred_sem_seg' in sample:
                self._draw(sample.img_path, BaseDataElement(pred_sem_seg=sample.pred_sem_seg))
            else:
                pred = sample.pred_instances
                self._poses[sample.img_path].append(
                    (pred.keypoints[0], pred.keypoint_scores[0], sample.bbox))

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        # One image's boxes may be spread over the processes of a distributed test.
        poses_of_ranks = all_gather_object(dict(self._poses))
        gathered = defaultdict(list)
        for poses_of_rank in poses_of_ranks if is_main_process() else ():
            for img_path, poses in poses_of_rank.items():
                gathered[img_path] += poses
        for img_path, poses in tqdm(sorted(gathered.items()), desc='show-dir', unit='img',
                                    disable=not gathered):
            keypoints, scores, bboxes = (np.stack(field) for field in zip(*poses))
            instances = InstanceData(keypoints=keypoints, keypoint_scores=scores, bboxes=bboxes)
            self._draw(img_path, BaseDataElement(pred_instances=instances))
        self._poses.clear()
        print_log(f"drew {self._drawn} test image(s) for the visualizer's backends",
                  logger='current')
