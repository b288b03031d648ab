"""Loading pretrained weights into a backbone: arch check, explicit partial loads, one summary.

mmengine's ``PretrainedInit`` loads whatever matches and only warns about the rest, so weights of
another arch (or a checkpoint without the ``prefix`` it needs) silently leave a backbone partly
random. Here a load is all or nothing unless ``partial=True`` asks for the tensors that match,
and it says what it loaded either way.
"""
from typing import Dict, List, Optional

import torch
from mmengine.logging import print_log
from torch import nn

from micronet_dense.engine.safe_loading import read_checkpoint

# Names listed in full in an error message; the count says the rest.
_MAX_NAMED_KEYS = 5


def _name_keys(keys: List[str]) -> str:
    rest = len(keys) - _MAX_NAMED_KEYS
    return ', '.join(keys[:_MAX_NAMED_KEYS]) + (f' (and {rest} more)' if rest > 0 else '')


def _strip_prefix(state_dict: Dict[str, torch.Tensor],
                  prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    if not prefix:
        return dict(state_dict)
    return {key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)}


def load_pretrained(module: nn.Module, checkpoint: str, arch: Optional[str] = None,
                    prefix: Optional[str] = None, partial: bool = False) -> Dict[str, List[str]]:
    """Load ``checkpoint`` (read safely, :func:`~micronet_dense.engine.read_checkpoint`) into
    ``module``.

    Args:
        module: the backbone.
        checkpoint: path of a converted official checkpoint (``meta.arch`` recorded by
            ``tools/model_converters/micronet_official_to_dense.py``) or of any checkpoint of
            this project (``prefix`` selects the backbone's tensors, e.g. ``'backbone.'``).
        arch: the module's arch, compared with the checkpoint's ``meta.arch``.
        prefix: only keys starting with it are used, with it removed.
        partial: load the tensors whose names and shapes match and report the rest, instead of
            failing on another arch, a missing tensor or a shape mismatch.

    Returns:
        ``dict(loaded=..., missing=..., mismatched=..., unused=...)`` key lists.

    Raises:
        ValueError: naming the file, on an arch mismatch or an incomplete load without
            ``partial``.
    """
    loaded = read_checkpoint(checkpoint)
    meta = loaded.get('meta') or {}
    source_arch = meta.get('arch')
    if arch is not None and source_arch is not None and source_arch != arch and not partial:
        raise ValueError(f'{checkpoint} holds MicroNet-{source_arch} weights (meta.arch) and the '
                         f'backbone is MicroNet-{arch}: convert the {arch} checkpoint, or set '
                         "init_cfg=dict(type='Pretrained', ..., partial=True) to load only the "
                         'tensors whose names and shapes match')
    state_dict = _strip_prefix(loaded.get('state_dict', loaded), prefix)
    own = module.state_dict()
    report = dict(loaded=[], missing=[], mismatched=[],
                  unused=sorted(set(state_dict) - set(own)))
    for key, value in own.items():
        if key not in state_dict:
            report['missing'].append(key)
        elif state_dict[key].shape != value.shape:
            report['mismatched'].append(key)
        else:
            report['loaded'].append(key)
    summary = (f'{checkpoint}: loaded {len(report["loaded"])} of {len(own)} tensors'
               f'{f" (MicroNet-{source_arch})" if source_arch else ""}; '
               f'{len(report["missing"])} missing, {len(report["mismatched"])} of another shape, '
               f'{len(report["unused"])} unused')
    if (report['missing'] or report['mismatched']) and not partial:
        hint = ''
        if not report['loaded'] and not prefix and meta.get('backbone_only') is False:
            hint = "; the file holds a whole model: set prefix='backbone.'"
        raise ValueError(f'{summary}. Missing: {_name_keys(report["missing"])}. Of another '
                         f'shape: {_name_keys(report["mismatched"])}{hint}. Set partial=True '
                         'in the init_cfg to load only what matches')
    module.load_state_dict({key: state_dict[key] for key in report['loaded']}, strict=False)
    print_log(summary, logger='current')
    return report
