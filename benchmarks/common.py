"""What every benchmark section shares: the row contract and the machine's reference speed.

Contract of a section (``benchmarks/<name>.py``, found by ``run.py`` under its module name):

* it exposes ``run(quick: bool = False) -> list[dict]``; ``quick`` must keep the section within a
  minute or so (fewer models, iterations or smaller inputs — say which in the row's setting);
* each row is ``{'benchmark': str, 'setting': str, 'value': float, 'unit': str}`` with ``unit`` one
  of :data:`UNITS`; a row may add ``'threads': int``, the CPU threads it ran with (default:
  PyTorch's default on the machine), which selects the reference it is divided by.

``run.py`` adds to every row ``'reference_ratio'``: a time divided by the reference time, or a
rate multiplied by it (images or samples per reference time), so the figure survives a change of
machine.

The reference is the median time of one dense 1×1 conv, 240→240 channels on a 1×240×64×48 map
(177M multiply-adds, about the 170M of MicroNet-M3 pose at 256×192), followed by one depthwise 3×3
conv on the same map (the two kinds of layer MicroNet is made of), in PyTorch eager, NCHW, float32.
"""
import os.path as osp
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from micronet_dense.apis import init_model
from micronet_dense.deployment.benchmark import time_interleaved, torch_threads
from micronet_dense.deployment.onnx import unit_scale_random_weights
from micronet_dense.deployment.kernel_library import OperatorUnavailable
from micronet_dense.deployment.onnxruntime_operators import operator_library

TIME_UNITS = {'ms': 1.0, 's': 1e3}  # to milliseconds
RATE_UNITS = {'img/s', 'samples/s'}
UNITS = tuple(TIME_UNITS) + tuple(sorted(RATE_UNITS))
ROW_KEYS = ('benchmark', 'setting', 'value', 'unit')
REFERENCE_CHANNELS, REFERENCE_SIZE = 240, (64, 48)
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {'pose': osp.join(REPO, 'configs/pose/micronet_{}_coco.py'),
           'seg': osp.join(REPO, 'configs/seg/micronet_{}_cityscapes.py')}
# Unit-scale weights are drawn on a smaller input than the timed one for segmentation: the scale
# of the outputs barely depends on the size, the cost of the probe does.
PROBE_SHAPES = {'pose': (256, 192), 'seg': (256, 512)}


def make_row(benchmark: str, setting: str, value: float, unit: str, **extra) -> dict:
    """A row of the contract; ``extra`` holds optional keys such as ``threads``."""
    return check_row(dict(benchmark=benchmark, setting=setting, value=float(value), unit=unit,
                          **extra))


def check_row(row: dict) -> dict:
    """``row`` if it follows the contract, else a ValueError naming the problem."""
    missing = [key for key in ROW_KEYS if key not in row]
    if missing:
        raise ValueError(f'benchmark row {row!r} lacks {missing}')
    if row['unit'] not in UNITS:
        raise ValueError(f"benchmark row {row['benchmark']!r}: unit {row['unit']!r} is not one of "
                         f'{UNITS}')
    return row


def shipped_model(task: str, arch: str) -> nn.Module:
    """The shipped ``task`` config of ``arch`` (e.g. ``'pose'``, ``'m3'``) with random weights of
    unit-scale outputs (:func:`unit_scale_random_weights`), in eval mode: freshly initialised, a
    pose head outputs ~1e-34 and its timing would measure denormal arithmetic."""
    torch.manual_seed(0)
    return unit_scale_random_weights(init_model(CONFIGS[task].format(arch)), PROBE_SHAPES[task])


def reference_times(threads: int, repeats: int = 30) -> Dict[str, float]:
    """Median ms of the reference 1×1 conv, the depthwise 3×3 conv and their sum at ``threads``,
    timed interleaved after 3 warm-up rounds."""
    generator = torch.Generator().manual_seed(0)
    c, (h, w) = REFERENCE_CHANNELS, REFERENCE_SIZE
    x = torch.randn(1, c, h, w, generator=generator)
    pointwise = torch.randn(c, c, 1, 1, generator=generator)
    depthwise = torch.randn(c, 1, 3, 3, generator=generator)
    layers = {'conv1x1_ms': lambda: F.conv2d(x, pointwise),
              'depthwise3x3_ms': lambda: F.conv2d(x, depthwise, padding=1, groups=c)}
    with torch_threads(threads), torch.inference_mode():
        stats = time_interleaved(layers, warmup=3, iters=repeats, batch_size=1)
    result = {name: stats[name]['p50_ms'] for name in layers}
    result['reference_ms'] = result['conv1x1_ms'] + result['depthwise3x3_ms']
    return result


def reference_ratio(row: dict, reference_ms: float) -> float:
    """The row's value in reference units: time / reference time, or rate × reference time."""
    if row['unit'] in TIME_UNITS:
        return row['value'] * TIME_UNITS[row['unit']] / reference_ms
    return row['value'] * reference_ms / 1e3


def operators_available(section: str) -> bool:
    """Whether the project's onnxruntime operators build here; says why not when they do not."""
    try:
        operator_library()
    except OperatorUnavailable as err:
        print(f"[benchmarks] {section}: no rows with the project's operators: {err}")
        return False
    return True
