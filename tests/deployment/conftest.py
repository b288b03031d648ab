"""Shipped pose / segmentation / multi-task models with weights that make every fusion and output
visible."""
import pytest
import torch
from torch import nn

from micronet_dense.apis import init_model

CONFIGS = {'pose': 'configs/pose/micronet_{}_coco.py', 'seg': 'configs/seg/micronet_{}_cityscapes.py',
           'multitask': 'configs/multitask/micronet_{}_cityscapes_seg_depth.py'}


def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random BN running statistics and affine parameters (so folding them changes the convs) and
    a pose output layer of unit scale (its init, std 0.001, would make any heatmap difference
    tiny)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                for tensor, (low, high) in ((m.running_mean, (-0.5, 0.5)), (m.running_var, (0.5, 2.0)),
                                            (m.weight, (0.5, 1.5)), (m.bias, (-0.5, 0.5))):
                    tensor.copy_(torch.empty_like(tensor).uniform_(low, high, generator=generator))
        final = getattr(getattr(model, 'head', None), 'final', None)
        if final is not None:
            final.weight.normal_(0.0, 0.1, generator=generator)
    return model.eval()


@pytest.fixture(scope='session')
def build_model():
    """``build_model(task, arch)``: the shipped config's model, randomised as above."""
    def build(task: str, arch: str) -> nn.Module:
        torch.manual_seed(0)
        return randomise(init_model(CONFIGS[task].format(arch)))
    return build
