"""Parameters and multiply-adds in the MicroNet paper's convention (Table 1; §4
costs Dynamic Shift-Max).

Counted: every conv and linear layer (the Dynamic Shift-Max hyper-function FCs included) and the
application of each K=2 Dynamic Shift-Max, 4·H·W·C. Not counted: BN, pooling, element-wise ops and
K=1 Dynamic Shift-Max applications — the only convention that reproduces the paper's 4/6/12/21M.
"""
from collections import OrderedDict
from typing import Callable, Dict, Tuple

import torch
from torch import nn

from micronet_dense.models.layers import DynamicShiftMax

CONVENTION = 'paper'


def _layer_madds(module: nn.Module, inputs: Tuple[torch.Tensor, ...], output: torch.Tensor) -> int:
    """Multiply-adds of one layer call, per batch element."""
    batch = output.shape[0]
    if isinstance(module, nn.Conv2d):
        per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        return output.numel() // batch * per_output
    if isinstance(module, nn.Linear):
        return output.numel() // batch * module.in_features
    if isinstance(module, DynamicShiftMax) and module.num_fusions == 2:
        return 4 * inputs[0].numel() // batch
    return 0


def count_complexity(model: nn.Module, forward: Callable[[], object],
                     group_of: Callable[[str], str]) -> Tuple[Dict[str, int], Dict[str, int]]:
    """Runs ``forward()`` once and returns (MAdds per group, params per group), both ordered.

    ``group_of(name)`` maps a module's qualified name to the row of the table it is counted in.
    """
    madds: Dict[str, int] = OrderedDict()
    params: Dict[str, int] = OrderedDict()
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear, DynamicShiftMax)):
            group = group_of(name)

            def hook(mod, inp, out, group=group):
                madds[group] = madds.get(group, 0) + _layer_madds(mod, inp, out)
            handles.append(module.register_forward_hook(hook))
    for name, p in model.named_parameters():
        group = group_of(name.rsplit('.', 1)[0])
        params[group] = params.get(group, 0) + p.numel()
    try:
        with torch.no_grad():
            forward()
    finally:
        for h in handles:
            h.remove()
    return madds, params


def stage_group_of(model: nn.Module) -> Callable[[str], str]:
    """Groups module names by MicroNet stage for backbones, by first child for other parts.

    ``backbone.blocks.5.expand.conv`` -> ``backbone.stage3``; ``head.fc1`` -> ``head.fc1``.
    """
    backbone = getattr(model, 'backbone', None)
    block_stages = getattr(backbone, 'block_stages', None)

    def group_of(name: str) -> str:
        parts = name.split('.')
        if block_stages is not None and parts[0] == 'backbone':
            if len(parts) > 2 and parts[1] == 'blocks':
                return f'backbone.stage{block_stages[int(parts[2])]}'
            return 'backbone.' + parts[1] if len(parts) > 1 else 'backbone'
        return '.'.join(parts[:2])
    return group_of


def model_complexity(model: nn.Module, input_shape: Tuple[int, int]) -> dict:
    """Paper-convention complexity of ``model(inputs, mode='tensor')`` for one (3, H, W) image.

    Returns ``{'params': int, 'madds': int, 'convention': 'paper', 'stages': [(name, params, madds)]}``.
    """
    was_training = model.training
    model.eval()
    inputs = torch.zeros(1, 3, *input_shape, device=next(model.parameters()).device)
    madds, params = count_complexity(model, lambda: model(inputs, mode='tensor'), stage_group_of(model))
    model.train(was_training)
    names = list(OrderedDict.fromkeys(list(params) + list(madds)))
    stages = [(n, params.get(n, 0), madds.get(n, 0)) for n in names]
    return dict(params=sum(params.values()), madds=sum(madds.values()), convention=CONVENTION,
                stages=stages)


def single_task_costs(report: dict) -> Dict[str, Tuple[int, int]]:
    """(params, MAdds) of each task of a multi-task :func:`model_complexity` report as a model of
    its own: the shared rows (backbone) plus the task's ``tasks.<name>`` row, i.e. the backbone
    counted once per task. Learned task weights belong to no single-task model. Empty for a model
    without tasks.
    """
    shared = [(params, madds) for name, params, madds in report['stages']
              if not name.startswith(('tasks.', 'task_weighting'))]
    shared_params, shared_madds = (sum(column) for column in zip(*shared)) if shared else (0, 0)
    return {name[len('tasks.'):]: (shared_params + params, shared_madds + madds)
            for name, params, madds in report['stages'] if name.startswith('tasks.')}


def mmengine_flops_by_group(model: nn.Module, input_shape: Tuple[int, int]) -> Dict[str, int]:
    """mmengine.analysis's own FLOP count (a second opinion; it counts differently), per group."""
    from mmengine.analysis import FlopAnalyzer

    from micronet_dense.models.tensor_output import TensorOutput

    model.eval()
    inputs = torch.zeros(1, 3, *input_shape, device=next(model.parameters()).device)
    analyzer = FlopAnalyzer(TensorOutput(model), (inputs,))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    group_of = stage_group_of(model)
    counts: Dict[str, int] = OrderedDict()
    for name, flops in analyzer.by_module().items():
        if not name.startswith('model.') or not hasattr(model.get_submodule(name[6:]), 'weight'):
            continue
        counts[group_of(name[6:])] = counts.get(group_of(name[6:]), 0) + int(flops)
    return counts
