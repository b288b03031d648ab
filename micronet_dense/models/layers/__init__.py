"""Reusable MicroNet operators."""
from .channel_shuffle import ChannelShuffle, channel_shuffle, channel_shuffle_index
from .dynamic_shift_max import DynamicShiftMax, make_divisible, shift_index
from .micro_block import ActivationConfig, MicroBlock, MicroBlockConfig
from .micro_factorized import GroupPointwiseConv, MicroFactorizedPointwise, SpatialSeparableConv

__all__ = [
    'ChannelShuffle', 'channel_shuffle', 'channel_shuffle_index', 'DynamicShiftMax',
    'make_divisible', 'shift_index', 'ActivationConfig', 'MicroBlock', 'MicroBlockConfig',
    'GroupPointwiseConv', 'MicroFactorizedPointwise', 'SpatialSeparableConv'
]
from .spatial_attention import SpatialAttention  # noqa: E402

__all__ += ['SpatialAttention']
