"""A QDQ int8 graph with its quantized 1×1 convs as ``QuantizedPointwiseConv`` operators.

:func:`~micronet_dense.deployment.quantize.quantize_onnx` calibrates and quantizes with
onnxruntime's tool; with ``operator=True`` it hands the QDQ graph to
:func:`with_pointwise_operator`, which writes each quantized 1×1 conv (DequantizeLinear of
QuantizeLinear of x; DequantizeLinear of int8 weights) as one operator node of the same int8
weights, scales and zero points (:mod:`.onnxruntime_operators`), and the other quantize/dequantize
steps of activations out of the graph.
"""
from typing import Optional

import numpy as np

from .onnxruntime_operators import DOMAIN, OPSET_VERSION


class _Constants:
    """The constant tensors of a graph: initializers, seen through Identity nodes (the exporter
    shares equal initializers through them) and DequantizeLinear nodes of initializers."""

    def __init__(self, graph) -> None:
        from onnx import numpy_helper
        self.arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.producers = {out: node for node in graph.node for out in node.output}

    def source(self, name: str) -> str:
        """``name`` with the Identity nodes before it skipped."""
        while name in self.producers and self.producers[name].op_type == 'Identity':
            name = self.producers[name].input[0]
        return name

    def producer(self, name: str, op_type: str):
        """The ``op_type`` node that computes ``name`` (Identity nodes skipped), or None."""
        node = self.producers.get(self.source(name))
        return node if node is not None and node.op_type == op_type else None

    def array(self, name: str) -> Optional[np.ndarray]:
        """The initializer behind ``name``, or None."""
        return self.arrays.get(self.source(name))

    def dequantized(self, name: str) -> Optional[np.ndarray]:
        """The float32 value of ``name`` when it is an initializer or the DequantizeLinear (per
        tensor, or per channel along axis 0) of initializers; else None."""
        node = self.producer(name, 'DequantizeLinear')
        if node is None:
            return self.array(name)
        value, scale = self.array(node.input[0]), self.array(node.input[1])
        zero = self.array(node.input[2]) if len(node.input) > 2 and node.input[2] else 0
        if value is None or scale is None or zero is None:
            return None
        shape = (-1,) + (1,) * (value.ndim - 1) if scale.ndim == 1 and value.ndim > 1 else ()
        return ((value.astype(np.float64) - np.reshape(zero, shape)) *
                np.reshape(scale, shape)).astype(np.float32)


def _pointwise_operator(conv, constants: _Constants, name: str):
    """The ``QuantizedPointwiseConv`` node and its initializers that compute the QDQ 1×1 ``conv``
    (input: DequantizeLinear of QuantizeLinear of x; weight: DequantizeLinear of int8), or None
    when ``conv`` is not one."""
    from onnx import helper, numpy_helper
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    x_dq = constants.producer(conv.input[0], 'DequantizeLinear')
    x_q = x_dq and constants.producer(x_dq.input[0], 'QuantizeLinear')
    w_dq = constants.producer(conv.input[1], 'DequantizeLinear')
    if (attrs.get('kernel_shape') != [1, 1] or any(v != 1 for v in attrs.get('strides', [1]))
            or any(attrs.get('pads', [0])) or x_q is None or w_dq is None
            or len(x_dq.input) < 3):
        return None
    weight, w_scale = constants.array(w_dq.input[0]), constants.array(w_dq.input[1])
    w_zero = constants.array(w_dq.input[2]) if len(w_dq.input) > 2 else 0
    x_scale = constants.array(x_dq.input[1])
    if (weight is None or weight.dtype != np.int8 or w_scale is None or w_zero is None
            or np.any(w_zero) or x_scale is None):
        return None
    groups = attrs.get('group', 1)
    out_channels, group_in = weight.shape[:2]
    group_out = out_channels // groups
    packed = np.zeros((groups, -(-group_out // 4) * 4, -(-group_in // 4) * 4), np.int8)
    packed[:, :group_out, :group_in] = weight.reshape(groups, group_out, group_in)
    has_bias = len(conv.input) > 2 and conv.input[2]
    bias = constants.dequantized(conv.input[2]) if has_bias else np.zeros(out_channels)
    if bias is None:
        return None
    scale = float(x_scale) * np.broadcast_to(w_scale, (out_channels,))
    initializers = [numpy_helper.from_array(packed, f'{name}.weight'),
                    numpy_helper.from_array(scale.astype(np.float32), f'{name}.scale'),
                    numpy_helper.from_array(bias.astype(np.float32), f'{name}.bias')]
    node = helper.make_node('QuantizedPointwiseConv',
                            [x_q.input[0], x_dq.input[1], x_dq.input[2]] +
                            [t.name for t in initializers], list(conv.output), name=name,
                            domain=DOMAIN)
    return node, initializers


def with_pointwise_operator(model):
    """The QDQ ONNX ``model`` (ModelProto, quantized 1×1 convs only) with every quantized 1×1 conv
    replaced by a ``QuantizedPointwiseConv`` and every other DequantizeLinear of a quantized
    activation by the activation itself; in place, returned."""
    from onnx import helper
    graph = model.graph
    constants = _Constants(graph)
    nodes = []
    for index, node in enumerate(graph.node):
        replaced = (_pointwise_operator(node, constants, f'{node.name or "conv"}_{index}')
                    if node.op_type == 'Conv' else None)
        quantized = (node.op_type == 'DequantizeLinear' and
                     constants.producer(node.input[0], 'QuantizeLinear'))
        if replaced:
            nodes.append(replaced[0])
            graph.initializer.extend(replaced[1])
        elif quantized:
            nodes.append(helper.make_node('Identity', [quantized.input[0]], list(node.output),
                                          name=node.name))
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(_live_nodes(nodes, {o.name for o in graph.output}))
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(opset.domain == DOMAIN for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid(DOMAIN, OPSET_VERSION))
    return model


def _live_nodes(nodes: list, outputs: set) -> list:
    """``nodes`` (in graph order) less those whose outputs nothing reads."""
    live, needed = [], set(outputs)
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            live.append(node)
            needed.update(node.input)
    return live[::-1]
