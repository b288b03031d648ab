"""Spatial attention of Dynamic ReLU (DY-ReLU-C, Chen et al., ECCV 2020), as its authors implement it
(microsoft/DynamicHead `dyrelu.py`; the pose head of paper §6.3 uses it):
π = min(H·W·softmax_hw(BN(conv1×1(x))) / 3, 1) scales every position of x."""
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


class SpatialAttention(nn.Module):
    """Gates each position by π ∈ [0, 1]; (B, C, H, W) -> (B, C, H, W).

    Multiplying the activation's output by π ≥ 0 equals scaling all its coefficients by π,
    which is how DY-ReLU-C applies it.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1)
        self.bn = nn.BatchNorm2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        logits = self.bn(self.conv(x)).view(b, 1, h * w)
        gate = (logits.softmax(dim=-1) * (h * w / 3.0)).clamp(max=1.0)
        return x * gate.view(b, 1, h, w)

    def switch_to_deploy(self) -> None:
        """Fold the BN into the conv (in place, eval only)."""
        self.conv, self.bn = fuse_conv_bn_eval(self.conv.eval(), self.bn.eval()), nn.Identity()
