"""Heatmap MSE loss with per-keypoint target weights (SimpleBaseline / HRNet)."""
import torch
from torch import nn

from micronet_dense.registry import MODELS


@MODELS.register_module()
class KeypointMSELoss(nn.Module):
    """mean((w·(pred − target))²) · loss_weight; invisible / out-of-heatmap keypoints have w = 0.

    Shapes: pred, target (B, K, h, w); weights (B, K).
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        w = weights[:, :, None, None]
        return ((pred - target) * w).pow(2).mean() * self.loss_weight
