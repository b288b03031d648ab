"""The tasks of a multi-task dense model: each one a head, the backbone outputs it reads, its loss
and its decoding into a per-image prediction."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.registry import MODELS


class DenseTask(BaseModule):
    """A dense prediction task: head, loss and decoding; subclasses set the fields.

    Labels are read from the data sample field ``label_field`` (a PixelData (1, H, W)); an image
    without it, or whose pixels are all invalid, contributes nothing to the loss. Predictions
    go to ``pred_field``.

    Args:
        head: Config of the head, called on the backbone outputs selected by ``in_index``.
        in_index: Positions in the backbone's output tuple that the head reads.
    """

    label_field: str
    pred_field: str

    def __init__(self, head: dict, in_index: Sequence[int] = (0, 1), init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.head = MODELS.build(head)
        self.in_index = tuple(in_index)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """The head's output (B, C, h, w) at its own stride."""
        if max(self.in_index) >= len(feats):
            raise IndexError(f'{type(self).__name__}: in_index {self.in_index} but the backbone '
                             f'gives {len(feats)} outputs (check its out_indices)')
        return self.head(tuple(feats[i] for i in self.in_index))

    def missing_label(self, size: Tuple[int, int]) -> torch.Tensor:
        """The (1, H, W) label of an image without one: every pixel invalid."""
        raise NotImplementedError

    def valid_mask(self, target: torch.Tensor) -> torch.Tensor:
        """Pixels of ``target`` (B, 1, H, W) that carry a label."""
        raise NotImplementedError

    def compute_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of ``output`` (B, C, H, W) against ``target`` (B, 1, H, W), which has a valid
        pixel."""
        raise NotImplementedError

    def decode(self, output: torch.Tensor) -> PixelData:
        """One image's prediction from its output (C, H, W) at the original image size."""
        raise NotImplementedError

    def loss(self, output: torch.Tensor,
             data_samples: List[BaseDataElement]) -> Tuple[torch.Tensor, bool]:
        """The batch loss over the labelled pixels, and whether the batch had any.

        ``output`` is bilinearly resized to the label size. Without a labelled pixel the loss
        is a zero that still depends on ``output`` (distributed training needs every parameter
        in the graph).
        """
        labels = [sample.get(self.label_field) for sample in data_samples]
        present = [label.data for label in labels if label is not None]
        if not present:
            return output.sum() * 0.0, False
        size = tuple(present[0].shape[-2:])
        target = torch.stack([label.data if label is not None else self.missing_label(size)
                              for label in labels]).to(output.device)
        if not self.valid_mask(target).any():
            return output.sum() * 0.0, False
        output = F.interpolate(output, size=size, mode='bilinear', align_corners=False)
        return self.compute_loss(output, target), True


@MODELS.register_module()
class SemanticSegmentationTask(DenseTask):
    """Per-pixel classification: cross-entropy over the non-ignored pixels of the batch; the
    prediction is the arg-max class (``pred_sem_seg``, (1, H, W) long).

    Args:
        head: Config of a head giving class logits, e.g. ``MRASPPHead``.
        in_index: Backbone outputs the head reads.
        ignore_index: Label of unlabelled pixels.
    """

    label_field = 'gt_sem_seg'
    pred_field = 'pred_sem_seg'

    def __init__(self, head: dict, in_index: Sequence[int] = (0, 1), ignore_index: int = 255,
                 init_cfg=None) -> None:
        super().__init__(head, in_index, init_cfg)
        self.ignore_index = ignore_index

    def missing_label(self, size: Tuple[int, int]) -> torch.Tensor:
        return torch.full((1, *size), self.ignore_index, dtype=torch.long)

    def valid_mask(self, target: torch.Tensor) -> torch.Tensor:
        return target != self.ignore_index

    def compute_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target[:, 0].long()
        total = F.cross_entropy(output, target, ignore_index=self.ignore_index, reduction='sum')
        return total / (target != self.ignore_index).sum()

    def decode(self, output: torch.Tensor) -> PixelData:
        return PixelData(data=output.argmax(dim=0, keepdim=True).cpu())


@MODELS.register_module()
class DepthEstimationTask(DenseTask):
    """Monocular depth in metres: a regression loss over the pixels with a depth measurement
    (ground truth > 0) no farther than ``max_depth``; the prediction is the head's output
    (``pred_depth_map``, (1, H, W) float).

    Args:
        head: Config of a head giving positive depth (B, 1, h, w), e.g. ``DepthHead``.
        in_index: Backbone outputs the head reads.
        loss: Config of ``DepthL1Loss`` or ``ScaleInvariantLogLoss``.
        max_depth: Ground truth beyond this many metres is not supervised (as the evaluation's
            cap leaves it out; stereo depth of distant pixels is mostly disparity noise, and a
            few kilometre-deep pixels would dominate an L1 loss in metres). None: no cap.
    """

    label_field = 'gt_depth_map'
    pred_field = 'pred_depth_map'

    def __init__(self, head: dict, in_index: Sequence[int] = (0, 1),
                 loss: dict = dict(type='DepthL1Loss'), max_depth: Optional[float] = None,
                 init_cfg=None) -> None:
        super().__init__(head, in_index, init_cfg)
        if max_depth is not None and max_depth <= 0:
            raise ValueError(f'DepthEstimationTask: max_depth must be > 0, got {max_depth}')
        self.loss_module = MODELS.build(loss)
        self.max_depth = max_depth

    def missing_label(self, size: Tuple[int, int]) -> torch.Tensor:
        return torch.zeros((1, *size), dtype=torch.float32)

    def valid_mask(self, target: torch.Tensor) -> torch.Tensor:
        valid = target > 0
        return valid if self.max_depth is None else valid & (target <= self.max_depth)

    def compute_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.max_depth is not None:  # the losses read 0 as "no measurement"
            target = target.masked_fill(target > self.max_depth, 0)
        return self.loss_module(output, target.to(output.dtype))

    def decode(self, output: torch.Tensor) -> PixelData:
        return PixelData(data=output.float().cpu())
