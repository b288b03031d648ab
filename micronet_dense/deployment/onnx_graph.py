"""Rewrites of exported ONNX graphs that keep what they compute.

* :func:`pool_before_pointwise_conv`: an average pool of a widening 1×1 conv's output becomes the
  same conv of the pooled input. Both are affine per pixel and the pool's weights sum to one, so
  the two commute; the pool then reads the conv's narrower input. In MicroNet segmentation the
  MR-ASPP attention pools the backbone's last output, the 864 channels (m3) that the final group
  conv widens from 144: pooled before that conv, it reads a sixth of the tensor.
* :func:`live_nodes`: the nodes that the graph's outputs still need.
"""
from typing import Iterable, List

POOLS = ('AveragePool', 'GlobalAveragePool')


def live_nodes(nodes: List, outputs: Iterable[str]) -> List:
    """``nodes`` (in graph order) less those whose outputs nothing reads."""
    live, needed = [], set(outputs)
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            live.append(node)
            needed.update(node.input)
    return live[::-1]


def _attributes(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _is_widening_pointwise_conv(node, weights: dict) -> bool:
    """A Conv of a 1×1 kernel, stride 1 and no padding (an affine map of each pixel) with more
    output than input channels; ``weights``: the initializers' shapes."""
    attrs = _attributes(node)
    shape = weights.get(node.input[1])
    return (node.op_type == 'Conv' and attrs.get('kernel_shape') == [1, 1]
            and shape is not None and shape[0] > shape[1] * attrs.get('group', 1)
            and all(v == 1 for v in attrs.get('strides', [1]))
            and not any(attrs.get('pads', [0]))
            and attrs.get('auto_pad', b'NOTSET') in (b'NOTSET', b'VALID'))


def _averages(node) -> bool:
    """A pool whose every output is a mean of input values (weights summing to one): no padding
    (a padded window would count zeros)."""
    attrs = _attributes(node)
    return node.op_type == 'GlobalAveragePool' or (
        node.op_type == 'AveragePool' and not any(attrs.get('pads', [0]))
        and attrs.get('auto_pad', b'NOTSET') in (b'NOTSET', b'VALID'))


def pool_before_pointwise_conv(model):
    """The ONNX ``model`` (ModelProto) with every average pool (AveragePool without padding,
    GlobalAveragePool) of a widening 1×1 conv's output computed as that conv of the pooled conv
    input; the conv stays where something else reads its output. In place, returned."""
    from onnx import helper
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    weights = {t.name: list(t.dims) for t in graph.initializer}
    nodes = []
    for node in graph.node:
        conv = producers.get(node.input[0]) if node.op_type in POOLS else None
        if (conv is None or not _is_widening_pointwise_conv(conv, weights)
                or not _averages(node)):
            nodes.append(node)
            continue
        pooled = f'{node.output[0]}/conv_input'
        nodes.append(helper.make_node(node.op_type, [conv.input[0]], [pooled], name=node.name,
                                      **_attributes(node)))
        nodes.append(helper.make_node('Conv', [pooled, *conv.input[1:]], list(node.output),
                                      name=node.name and f'{node.name}/conv',
                                      **_attributes(conv)))
    del graph.node[:]
    graph.node.extend(live_nodes(nodes, [o.name for o in graph.output]))
    return model
