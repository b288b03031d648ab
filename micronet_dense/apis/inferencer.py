"""One entry point for pose, segmentation and multi-task (segmentation + depth) inference on
images, folders and videos."""
import os
from pathlib import Path
from typing import Callable, Dict, Iterator, NamedTuple, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.deployment.compile import compile_model
from micronet_dense.models.estimators import (EncoderDecoder, MultiTaskEstimator,
                                              TopdownPoseEstimator)
from micronet_dense.visualization import DenseLocalVisualizer, draw_pose, draw_segmentation
from ._pipeline import ImageInput
from .frame_source import Frame, FrameSource
from .inference import init_model
from .multitask_inference import inference_multitask
from .pose_inference import PoseResult, inference_topdown
from .seg_inference import inference_segmentor

Result = Union[PoseResult, np.ndarray, Dict[str, np.ndarray]]
# Person boxes for every frame: one (N, 4) xyxy array, or a function of the frame.
BBoxes = Union[None, np.ndarray, Callable[[Frame], Optional[np.ndarray]]]


class FrameResult(NamedTuple):
    """What the inferencer yields per frame."""

    frame: Frame
    # PoseResult (pose), (H, W) uint8 class-id map (segmentation) or every task's prediction by
    # field (multitask: pred_sem_seg (H, W) uint8, pred_depth_map (H, W) float32 metres)
    result: Result
    drawn: Optional[np.ndarray]  # (H, W, 3) uint8 BGR when drawing was asked for


class MicroNetInferencer:
    """Builds a pose, segmentation or multi-task model from its config and checkpoint and runs it.

    ``inferencer(source, bboxes=None, draw=False)`` yields a :class:`FrameResult` per frame of an
    image path or array, a folder of images or a video (see :class:`FrameSource`).

    ``task`` is ``'pose'``, ``'segmentation'`` or ``'multitask'`` (a ``MultiTaskEstimator``, the
    single-task depth models included): its result holds every task's prediction, drawn side by
    side (segmentation overlay, then the depth map in colour with a scale bar in metres).

    Args:
        config: a pose (``TopdownPoseEstimator``), segmentation (``EncoderDecoder``) or
            multi-task (``MultiTaskEstimator``) config.
        checkpoint: weights to load; None keeps the random initialisation.
        device: torch device.
        kpt_thr: keypoints scored below it are not drawn.
        alpha: opacity of the drawn segmentation overlay.
        max_depth: depth in metres of the last colour of drawn depth maps (fixed, so that the
            colours of a video's frames compare).
        compile: run the fused model compiled by ``torch.compile``
            (:func:`~micronet_dense.deployment.compile_model`), compiled here for one input of the
            config's ``input_shape`` (``compile_seconds`` says how long it took); inputs of
            another size compile again at their first call.
    """

    def __init__(self, config: Union[str, Path, Config], checkpoint: Optional[str] = None,
                 device: str = 'cpu', kpt_thr: float = 0.3, alpha: float = 0.5,
                 max_depth: float = 80.0, compile: bool = False) -> None:
        self.model = init_model(config, checkpoint, device)
        if isinstance(self.model, TopdownPoseEstimator):
            self.task = 'pose'
        elif isinstance(self.model, EncoderDecoder):
            self.task = 'segmentation'
        elif isinstance(self.model, MultiTaskEstimator):
            self.task = 'multitask'
        else:
            raise TypeError(f'{config}: the inferencer runs TopdownPoseEstimator, EncoderDecoder '
                            f'and MultiTaskEstimator models, got {type(self.model).__name__}')
        self.dataset_meta = self.model.dataset_meta
        self.kpt_thr, self.alpha = kpt_thr, alpha
        # Draws every task's prediction field as the training and test visualisations do.
        self.visualizer = DenseLocalVisualizer(f'inferencer_{id(self)}', kpt_thr=kpt_thr,
                                               alpha=alpha, max_depth=max_depth)
        self.visualizer.dataset_meta = self.dataset_meta
        self.compile_seconds = None
        if compile:
            shape = (1, 3, *self.model.cfg.get('input_shape', (224, 224)))
            self.model, self.compile_seconds = compile_model(self.model, shape)

    def predict(self, image: ImageInput, bboxes: Optional[np.ndarray] = None) -> Result:
        """Pose of each person box (whole image if None), the class-id map, or every task's
        prediction by field."""
        if self.task == 'pose':
            return inference_topdown(self.model, image, bboxes)
        if bboxes is not None:
            raise ValueError(f'person boxes are for pose models; this is a {self.task} model')
        if self.task == 'multitask':
            return inference_multitask(self.model, image)
        return inference_segmentor(self.model, image)

    def draw(self, image: np.ndarray, result: Result) -> np.ndarray:
        """``result`` drawn on a copy of ``image`` (H, W, 3) BGR; a multi-task result gives its
        tasks' drawings side by side, (H, W', 3)."""
        if self.task == 'pose':
            return draw_pose(image, result.keypoints, result.keypoint_scores,
                             self.dataset_meta['skeleton'], self.kpt_thr, result.bboxes)
        if self.task == 'multitask':
            sample = BaseDataElement(**{field: PixelData(data=torch.from_numpy(
                data[None] if data.ndim == 2 else data)) for field, data in result.items()})
            return self.visualizer.draw_datasample(image, sample)
        return draw_segmentation(image, result, self.dataset_meta['classes'],
                                 self.dataset_meta['palette'], self.alpha)

    def __call__(self, source: Union[str, os.PathLike, np.ndarray, FrameSource],
                 bboxes: BBoxes = None, draw: bool = False) -> Iterator[FrameResult]:
        frames = source if isinstance(source, FrameSource) else FrameSource(source)
        for frame in frames:
            boxes = bboxes(frame) if callable(bboxes) else bboxes
            result = self.predict(frame.image, boxes)
            yield FrameResult(frame, result, self.draw(frame.image, result) if draw else None)
