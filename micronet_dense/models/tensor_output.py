"""An estimator's ``mode='tensor'`` forward as a plain one-input module."""
import torch
from torch import nn


class TensorOutput(nn.Module):
    """``model(inputs, mode='tensor')`` as a plain one-input module, the form tracers (ONNX export,
    FLOP analysis) and latency runners call. Its submodule names start with ``model.``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs, mode='tensor')
