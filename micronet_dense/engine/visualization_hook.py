"""Test-time hook writing one annotated image per test image (``tools/test.py --show-dir``)."""
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
    """Draws the test predictions on their images and writes ``out_dir/<image name>.png``.

    Segmentation samples are written as they come. A top-down pose sample is one person box, so
    the poses are gathered per image and each image is written once, with all its persons, at
    the end of the test (all boxes the test saw are drawn: OKS-NMS belongs to the metric).
    Top-down testing only sees images through their person boxes, so an image without any
    box gets no file. In distributed testing the poses are gathered and the main process writes
    them; each process writes its own segmentation samples. Names, colours and skeleton are the
    loaded checkpoint's ``dataset_meta`` (what the model was trained on), else the test set's.

    Args:
        out_dir: folder of the annotated images.
        kpt_thr: keypoints scored below it are not drawn.
        alpha: opacity of the segmentation overlay.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, kpt_thr: float = 0.3, alpha: float = 0.5) -> None:
        self.out_dir = out_dir
        self.kpt_thr, self.alpha = kpt_thr, alpha
        self._visualizer = None
        self._poses = defaultdict(list)
        self._written = 0
        self._checkpoint_dataset_meta = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._checkpoint_dataset_meta = (checkpoint.get('meta') or {}).get('dataset_meta')

    def before_test(self, runner) -> None:
        # Built directly, not through the global get_instance, which would hand a second test
        # run the first run's settings and replace the runner's current visualizer.
        self._visualizer = DenseLocalVisualizer(name='show_dir', kpt_thr=self.kpt_thr,
                                                alpha=self.alpha)
        self._visualizer.dataset_meta = (self._checkpoint_dataset_meta
                                         or runner.test_dataloader.dataset.metainfo)
        self._poses.clear()
        self._written = 0

    def _write(self, img_path: str, data_sample: BaseDataElement) -> None:
        image = LoadImage()(dict(img_path=img_path))['img']
        name = osp.splitext(osp.basename(img_path))[0] + '.png'
        self._visualizer.add_datasample(name, image, data_sample,
                                        out_file=osp.join(self.out_dir, name))
        self._written += 1

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[BaseDataElement]] = None) -> None:
        for sample in outputs or ():
            if 'pred_sem_seg' in sample:
                self._write(sample.img_path, BaseDataElement(pred_sem_seg=sample.pred_sem_seg))
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
            self._write(img_path, BaseDataElement(pred_instances=instances))
        self._poses.clear()
        print_log(f'wrote {self._written} annotated image(s) to {self.out_dir}', logger='current')
