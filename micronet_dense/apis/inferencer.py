"""One entry point for pose and segmentation inference on images, folders and videos."""
import os
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Optional, Union

import numpy as np
from mmengine.config import Config

from micronet_dense.deployment.compile import compile_model
from micronet_dense.models.estimators import EncoderDecoder, TopdownPoseEstimator
from micronet_dense.visualization import draw_pose, draw_segmentation
from ._pipeline import ImageInput
from .frame_source import Frame, FrameSource
from .inference import init_model
from .pose_inference import PoseResult, inference_topdown
from .seg_inference import inference_segmentor

Result = Union[PoseResult, np.ndarray]
# Person boxes for every frame: one (N, 4) xyxy array, or a function of the frame.
BBoxes = Union[None, np.ndarray, Callable[[Frame], Optional[np.ndarray]]]


class FrameResult(NamedTuple):
    """What the inferencer yields per frame."""

    frame: Frame
    result: Result  # PoseResult (pose) or (H, W) uint8 class-id map (segmentation)
    drawn: Optional[np.ndarray]  # (H, W, 3) uint8 BGR when drawing was asked for


class MicroNetInferencer:
    """Builds a pose or segmentation model from its config and checkpoint and runs it.

    ``inferencer(source, bboxes=None, draw=False)`` yields a :class:`FrameResult` per frame of an
    image path or array, a folder of images or a video (see :class:`FrameSource`).

    Args:
        config: a pose (``TopdownPoseEstimator``) or segmentation (``EncoderDecoder``) config.
        checkpoint: weights to load; None keeps the random initialisation.
        device: torch device.
        kpt_thr: keypoints scored below it are not drawn.
        alpha: opacity of the drawn segmentation overlay.
        compile: run the fused model compiled by ``torch.compile``
            (:func:`~micronet_dense.deployment.compile_model`), compiled here for one input of the
            config's ``input_shape`` (``compile_seconds`` says how long it took); inputs of
            another size compile again at their first call.
    """

    def __init__(self, config: Union[str, Path, Config], checkpoint: Optional[str] = None,
                 device: str = 'cpu', kpt_thr: float = 0.3, alpha: float = 0.5,
                 compile: bool = False) -> None:
        self.model = init_model(config, checkpoint, device)
        if isinstance(self.model, TopdownPoseEstimator):
            self.task = 'pose'
        elif isinstance(self.model, EncoderDecoder):
            self.task = 'segmentation'
        else:
            raise TypeError(f'{config}: the inferencer runs TopdownPoseEstimator and '
                            f'EncoderDecoder models, got {type(self.model).__name__}')
        self.dataset_meta = self.model.dataset_meta
        self.kpt_thr, self.alpha = kpt_thr, alpha
        self.compile_seconds = None
        if compile:
            shape = (1, 3, *self.model.cfg.get('input_shape', (224, 224)))
            self.model, self.compile_seconds = compile_model(self.model, shape)

    def predict(self, image: ImageInput, bboxes: Optional[np.ndarray] = None) -> Result:
        """Pose of each person box (whole image if None), or the class-id map."""
        if self.task == 'pose':
            return inference_topdown(self.model, image, bboxes)
        if bboxes is not None:
            raise ValueError('person boxes are for pose models; this is a segmentation model')
        return inference_segmentor(self.model, image)

    def draw(self, image: np.ndarray, result: Result) -> np.ndarray:
        """``result`` drawn on a copy of ``image`` (H, W, 3) BGR."""
        if self.task == 'pose':
            return draw_pose(image, result.keypoints, result.keypoint_scores,
                             self.dataset_meta['skeleton'], self.kpt_thr, result.bboxes)
        return draw_segmentation(image, result, self.dataset_meta['classes'],
                                 self.dataset_meta['palette'], self.alpha)

    def __call__(self, source: Union[str, os.PathLike, np.ndarray, FrameSource],
                 bboxes: BBoxes = None, draw: bool = False) -> Iterator[FrameResult]:
        frames = source if isinstance(source, FrameSource) else FrameSource(source)
        for frame in frames:
            boxes = bboxes(frame) if callable(bboxes) else bboxes
            result = self.predict(frame.image, boxes)
            yield FrameResult(frame, result, self.draw(frame.image, result) if draw else None)
