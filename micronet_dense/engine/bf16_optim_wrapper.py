"""bfloat16 mixed-precision training on any device, the CPU included.

mmengine's ``AmpOptimWrapper`` asserts a GPU (or NPU/MLU); on the CPU, ``torch.autocast`` with
bfloat16 runs convolutions and linear layers in bfloat16 through oneDNN and halves the memory traffic
of the element-wise layers behind them (Dynamic Shift-Max, BN, channel shuffles), which is most of a
MicroNet training step. bfloat16 has float32's exponent range, so no loss scaling is needed.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from micronet_dense.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward context is ``torch.autocast(<model's device>, bfloat16)``.

    Parameters, gradients and optimizer state stay float32 (autocast casts the weights per op);
    only the training forward (and so its backward) runs in bfloat16. Validation and testing run
    outside ``optim_context`` and stay float32.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        device_type = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type, dtype=torch.bfloat16):
            yield
