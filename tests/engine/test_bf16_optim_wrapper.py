"""bfloat16 training on the CPU: the forward runs in bfloat16, the weights and their updates stay
float32, and the gradients of a MicroNet block agree with float32 ones."""
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from micronet_dense.engine import BF16OptimWrapper
from micronet_dense.models.layers import ActivationConfig, MicroBlock, MicroBlockConfig


class _Regressor(BaseModel):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, inputs, targets=None, mode='tensor'):
        out = self.conv(inputs)
        return {'loss': F.mse_loss(out.float(), targets)} if mode == 'loss' else out


def test_forward_in_bfloat16_updates_in_float32():
    torch.manual_seed(0)
    model = _Regressor()
    wrapper = BF16OptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    inputs, targets = torch.randn(2, 3, 8, 8), torch.zeros(2, 4, 8, 8)
    with wrapper.optim_context(model):
        assert model(inputs).dtype == torch.bfloat16
    assert model(inputs).dtype == torch.float32  # validation and testing stay float32
    losses = []
    for _ in range(20):
        with wrapper.optim_context(model):
            loss = model(inputs, targets, mode='loss')['loss']
        wrapper.backward(loss)
        assert all(p.grad.dtype == torch.float32 for p in model.parameters())
        wrapper.step()
        wrapper.zero_grad()
        losses.append(loss.item())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0]


def test_micro_block_gradients_in_bfloat16_match_float32():
    """A pose-head Micro-Block (K=2 and K=1 Dynamic Shift-Max, shuffles, depthwise convs)."""
    torch.manual_seed(0)
    cfg = MicroBlockConfig(1, 32, 5, 1, 1, 4, 8, 4, 4, 2, 2, 1, 1)
    block = MicroBlock(32, cfg, ActivationConfig(init_a=(1.0, 0.0)), hidden_channels=128)
    x = torch.randn(4, 32, 16, 12)
    target = torch.randn(4, 32, 16, 12)

    def gradients(autocast: bool):
        block.zero_grad()
        inputs = x.clone().requires_grad_()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
            out = block(inputs)
        F.mse_loss(out.float(), target).backward()
        return torch.cat([inputs.grad.flatten()] + [p.grad.flatten() for p in block.parameters()])

    reference, bf16 = gradients(False), gradients(True)
    assert bf16.dtype == torch.float32
    assert not torch.equal(reference, bf16)  # the block did run in bfloat16
    assert F.cosine_similarity(reference, bf16, dim=0) > 0.99
