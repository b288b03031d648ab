"""Image classifier (backbone + head) on mmengine's BaseModel, for ImageNet pretraining."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from micronet_dense.models.init_summary import InitSummaryMixin
from micronet_dense.registry import MODELS


@MODELS.register_module()
class ImageClassifier(InitSummaryMixin, BaseModel):
    """Backbone → classification head.

    ``forward(inputs, data_samples, mode)``:
      * ``'tensor'``: logits (B, num_classes);
      * ``'loss'``: ``{'loss': cross-entropy}`` against ``data_sample.gt_label``;
      * ``'predict'``: the data samples with ``pred_score`` (num_classes,) and ``pred_label`` added.
    """

    def __init__(self, backbone: dict, head: dict, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        logits = self.head(self.backbone(inputs)[-1])
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            labels = torch.stack([torch.as_tensor(s.gt_label).reshape(()) for s in data_samples])
            return {'loss': F.cross_entropy(logits, labels.to(logits.device))}
        if mode == 'predict':
            scores = logits.softmax(dim=1)
            for sample, score in zip(data_samples, scores):
                sample.pred_score = score
                sample.pred_label = score.argmax()
            return data_samples
        raise ValueError(f'mode must be "tensor", "loss" or "predict", got {mode!r}')
