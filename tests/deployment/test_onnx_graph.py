"""Rewrites of exported graphs: what they change, and that onnxruntime computes the same."""
import warnings

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from micronet_dense.deployment.onnx import INPUT_NAME, export_onnx, ort_session
from micronet_dense.deployment.onnx_graph import pool_before_pointwise_conv


class ConvThenPool(nn.Module):
    """A conv, then a pool of its output; with ``both`` the conv's output is an output too."""

    def __init__(self, conv: nn.Conv2d, pool: nn.Module, both: bool = False) -> None:
        super().__init__()
        self.conv, self.pool, self.both = conv, pool, both

    def forward(self, x):
        y = self.conv(x)
        return (y, self.pool(y)) if self.both else self.pool(y)


def _rewritten(module: nn.Module, path) -> tuple:
    """The node types of ``module``'s export after the rewrite, and the largest difference of
    onnxruntime's outputs between the two graphs on a random input."""
    torch.manual_seed(0)
    x = torch.randn(2, 8, 13, 17)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the TorchScript exporter
        torch.onnx.export(module.eval(), (x,), str(path), input_names=[INPUT_NAME], dynamo=False)
    rewritten = path.with_name('rewritten.onnx')
    onnx.save(pool_before_pointwise_conv(onnx.load(path)), rewritten)
    before, after = (ort_session(str(p)).run(None, {INPUT_NAME: x.numpy()})
                     for p in (path, rewritten))
    diff = max(float(np.abs(a - b).max()) for a, b in zip(after, before))
    return [n.op_type for n in onnx.load(rewritten).graph.node], diff


@pytest.mark.parametrize('pool, pool_type', [
    (nn.AvgPool2d((5, 7), stride=(4, 3)), 'AveragePool'),
    (nn.AvgPool2d(3, stride=2, ceil_mode=True), 'AveragePool'),
    (nn.AdaptiveAvgPool2d(1), 'GlobalAveragePool')], ids=['window', 'ceil', 'global'])
@pytest.mark.parametrize('both', [False, True], ids=['pool_only', 'conv_read_too'])
def test_pool_of_a_pointwise_conv_pools_its_input(tmp_path, pool, pool_type, both):
    types, diff = _rewritten(ConvThenPool(nn.Conv2d(8, 24, 1, groups=2), pool, both),
                             tmp_path / 'model.onnx')
    # The conv stays only where its output is read elsewhere.
    assert types == (['Conv'] if both else []) + [pool_type, 'Conv']
    assert diff < 1e-5


@pytest.mark.parametrize('conv, pool', [
    (nn.Conv2d(8, 24, 3, padding=1), nn.AvgPool2d(3)),
    (nn.Conv2d(8, 24, 1, stride=2), nn.AvgPool2d(3)),
    (nn.Conv2d(8, 24, 1), nn.AvgPool2d(3, padding=1)),  # the padding's zeros are averaged in
    (nn.Conv2d(8, 24, 1), nn.MaxPool2d(3)),
    (nn.Conv2d(8, 6, 1), nn.AvgPool2d(3))],  # pooling its input would read more channels
    ids=['3x3', 'stride2', 'padded_pool', 'max_pool', 'narrowing'])
def test_other_convs_and_pools_stay(tmp_path, conv, pool):
    types, diff = _rewritten(ConvThenPool(conv, pool), tmp_path / 'model.onnx')
    assert types[0] == 'Conv' and diff == 0


def test_mraspp_attention_pools_the_backbone_before_its_last_conv(build_model, tmp_path):
    # m3's backbone ends with its widening group conv (m0's with a Dynamic Shift-Max).
    path = tmp_path / 'seg.onnx'
    export_onnx(build_model('seg', 'm3'), str(path), (128, 256), fast=True)  # parity-checked
    graph = onnx.load(str(path)).graph
    producers = {out: node for node in graph.node for out in node.output}
    pool = next(n for n in graph.node if n.op_type == 'AveragePool')
    reader = next(n for n in graph.node if pool.output[0] in n.input)
    # The pool reads the input of the backbone's final (expand) conv, which the pooled conv
    # then applies to the pooled map.
    expand = next(n for n in graph.node if n.name.endswith('blocks.11/expand/conv/Conv'))
    assert pool.input[0] == expand.input[0] and producers[pool.input[0]].op_type != 'Conv'
    assert reader.op_type == 'Conv' and reader.input[1:] == expand.input[1:]
