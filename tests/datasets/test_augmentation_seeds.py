"""Per-sample augmentation seeds: a sample's augmentation is a function of (seed, epoch, index)
alone, whatever the workers, and the sampler's order is mmengine's."""
import random

import numpy as np
import pytest
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset, DefaultSampler
from torch.utils.data import DataLoader

from micronet_dense.datasets import SeededAugmentationMixin, SeededIndex, SeededSampler


class _DrawRandom(BaseTransform):
    """Records one draw of each global generator the transforms may use."""

    def transform(self, results):
        results['draws'] = torch.tensor([np.random.rand(), random.random(), torch.rand(()).item()])
        return results


class _Toy(SeededAugmentationMixin, BaseDataset):
    def __init__(self, size: int):
        self.size = size
        super().__init__(pipeline=[_DrawRandom()], serialize_data=False)

    def load_data_list(self):
        return [dict(value=i) for i in range(self.size)]


def _epochs(num_workers: int, epochs: int = 2) -> list:
    dataset = _Toy(7)
    sampler = SeededSampler(dataset, shuffle=True, seed=3)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler, num_workers=num_workers,
                        persistent_workers=num_workers > 0, collate_fn=lambda batch: batch)
    seen = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        seen.append({s['value']: s['draws'] for batch in loader for s in batch})
    return seen


def test_augmentation_does_not_depend_on_the_workers():
    in_process, two_workers = _epochs(0), _epochs(2)
    for epoch in range(2):
        assert in_process[epoch].keys() == two_workers[epoch].keys() == set(range(7))
        for index, draws in in_process[epoch].items():
            assert torch.equal(two_workers[epoch][index], draws)
    # A new epoch draws anew, and different samples draw differently.
    assert not torch.equal(in_process[0][0], in_process[1][0])
    assert len({tuple(d.tolist()) for d in in_process[0].values()}) == 7


def test_a_resumed_epoch_draws_as_the_uninterrupted_one():
    dataset = _Toy(5)
    sampler = SeededSampler(dataset, seed=3)
    sampler.set_epoch(4)
    first = [dataset[i]['draws'] for i in sampler]
    np.random.seed(123)  # a resumed process: different global states
    random.seed(123)
    torch.manual_seed(123)
    restarted = SeededSampler(dataset, seed=3)
    restarted.set_epoch(4)
    assert all(torch.equal(a, dataset[i]['draws']) for a, i in zip(first, restarted))


def test_global_generators_are_left_as_they_were():
    dataset = _Toy(3)
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    dataset[SeededIndex(1, 99)]
    assert np.random.rand() == expected


@pytest.mark.parametrize('world_size,rank', [(1, 0), (2, 1)])
def test_order_and_padding_are_default_sampler(world_size, rank, monkeypatch):
    monkeypatch.setattr('mmengine.dataset.sampler.get_dist_info', lambda: (rank, world_size))
    dataset = _Toy(7)
    seeded, default = SeededSampler(dataset, seed=3), DefaultSampler(dataset, seed=3)
    for sampler in (seeded, default):
        sampler.set_epoch(2)
    assert [s.index for s in seeded] == list(default)
    assert len(seeded) == len(default)
