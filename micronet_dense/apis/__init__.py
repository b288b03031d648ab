"""High-level APIs: model building, pose and segmentation inference, the inferencer."""
from .detections import load_person_detections
from .frame_source import Frame, FrameSource
from .inference import init_model
from .inferencer import FrameResult, MicroNetInferencer
from .pose_inference import PoseResult, inference_topdown
from .seg_inference import inference_segmentor

__all__ = ['Frame', 'FrameResult', 'FrameSource', 'MicroNetInferencer', 'PoseResult',
           'inference_segmentor', 'inference_topdown', 'init_model', 'load_person_detections']
