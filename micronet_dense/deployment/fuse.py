"""Inference fast path: an equivalent, leaner model for deployment and export.

:func:`fuse_model` returns an eval-only copy whose outputs equal the original's in eval mode (up to
float rounding). It calls ``switch_to_deploy()`` on every module that has one (the method turns that
module, with everything inside it, into its inference form in place), and descends into the others:

* every BatchNorm folds into the conv before it;
* every channel shuffle becomes one precomputed channel gather, and a Micro-Block's shuffles move
  into its Dynamic Shift-Max layers (:meth:`MicroBlock.switch_to_deploy`);
* Dynamic Shift-Max's hyper-function collapses to pool → FC → ReLU → FC → clamp
  (:class:`FusedDynamicShiftMax`);
* the pose head runs a block's expand conv before the bilinear upsampling where that is cheaper
  (:meth:`MicroNetPoseHead.switch_to_deploy`);
* the MR-ASPP head applies its high-resolution classifier before the bilinear upsampling
  (:meth:`MRASPPHead.switch_to_deploy`).

The copy keeps the estimator's interface (``mode='tensor'`` and ``'predict'``) but cannot be trained.
"""
import copy

import torch
from torch import nn


def _switch_to_deploy(module: nn.Module) -> None:
    if hasattr(module, 'switch_to_deploy'):
        module.switch_to_deploy()
        return
    for child in module.children():
        _switch_to_deploy(child)


@torch.no_grad()
def fuse_model(model: nn.Module) -> nn.Module:
    """An eval-mode, inference-only copy of ``model`` in the form described in the module doc."""
    fused = copy.deepcopy(model).eval()
    _switch_to_deploy(fused)
    fused.requires_grad_(False)
    return fused
