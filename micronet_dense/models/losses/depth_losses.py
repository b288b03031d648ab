"""Depth regression losses over the pixels with a depth measurement (ground truth > 0): L1, and the
scale-invariant log loss of Eigen et al., NIPS 2014 (arXiv 1406.2283)."""
import torch
from torch import nn

from micronet_dense.registry import MODELS

#: Predictions are clamped to this many metres before a logarithm.
_MIN_LOG_DEPTH = 1e-3


def _check_shapes(pred: torch.Tensor, target: torch.Tensor, loss: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f'{loss}: prediction shape {tuple(pred.shape)} != target shape '
                         f'{tuple(target.shape)}')


@MODELS.register_module()
class DepthL1Loss(nn.Module):
    """``mean |pred − gt|`` over the valid pixels of the whole batch, times ``loss_weight``.

    Shapes: pred, target (B, 1, H, W) metres, target 0 = no measurement -> 0-dim. Without any
    valid pixel the loss is a zero that still depends on ``pred`` (no gradient, but the graph
    keeps every parameter, as distributed training needs).
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_shapes(pred, target, type(self).__name__)
        valid = target > 0
        if not valid.any():
            return pred.sum() * 0.0
        return (pred[valid] - target[valid]).abs().mean() * self.loss_weight


@MODELS.register_module()
class ScaleInvariantLogLoss(nn.Module):
    """Eigen et al.'s scale-invariant log loss (their eq. 4), per image over its n valid pixels,

        L = (1/n) Σ d_i² − (λ/n²) (Σ d_i)²,   d_i = log pred_i − log gt_i,

    averaged over the images that have a valid pixel, times ``loss_weight``. λ = 0 is the
    log-space MSE, λ = 1 the fully scale-invariant error; the paper trains with λ = 0.5.
    Predictions are clamped to 1e-3 m before the logarithm.

    Shapes: pred, target (B, 1, H, W) metres, target 0 = no measurement -> 0-dim; without any
    valid pixel, a zero that depends on ``pred``.
    """

    def __init__(self, variance_weight: float = 0.5, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 <= variance_weight <= 1:
            raise ValueError(f'ScaleInvariantLogLoss: variance_weight (λ) must be in [0, 1], got '
                             f'{variance_weight}')
        self.variance_weight = variance_weight
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_shapes(pred, target, type(self).__name__)
        valid = (target > 0).flatten(1).to(pred.dtype)  # (B, HW)
        counts = valid.sum(dim=1)
        labelled = counts > 0
        if not labelled.any():
            return pred.sum() * 0.0
        log_gt = torch.log(target.flatten(1).clamp(min=_MIN_LOG_DEPTH))
        diff = (torch.log(pred.flatten(1).clamp(min=_MIN_LOG_DEPTH)) - log_gt) * valid
        n = counts[labelled]
        per_image = ((diff[labelled] ** 2).sum(dim=1) / n
                     - self.variance_weight * diff[labelled].sum(dim=1) ** 2 / n ** 2)
        return per_image.mean() * self.loss_weight
