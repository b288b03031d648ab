"""Reusable MicroNet operators."""
from .channel_shuffle import (ChannelPermutation, ChannelShuffle, channel_shuffle,
                              channel_shuffle_index, compose, permutation_module,
                              shuffle_permutation)
from .dynamic_shift_max import (DynamicShiftMax, FusedDynamicShiftMax, make_divisible, shift_index,
                                shift_max)
from .micro_block import ActivationConfig, MicroBlock, MicroBlockConfig
from .micro_factorized import (GroupPointwiseConv, MicroFactorizedPointwise, SpatialSeparableConv,
                               fold_conv_bn, micro_factorized_groups)

__all__ = [
    'ChannelPermutation', 'ChannelShuffle', 'channel_shuffle', 'channel_shuffle_index', 'compose',
    'permutation_module', 'shuffle_permutation', 'DynamicShiftMax', 'FusedDynamicShiftMax',
    'make_divisible', 'shift_index', 'shift_max', 'ActivationConfig', 'MicroBlock',
    'MicroBlockConfig',
    'GroupPointwiseConv', 'MicroFactorizedPointwise', 'SpatialSeparableConv', 'fold_conv_bn',
    'micro_factorized_groups'
]
from .spatial_attention import SpatialAttention  # noqa: E402

__all__ += ['SpatialAttention']
