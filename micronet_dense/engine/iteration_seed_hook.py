"""Randomness inside the model as a function of (seed, iteration, rank)."""
import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from micronet_dense.registry import HOOKS


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seeds torch's generators before every training iteration from (seed, iteration, rank).

    Randomness inside the model (the dropout of the ImageNet classifier) draws from torch's
    global generator, which mmengine's resume does not restore and which every dataloader
    also draws from once per epoch. Seeded per iteration, the draws of iteration ``i`` are the
    same in an uninterrupted and in a resumed run; the rank keeps DDP processes' draws apart.
    The data side is seeded per sample (``datasets/augmentation_seeds.py``).
    """

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        torch.manual_seed(int(np.random.SeedSequence([runner.seed, runner.iter, get_rank()])
                              .generate_state(1)[0]))
