"""Whether a checkpoint was written by the model a config builds, checked before it is loaded.

mmengine loads checkpoints non-strictly: resuming an m0 pose checkpoint into an m1 config, or a
pose checkpoint into a segmentation config, logs "resumed epoch: N" and dies later inside the
optimizer, and ``tools/test.py`` would evaluate a model whose mismatched layers stayed random.
"""
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from torch import nn

from micronet_dense.utils.user_errors import UserError

from .safe_loading import CheckpointLoadError, read_checkpoint


class CheckpointMismatchError(UserError, ValueError):
    """A checkpoint whose parameters are not those of the model."""


def _model_summary(model_cfg) -> str:
    backbone = model_cfg.get('backbone') or {}
    head = model_cfg.get('head') or model_cfg.get('decode_head') or {}
    return (f"{model_cfg.get('type')} (backbone {backbone.get('type')} arch "
            f"{backbone.get('arch')}, head {head.get('type')})")


def _written_by(checkpoint: dict) -> Optional[str]:
    """The model section of the config text mmengine stores in a checkpoint's meta, if any."""
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not isinstance(text, str):
        return None
    try:
        return _model_summary(Config.fromstring(text, '.py').model)
    except Exception:  # a config text of another mmengine version: the shapes still tell
        return None


def _differences(expected: Dict[str, torch.Tensor], found: Dict[str, torch.Tensor]) -> List[str]:
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    reshaped = [f'{k} {tuple(found[k].shape)} in the checkpoint, {tuple(v.shape)} in the model'
                for k, v in expected.items()
                if k in found and hasattr(found[k], 'shape') and found[k].shape != v.shape]
    problems = []
    for label, names in (('missing', missing), ('unexpected', unexpected),
                         ('of another shape', reshaped)):
        if names:
            problems.append(f'{len(names)} {label} (e.g. {"; ".join(names[:3])})')
    return problems


def check_checkpoint_matches(path: str, model: nn.Module, model_cfg: Optional[dict] = None
                             ) -> None:
    """Raise unless the checkpoint at ``path`` holds exactly ``model``'s parameter and buffer
    names and shapes.

    Args:
        path: an mmengine checkpoint (``state_dict`` inside) or a bare state dict.
        model: the built model (a DDP wrapper is looked through).
        model_cfg: the config's ``model`` section, named in the message with the model that
            wrote the checkpoint (from the config text mmengine keeps in ``meta``).

    Raises:
        CheckpointMismatchError: names the file, both models and the differences.
        CheckpointLoadError: the file is not a readable checkpoint.
    """
    checkpoint = read_checkpoint(path)
    if not isinstance(checkpoint, dict):
        raise CheckpointLoadError(f'{path}: not a checkpoint (a pickled '
                                  f'{type(checkpoint).__name__}, not a dict of tensors)')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    if is_model_wrapper(model):
        model = model.module
    problems = _differences(model.state_dict(), state)
    if problems:
        written_by = _written_by(checkpoint)
        models = ''
        if written_by and model_cfg is not None:
            models = (f' It was written by {written_by}; the config builds '
                      f'{_model_summary(model_cfg)}.')
        raise CheckpointMismatchError(
            f'{path} does not fit the model of this config: {"; ".join(problems)}.{models} '
            'Nothing was loaded.')
