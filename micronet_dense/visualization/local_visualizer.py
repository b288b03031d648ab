"""mmengine ``Visualizer`` for micronet_dense data samples (top-down pose, segmentation, depth)."""
from typing import Optional

import numpy as np
from mmengine.structures import BaseDataElement
from mmengine.visualization import Visualizer

from micronet_dense.registry import VISUALIZERS
from micronet_dense.utils.atomic_io import write_image_atomic
from .depth import draw_depth
from .pose import draw_pose
from .segmentation import draw_segmentation


@VISUALIZERS.register_module()
class DenseLocalVisualizer(Visualizer):
    """Draws a data sample's ground truth and/or prediction on its image.

    A pose sample holds ``pred_instances`` (``keypoints`` (N, K, 2), ``keypoint_scores`` (N, K),
    optional ``bboxes`` (N, 4)) and/or ``gt_instances`` (``keypoints``, ``keypoints_visible``);
    a segmentation sample holds ``pred_sem_seg`` and/or ``gt_sem_seg`` (PixelData (1, H, W));
    a depth sample ``pred_depth_map`` and/or ``gt_depth_map`` (PixelData (1, H, W) metres), drawn
    in colour with a scale bar (a multi-task sample gets its overlay and depth side by side).
    ``dataset_meta`` supplies ``skeleton`` (pose) or ``classes`` and ``palette`` (segmentation).
    With both ground truth and prediction drawn the two images are put side by side (gt left),
    as mmseg does.

    Args:
        kpt_thr: keypoints scored below it are not drawn.
        alpha: opacity of the segmentation overlay.
        max_depth: depth in metres of the last colour of depth maps.
        **kwargs: ``mmengine.visualization.Visualizer`` arguments (``name``, ``vis_backends``...).
    """

    def __init__(self, name: str = 'visualizer', kpt_thr: float = 0.3, alpha: float = 0.5,
                 max_depth: float = 80.0, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.kpt_thr, self.alpha, self.max_depth = kpt_thr, alpha, max_depth

    def _draw(self, image: np.ndarray, sample: BaseDataElement, field: str) -> Optional[np.ndarray]:
        meta = self.dataset_meta or {}
        if field in ('gt_sem_seg', 'pred_sem_seg'):
            return draw_segmentation(image, sample.get(field).data.reshape(image.shape[:2]).numpy(),
                                     meta['classes'], meta['palette'], self.alpha)
        if field in ('gt_depth_map', 'pred_depth_map'):
            return draw_depth(sample.get(field).data.reshape(image.shape[:2]).numpy(),
                              self.max_depth)
        instances = sample.get(field)
        scores = (instances.keypoint_scores if field == 'pred_instances'
                  else instances.keypoints_visible)
        return draw_pose(image, instances.keypoints, scores, meta['skeleton'], self.kpt_thr,
                         instances.get('bboxes'))

    def draw_datasample(self, image: np.ndarray, data_sample: BaseDataElement,
                        draw_gt: bool = False, draw_pred: bool = True) -> np.ndarray:
        """The annotated (H, W', 3) BGR image: the drawings of the wanted fields side by side."""
        wanted = [field for field, on in (('gt_sem_seg', draw_gt), ('gt_depth_map', draw_gt),
                                          ('gt_instances', draw_gt), ('pred_sem_seg', draw_pred),
                                          ('pred_depth_map', draw_pred),
                                          ('pred_instances', draw_pred)) if on]
        drawn = [self._draw(image, data_sample, f) for f in wanted if f in data_sample]
        if not drawn:
            raise ValueError(f'the data sample has none of the fields {wanted} to draw; it has '
                             f'{list(data_sample.keys())}')
        return np.concatenate(drawn, axis=1)

    def add_datasample(self, name: str, image: np.ndarray, data_sample: BaseDataElement,
                       draw_gt: bool = False, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None,
                       step: int = 0) -> None:
        """Draw, then write ``out_file`` (atomically), show, or pass to the vis backends."""
        drawn = self.draw_datasample(image, data_sample, draw_gt, draw_pred)
        if show:
            self.show(drawn[..., ::-1], win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_image_atomic(out_file, drawn)
        else:
            self.add_image(name, drawn[..., ::-1], step)
