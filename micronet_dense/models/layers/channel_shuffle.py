"""Channel shuffle (ShuffleNet), the parameter-free mixing step of MicroNet's pointwise convs."""
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
