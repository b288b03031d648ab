"""Conversion of the released official MicroNet checkpoints into this project's parameter names.

Official files are ``{'state_dict': {'module.' + key: tensor}}`` (saved from DataParallel) with keys
``features.0.stem.0.conv.{0..3}`` (stem), ``features.{i}.layers.{j}...`` (row i, its nn.Sequential
position j) and ``classifier.{0,2}.linear.{0,1}`` (the two Linear + BN1d pairs).
"""
from collections import OrderedDict
from typing import Dict, Tuple

import torch

from .backbones.micronet import ARCH_ROWS, ARCH_SETTINGS, arch_block_configs

# Position of each module in the official nn.Sequential of a row, by row kind.
_ROW_LAYOUT = {
    'A': {0: 'depthwise', 1: 'act2', 4: 'compress', 5: 'act3'},
    'BC': {0: 'expand', 1: 'act1', 3: 'depthwise', 5: 'act2', 7: 'compress', 8: 'act3'},
    'final': {0: 'expand', 1: 'act1'},
}
# Inside a module: official sub-keys -> ours.
_SUBMODULE_KEYS = {
    'conv.0': 'conv_kx1', 'conv.1': 'bn_kx1', 'conv.2': 'conv_1xk', 'conv.3': 'bn_1xk',  # k×1, 1×k
    'fc.0': 'fc1', 'fc.2': 'fc2',  # Dynamic Shift-Max hyper-function
}
_GROUP_CONV_KEYS = {'conv.0': 'conv', 'conv.1': 'bn'}
_CLASSIFIER_KEYS = {'classifier.0.linear.0': 'head.fc1', 'classifier.0.linear.1': 'head.bn1',
                    'classifier.2.linear.0': 'head.fc2', 'classifier.2.linear.1': 'head.bn2'}


def _row_kind(cfg) -> str:
    return 'A' if cfg.g1 == 0 else 'final' if cfg.g4 == 0 else 'BC'


def _rename(key: str, kinds) -> str:
    for official, ours in _CLASSIFIER_KEYS.items():
        if key.startswith(official + '.'):
            return ours + key[len(official):]
    parts = key.split('.')
    if parts[0] != 'features':
        raise KeyError(f'unexpected key {key!r} in an official MicroNet checkpoint')
    row = int(parts[1])
    if row == 0:  # features.0.stem.0.conv.N.param
        if parts[2:4] != ['stem', '0']:
            raise KeyError(f'unexpected stem key {key!r}')
        return 'backbone.stem.' + _SUBMODULE_KEYS['.'.join(parts[4:6])] + '.' + '.'.join(parts[6:])
    kind = kinds[row - 1]
    position = int(parts[3])
    module = _ROW_LAYOUT[kind].get(position)
    if parts[2] != 'layers' or module is None:
        raise KeyError(f'unexpected key {key!r} for a type-{kind} row')
    sub, rest = '.'.join(parts[4:6]), '.'.join(parts[6:])
    table = _GROUP_CONV_KEYS if module in ('expand', 'compress') else _SUBMODULE_KEYS
    return f'backbone.blocks.{row - 1}.{module}.{table[sub]}.{rest}'


def infer_arch(state_dict: Dict[str, torch.Tensor]) -> str:
    """The arch whose rows match the checkpoint: number of rows and stem widths."""
    rows = {int(k.split('.')[1]) for k in state_dict if k.startswith('features.')}
    stem = state_dict.get('features.0.stem.0.conv.2.weight')
    for arch, cfgs in ARCH_ROWS.items():
        g1, g2 = ARCH_SETTINGS[arch]['stem_groups']
        if stem is not None and len(rows) == len(cfgs) + 1 and stem.shape[0] == g1 * g2:
            return arch
    raise ValueError('the checkpoint matches none of the MicroNet archs m0-m3 '
                     f'({len(rows)} feature rows, stem weight shape {getattr(stem, "shape", None)})')


def convert_official_state_dict(checkpoint: dict, backbone_only: bool = False
                                ) -> Tuple[str, 'OrderedDict[str, torch.Tensor]']:
    """Returns (arch, state_dict in this project's names).

    Args:
        checkpoint: the loaded official file (``{'state_dict': ...}``) or its state dict.

    Raises:
        ValueError: not a dict of tensors, already converted, or of no MicroNet arch.
        KeyError: a parameter name the official layout does not have.
        backbone_only: drop the classifier and the ``backbone.`` prefix (for ``MicroNet`` alone).
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError('not an official MicroNet checkpoint: expected a dict of tensors (under '
                         f"'state_dict' or at the top level), got a {type(checkpoint).__name__}"
                         f'{"" if state is None else " with other values"}')
    if any(k.startswith(('backbone.', 'head.', 'decode_head.')) for k in state):
        raise ValueError('already in micronet_dense parameter names (an mmengine checkpoint of '
                         'this project?): there is nothing to convert')
    state = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                        for k, v in state.items())
    arch = infer_arch(state)
    kinds = [_row_kind(cfg) for cfg in arch_block_configs(arch)]
    converted = OrderedDict()
    for key, value in state.items():
        new_key = _rename(key, kinds)
        if backbone_only:
            if not new_key.startswith('backbone.'):
                continue
            new_key = new_key[len('backbone.'):]
        converted[new_key] = value
    return arch, converted
