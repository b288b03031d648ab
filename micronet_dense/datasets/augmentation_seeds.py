"""Augmentation randomness as a function of (seed, epoch, sample index).

The transforms draw from numpy's and Python's global generators. mmengine seeds those once per
process (and once per dataloader worker), and a resumed run restores the model, optimiser,
schedulers and the sampler's epoch but not these generators: they live in the worker processes,
run on across epochs with persistent workers, and their streams depend on which worker loads which
sample. A resumed run would augment differently from an uninterrupted one.

Here the sampler, which knows the seed and the epoch in the main process, hands out each index
together with a seed derived from (sampler seed, epoch, index); the dataset seeds the global
generators with it for that sample's pipeline only and restores them afterwards. A sample's
augmentation then depends on nothing else: not on ``num_workers``, the worker that loads it,
``persistent_workers``, or the epoch a run was resumed at.
"""
import contextlib
import random
from typing import Iterator, NamedTuple

import numpy as np
import torch
from mmengine.dataset import DefaultSampler

from micronet_dense.registry import DATA_SAMPLERS


class SeededIndex(NamedTuple):
    """A dataset index with the seed of its augmentation."""
    index: int
    seed: int


def augmentation_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed mixed from the three integers (numpy's ``SeedSequence`` hashing)."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])


@contextlib.contextmanager
def seeded_global_generators(seed: int) -> Iterator[None]:
    """Seed numpy's, Python's and torch's CPU generator; restore their states on exit."""
    np_state, py_state, torch_state = np.random.get_state(), random.getstate(), torch.get_rng_state()
    np.random.seed(seed)
    random.seed(seed)
    torch.default_generator.manual_seed(seed)  # the CPU generator only: CUDA streams stay untouched
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
        torch.set_rng_state(torch_state)


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order, same distributed split and padding) yielding
    :class:`SeededIndex` items; the dataset needs :class:`SeededAugmentationMixin`."""

    def __iter__(self) -> Iterator[SeededIndex]:
        for index in super().__iter__():
            yield SeededIndex(index, augmentation_seed(self.seed, self.epoch, index))


class SeededAugmentationMixin:
    """Lets a ``BaseDataset`` take :class:`SeededIndex` items; plain indices behave as before."""

    def __getitem__(self, idx):
        if not isinstance(idx, SeededIndex):
            return super().__getitem__(idx)
        with seeded_global_generators(idx.seed):
            return super().__getitem__(idx.index)
