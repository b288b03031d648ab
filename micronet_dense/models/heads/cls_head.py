"""MicroNet's ImageNet classification head, as in the official code
(`backbone/micronet.py`), which refines the paper's Table 1 'avg pool → 2fc → softmax'."""
import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from micronet_dense.registry import MODELS


@MODELS.register_module()
class MicroNetClsHead(BaseModule):
    """ReLU6 → global average pool → h-swish → [Linear + BN1d + h-swish] → Dropout →
    [Linear + BN1d + h-swish].

    The 1000 logits pass through BN1d and h-swish too: that is how the released weights were
    trained, so the head keeps it.

    Args:
        in_channels: channels of the last backbone feature.
        hidden_channels: width of the first linear layer (640/960/1024/1024 for m0–m3).
        num_classes: number of logits.
        dropout: dropout before the second linear layer.

    Shapes: (B, C, H, W) -> (B, num_classes).
    """

    def __init__(self, in_channels: int, hidden_channels: int, num_classes: int = 1000,
                 dropout: float = 0.05, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc1 = nn.Linear(in_channels, hidden_channels)
        self.bn1 = nn.BatchNorm1d(hidden_channels)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden_channels, num_classes)
        self.bn2 = nn.BatchNorm1d(num_classes)
        for fc in (self.fc1, self.fc2):
            nn.init.normal_(fc.weight, 0.0, 0.01)
            nn.init.zeros_(fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.hardswish(F.adaptive_avg_pool2d(F.relu6(x), 1).flatten(1))
        x = F.hardswish(self.bn1(self.fc1(x)))
        return F.hardswish(self.bn2(self.fc2(self.dropout(x))))
