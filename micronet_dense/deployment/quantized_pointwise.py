"""A QDQ int8 graph with its quantized 1×1 convs as ``QuantizedPointwiseConv`` operators.

:func:`~micronet_dense.deployment.quantize.quantize_onnx` calibrates and quantizes with
onnxruntime's tool; with ``operator=True`` it hands the QDQ graph to
:func:`with_pointwise_operator`, which writes each quantized 1×1 conv (DequantizeLinear of
QuantizeLinear of x; DequantizeLinear of int8 weights) as one operator node of the same int8
weights, scales and zero points (:mod:`.onnxruntime_operators`), and the other quantize/dequantize
steps of activations out of the graph. :func:`with_quantized_convs` moves those nodes into another
export of the same model (the one with the project's float operators, which onnxruntime's
calibration cannot run), each in place of the conv of the same weights and bias; there,
:func:`with_shift_max_merged` merges into each the ``DynamicShiftMax`` that computes its input,
where nothing else reads it.
"""
from collections import Counter
from typing import Optional

import numpy as np

from .onnx_graph import POOLS, live_nodes
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
        replaced = (_pointwise_operator(node, constants, node.name or f'conv_{index}')
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
    return _with_nodes(model, live_nodes(nodes, {o.name for o in graph.output}))


def _with_nodes(model, nodes: list):
    """``model`` with the graph nodes ``nodes``, without the initializers that no node reads, and
    importing the operators' domain; in place, returned."""
    from onnx import helper
    graph = model.graph
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(opset.domain == DOMAIN for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid(DOMAIN, OPSET_VERSION))
    return model


def _conv_key(node, constants: _Constants) -> Optional[bytes]:
    """A Conv ``node``'s identity across exports of one model: its weight and bias bytes, and
    whether it reads a pooled map (:func:`~.onnx_graph.pool_before_pointwise_conv` applies a conv
    to the pooled map, with the conv's weights, next to the conv itself); None when they are not
    initializers."""
    if any(name not in constants.arrays for name in node.input[1:]):
        return None
    pooled = any(constants.producer(node.input[0], pool) for pool in POOLS)
    return (b'pooled|' if pooled else b'|') + b''.join(
        np.ascontiguousarray(constants.arrays[name]).tobytes() + b'|' for name in node.input[1:])


def with_quantized_convs(target, float_model, int8_model):
    """``target`` (ModelProto: an export of the model that ``float_model`` is the standard export
    of, e.g. with the project's operators) with each Conv replaced by the ``QuantizedPointwiseConv``
    that ``int8_model`` (``float_model`` quantized, :func:`with_pointwise_operator`) has in place of
    the conv of ``float_model`` with the same weights and bias (reading a pooled map or not, as
    it does); in place, returned. A conv whose weights and bias are those of several such convs
    stays float32."""
    from onnx import helper, numpy_helper
    float_constants = _Constants(float_model.graph)
    float_convs = {node.name: _conv_key(node, float_constants)
                   for node in float_model.graph.node if node.op_type == 'Conv'}
    copies = Counter(float_convs.values())
    int8_arrays = _Constants(int8_model.graph).arrays
    # onnxruntime's quantizer keeps the node names, and the operator takes its conv's name.
    quantized = {float_convs[n.name]: n for n in int8_model.graph.node
                 if n.op_type == 'QuantizedPointwiseConv' and n.name in float_convs}
    target_constants = _Constants(target.graph)
    nodes = []
    for index, node in enumerate(target.graph.node):
        key = _conv_key(node, target_constants) if node.op_type == 'Conv' else None
        source = quantized.get(key) if key is not None and copies[key] == 1 else None
        if source is None:
            nodes.append(node)
            continue
        name = f'{node.name or "conv"}_{index}'
        constants = [numpy_helper.from_array(int8_arrays[input_name], f'{name}.{i}')
                     for i, input_name in enumerate(source.input[1:])]
        target.graph.initializer.extend(constants)
        nodes.append(helper.make_node('QuantizedPointwiseConv',
                                      [node.input[0]] + [t.name for t in constants],
                                      list(node.output), name=name, domain=DOMAIN))
    return _with_nodes(target, nodes)


def with_shift_max_merged(model):
    """The ONNX ``model`` (ModelProto with the operators) with every ``DynamicShiftMax`` that only
    a ``QuantizedPointwiseConv`` reads merged into it: one ``ShiftMaxQuantizedPointwiseConv``,
    which quantizes the Dynamic Shift-Max run by run as it computes it and never writes the
    float32 tensor between the two; in place, returned."""
    from onnx import helper
    graph = model.graph
    readers = Counter(name for node in graph.node for name in node.input)
    outputs = {o.name for o in graph.output}
    shift_max = {node.output[0]: node for node in graph.node
                 if node.op_type == 'DynamicShiftMax' and node.domain == DOMAIN}
    nodes = []
    for node in graph.node:
        source = (shift_max.get(node.input[0])
                  if node.op_type == 'QuantizedPointwiseConv' and node.domain == DOMAIN else None)
        if source is None or readers[node.input[0]] != 1 or node.input[0] in outputs:
            nodes.append(node)
            continue
        nodes.append(helper.make_node('ShiftMaxQuantizedPointwiseConv',
                                      list(source.input) + list(node.input[1:]),
                                      list(node.output), name=node.name, domain=DOMAIN))
    return _with_nodes(model, live_nodes(nodes, outputs))
