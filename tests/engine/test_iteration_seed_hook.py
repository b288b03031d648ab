"""Dropout inside the model draws the same at iteration i in an uninterrupted and a resumed run."""
from types import SimpleNamespace

import torch

from micronet_dense.engine import IterationSeedHook


def _dropout_masks(iterations, seed=0):
    dropout, hook, masks = torch.nn.Dropout(0.5), IterationSeedHook(), {}
    for i in iterations:
        hook.before_train_iter(SimpleNamespace(seed=seed, iter=i), batch_idx=i)
        masks[i] = dropout(torch.ones(64)) > 0
        torch.rand(5)  # other draws between iterations (a dataloader's base seed, ...)
    return masks


def test_resumed_iterations_draw_as_uninterrupted_ones():
    torch.manual_seed(1)
    whole = _dropout_masks(range(6))
    torch.manual_seed(2)  # the resumed process starts from another generator state
    resumed = _dropout_masks(range(3, 6))
    assert all(torch.equal(resumed[i], whole[i]) for i in range(3, 6))
    assert not torch.equal(whole[3], whole[4])
    assert not torch.equal(_dropout_masks([3], seed=1)[3], whole[3])
