"""Top-down heatmap pose estimator (SimpleBaseline / HRNet recipe) on mmengine's BaseModel."""
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement, InstanceData

from micronet_dense.codecs.msra_heatmap import flip_heatmaps
from micronet_dense.models.init_summary import InitSummaryMixin
from micronet_dense.registry import KEYPOINT_CODECS, MODELS


@MODELS.register_module()
class TopdownPoseEstimator(InitSummaryMixin, BaseModel):
    """Person crop → backbone → heatmap head → keypoints.

    ``forward(inputs, data_samples, mode)``, inputs (B, 3, H, W):
      * ``'tensor'``: heatmaps (B, K, h, w);
      * ``'loss'``: ``{'loss_kpt': MSE}`` against ``data_sample.heatmaps`` weighted by
        ``data_sample.keypoint_weights``;
      * ``'predict'``: each data sample gets ``pred_instances`` (``keypoints`` (1, K, 2) in image
        pixels, ``keypoint_scores`` (1, K)) and the metainfo ``area`` (the crop's area in image
        pixels², for OKS-NMS).

    Args:
        backbone, head, loss: configs.
        codec: the heatmap codec that decodes (``MSRAHeatmap``).
        test_cfg: ``flip_test`` (average with the flipped crop's heatmaps), ``shift_heatmap``.
    """

    def __init__(self, backbone: dict, head: dict, codec: dict,
                 loss: dict = dict(type='KeypointMSELoss'), test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        self.loss_module = MODELS.build(loss)
        self.codec = KEYPOINT_CODECS.build(codec)
        self.test_cfg = {**dict(flip_test=True, shift_heatmap=True), **(test_cfg or {})}

    def _heatmaps(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(inputs))

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        if mode == 'tensor':
            return self._heatmaps(inputs)
        if mode == 'loss':
            pred = self._heatmaps(inputs)
            target = torch.stack([s.heatmaps for s in data_samples]).to(pred)
            weights = torch.stack([s.keypoint_weights.reshape(-1) for s in data_samples]).to(pred)
            return {'loss_kpt': self.loss_module(pred, target, weights)}
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'mode must be "tensor", "loss" or "predict", got {mode!r}')

    def predict(self, inputs: torch.Tensor, data_samples: List[BaseDataElement]) -> list:
        heatmaps = self._heatmaps(inputs)
        if self.test_cfg['flip_test']:
            flipped = self._heatmaps(inputs.flip(-1))
            flip_indices = data_samples[0].metainfo['flip_indices']
            heatmaps = 0.5 * (heatmaps + flip_heatmaps(flipped, flip_indices,
                                                       self.test_cfg['shift_heatmap']))
        heatmaps = heatmaps.detach().cpu().numpy()
        for sample, heatmap in zip(data_samples, heatmaps):
            keypoints, scores = self.codec.decode(heatmap)
            meta = sample.metainfo
            scale = np.asarray(meta['input_scale'], dtype=np.float32)
            center = np.asarray(meta['input_center'], dtype=np.float32)
            size = np.asarray(meta['input_size'], dtype=np.float32)
            keypoints = keypoints / size * scale + center - 0.5 * scale
            sample.pred_instances = InstanceData(keypoints=keypoints, keypoint_scores=scores)
            sample.set_metainfo(dict(area=float(np.prod(scale))))
        return data_samples
