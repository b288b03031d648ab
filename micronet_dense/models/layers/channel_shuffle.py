"""Channel shuffle (ShuffleNet), the parameter-free mixing step of MicroNet's pointwise convs, and
the fixed channel gathers the inference form of a block turns its shuffles into."""
from typing import Optional, Sequence

import torch
from torch import nn


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave ``groups`` channel groups: output channel ``j*G + i`` is input ``i*(C/G) + j``.

    Args:
        x: (B, C, H, W), C divisible by ``groups``.
    """
    if groups == 1:
        return x
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


def channel_shuffle_index(channels: int, groups: int) -> torch.Tensor:
    """The gather index ``idx`` with ``channel_shuffle(x, groups) == x[:, idx]`` (a (C,) long tensor)."""
    return torch.arange(channels).view(groups, channels // groups).t().reshape(-1)


class ChannelShuffle(nn.Module):
    """Module form of :func:`channel_shuffle`; no parameters, no MAdds."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f'groups={self.groups}'


def _non_identity(index: torch.Tensor) -> Optional[torch.Tensor]:
    return None if torch.equal(index, torch.arange(len(index))) else index


def shuffle_permutation(channels: int, groups: Sequence[int]) -> Optional[torch.Tensor]:
    """Gather index of the channel shuffles ``groups`` applied in order; None for the identity."""
    index = torch.arange(channels)
    for g in groups:
        index = index[channel_shuffle_index(channels, g)]
    return _non_identity(index)


def compose(first: Optional[torch.Tensor], then: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    """Index of gathering by ``first`` and then by ``then`` (None is the identity)."""
    if first is None or then is None:
        return then if first is None else first
    return _non_identity(first[then])


class ChannelPermutation(nn.Module):
    """A fixed channel gather, ``y[:, c] = x[:, index[c]]``; (B, C, H, W) -> (B, C, H, W)."""

    def __init__(self, index: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer('index', index.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.index)


def permutation_module(index: Optional[torch.Tensor]) -> nn.Module:
    """:class:`ChannelPermutation` of ``index``, or the identity for None."""
    return nn.Identity() if index is None else ChannelPermutation(index)
