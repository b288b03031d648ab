"""Semantic segmentation encoder–decoder (mmseg's EncoderDecoder contract) on mmengine's BaseModel."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.models.init_summary import InitSummaryMixin
from micronet_dense.registry import MODELS


@MODELS.register_module()
class EncoderDecoder(InitSummaryMixin, BaseModel):
    """Backbone → decode head → per-pixel class logits.

    ``forward(inputs, data_samples, mode)``, inputs (B, 3, H, W):
      * ``'tensor'``: logits (B, num_classes, H, W), bilinearly resized to the input;
      * ``'loss'``: ``{'loss_ce': cross-entropy}`` against ``gt_sem_seg`` (ignore_index ignored),
        logits resized to the label size;
      * ``'predict'``: each data sample gets ``pred_sem_seg`` (PixelData (1, H0, W0) long) at its
        ``ori_shape``, from logits of the unpadded ``img_shape`` region resized before the argmax.

    Args:
        test_cfg: ``mode='whole'`` or ``mode='slide'`` with ``crop_size`` (h, w) and ``stride`` (h, w).
    """

    def __init__(self, backbone: dict, decode_head: dict, ignore_index: int = 255,
                 test_cfg: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        self.ignore_index = ignore_index
        self.test_cfg = {'mode': 'whole', **(test_cfg or {})}
        if self.test_cfg['mode'] not in ('whole', 'slide'):
            raise ValueError(f"test_cfg.mode must be 'whole' or 'slide', got {self.test_cfg['mode']!r}")

    def _logits(self, inputs: torch.Tensor) -> torch.Tensor:
        logits = self.decode_head(self.backbone(inputs))
        return F.interpolate(logits, size=inputs.shape[-2:], mode='bilinear', align_corners=False)

    def _slide_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        (ch, cw), (sh, sw) = self.test_cfg['crop_size'], self.test_cfg['stride']
        b, _, h, w = inputs.shape
        rows = max(h - ch + sh - 1, 0) // sh + 1
        cols = max(w - cw + sw - 1, 0) // sw + 1
        total, count = None, inputs.new_zeros((b, 1, h, w))
        for r in range(rows):
            for c in range(cols):
                y1, x1 = min(r * sh, max(h - ch, 0)), min(c * sw, max(w - cw, 0))
                y2, x2 = min(y1 + ch, h), min(x1 + cw, w)
                crop = self._logits(inputs[:, :, y1:y2, x1:x2])
                if total is None:
                    total = inputs.new_zeros((b, crop.shape[1], h, w))
                total[:, :, y1:y2, x1:x2] += crop
                count[:, :, y1:y2, x1:x2] += 1
        return total / count

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        if mode == 'tensor':
            return self._logits(inputs)
        if mode == 'loss':
            labels = torch.stack([s.gt_sem_seg.data for s in data_samples]).squeeze(1).long()
            logits = self.decode_head(self.backbone(inputs))
            logits = F.interpolate(logits, size=labels.shape[-2:], mode='bilinear', align_corners=False)
            return {'loss_ce': F.cross_entropy(logits, labels.to(logits.device),
                                               ignore_index=self.ignore_index)}
        if mode == 'predict':
            logits = (self._slide_logits(inputs) if self.test_cfg['mode'] == 'slide'
                      else self._logits(inputs))
            for sample, logit in zip(data_samples, logits):
                h, w = sample.metainfo.get('img_shape', logit.shape[-2:])[:2]
                oh, ow = sample.metainfo.get('ori_shape', (h, w))[:2]
                logit = F.interpolate(logit[None, :, :h, :w], size=(oh, ow), mode='bilinear',
                                      align_corners=False)
                sample.pred_sem_seg = PixelData(data=logit.argmax(dim=1).cpu())
            return data_samples
        raise ValueError(f'mode must be "tensor", "loss" or "predict", got {mode!r}')
