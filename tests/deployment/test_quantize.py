"""int8 quantization of the fused ONNX export, and the onnxruntime-backed estimator that scores
it."""
import copy
import json
import subprocess
import sys
import warnings

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from mmengine.runner import Runner

from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
from torch import nn

from micronet_dense.deployment.onnx import INPUT_NAME, export_onnx, ort_session
from micronet_dense.deployment.onnxruntime_estimator import onnxruntime_estimator
from micronet_dense.deployment.onnx_graph import pool_before_pointwise_conv
from micronet_dense.deployment.onnxruntime_operators import DOMAIN
from micronet_dense.deployment.quantize import (calibration_batches, quantize_onnx,
                                                quantize_with_operators)
from micronet_dense.deployment.quantized_pointwise import with_quantized_convs
from tests.deployment.test_onnxruntime_operators import quantized_pointwise_reference
from tests.sample_runs import POSE_SAMPLE, REPO, SEG_SAMPLE, TINY_POSE, TINY_SEG, sample_config


def _producers(graph):
    return {out: node for node in graph.node for out in node.output}


def test_quantized_graph_is_int8_qdq_on_the_pointwise_convs_and_close_to_float(
        tmp_path, build_model):
    model = build_model('pose', 'm0')
    float_path, int8_path = tmp_path / 'float.onnx', tmp_path / 'int8.onnx'
    export_onnx(model, float_path, (64, 48), fast=True)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((4, 3, 64, 48)).astype(np.float32) for _ in range(2)]
    assert quantize_onnx(float_path, int8_path, batches) == 8

    graph = onnx.load(int8_path).graph
    initializers = {i.name: i for i in graph.initializer}
    producers = _producers(graph)
    convs = [n for n in graph.node if n.op_type == 'Conv']
    kernels = {n.name: [list(a.ints) for a in n.attribute if a.name == 'kernel_shape']
               for n in convs}
    # The 1×1 convs over more than one pixel (every one but the hyper-functions' linear layers, fc1
    # and fc2 of each Dynamic Shift-Max, over the pooled vector) of 16 or more input channels per
    # group (the second dimension of the float graph's weight).
    float_graph = onnx.load(float_path).graph
    weights = {i.name: list(i.dims) for i in float_graph.initializer}
    group_in = {n.name: weights[n.input[1]][1] for n in float_graph.node if n.op_type == 'Conv'}
    pointwise = {name for name, k in kernels.items()
                 if k == [[1, 1]] and '/fc' not in name and group_in[name] >= 16}
    for conv in convs:
        weight = producers.get(conv.input[1])
        quantized = weight is not None and weight.op_type == 'DequantizeLinear'
        assert quantized == (conv.name in pointwise), conv.name
        if quantized:
            assert initializers[weight.input[0]].data_type == onnx.TensorProto.INT8
            assert producers[conv.input[0]].op_type == 'DequantizeLinear'
    assert pointwise and any('/fc' in name for name in kernels) and min(group_in.values()) < 16

    x = rng.standard_normal((2, 3, 64, 48)).astype(np.float32)
    expected = ort_session(str(float_path)).run(None, {INPUT_NAME: x})[0]
    actual = ort_session(str(int8_path)).run(None, {INPUT_NAME: x})[0]
    # 8-bit activations through ~20 quantized layers: a few percent of the output's range
    # (measured 2-3% on these random weights and inputs).
    assert np.abs(actual - expected).max() < 0.1 * np.abs(expected).max()
    assert np.abs(actual - expected).max() > 0  # it is not the float graph

    # With the operator: one node per quantized 1×1 conv, every other conv float, no Q/DQ left.
    operator_path = tmp_path / 'int8_operator.onnx'
    quantize_onnx(float_path, operator_path, batches, operator=True)
    graph = onnx.load(operator_path).graph
    types = [n.op_type for n in graph.node]
    assert types.count('QuantizedPointwiseConv') == len(pointwise)
    assert types.count('Conv') == len(kernels) - len(pointwise)
    assert not {'QuantizeLinear', 'DequantizeLinear'} & set(types)


class QuantizedPointwiseConvReference(OpRun):
    """The operator's definition in numpy, for onnx's reference evaluator."""
    op_domain = DOMAIN

    def _run(self, x, x_scale, x_zero_point, weight, scale, bias):
        groups, channels = weight.shape[0], x.shape[1]
        unpacked = weight[:, :len(scale) // groups, :channels // groups].reshape(len(scale), -1)
        return (quantized_pointwise_reference(x, x_scale, int(x_zero_point), unpacked, scale,
                                              bias),)


QuantizedPointwiseConvReference.__name__ = 'QuantizedPointwiseConv'


def _conv_pair(tmp_path):
    """A float 3×3 conv then a 1×1 conv of 2 groups of 16 → 3 channels, exported; its int8 forms
    (QDQ and with the operator) calibrated on random inputs; and one more input."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(4, 32, 3, padding=1), nn.Conv2d(32, 6, 1, groups=2)).eval()
    paths = [tmp_path / f'{name}.onnx' for name in ('float', 'qdq', 'operator')]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the TorchScript exporter
        torch.onnx.export(model, torch.randn(1, 4, 6, 5), str(paths[0]),
                          input_names=[INPUT_NAME], dynamo=False)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((1, 4, 6, 5)).astype(np.float32) for _ in range(4)]
    quantize_onnx(paths[0], paths[1], batches)
    quantize_onnx(paths[0], paths[2], batches, operator=True)
    return paths, rng.standard_normal((1, 4, 6, 5)).astype(np.float32)


def test_operator_graph_is_the_qdq_graph_without_rounding_the_conv_output(tmp_path):
    (_, qdq_path, operator_path), x = _conv_pair(tmp_path)
    qdq = onnx.load(qdq_path).graph
    initializers = {i.name: onnx.numpy_helper.to_array(i) for i in qdq.initializer}
    output_quantize = next(n for n in qdq.node if n.op_type == 'QuantizeLinear' and
                           _producers(qdq)[n.input[0]].op_type == 'Conv')
    step = initializers[output_quantize.input[1]]  # the QDQ graph rounds its output to this

    expected = ort_session(str(qdq_path)).run(None, {INPUT_NAME: x})[0]
    evaluator = ReferenceEvaluator(str(operator_path), new_ops=[QuantizedPointwiseConvReference])
    actual = evaluator.run(None, {INPUT_NAME: x})[0]
    assert np.abs(actual - expected).max() <= step / 2 + 1e-5
    assert np.abs(actual - expected).max() > 0


def test_onnxruntime_runs_the_operator_graph_as_defined(library, tmp_path):
    (float_path, _, operator_path), x = _conv_pair(tmp_path)
    evaluator = ReferenceEvaluator(str(operator_path), new_ops=[QuantizedPointwiseConvReference])
    expected = evaluator.run(None, {INPUT_NAME: x})[0]
    actual = ort_session(str(operator_path), threads=2).run(None, {INPUT_NAME: x})[0]
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


def test_calibration_batches_are_preprocessed_training_crops(tmp_path, build_model):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    batches = list(calibration_batches(cfg, build_model('pose', 'm0'), num_images=5, batch_size=2))
    assert [b.shape for b in batches] == [(2, 3, 128, 96), (2, 3, 128, 96), (1, 3, 128, 96)]
    # Normalised by the ImageNet mean and std of the data preprocessor: near zero mean, unit scale.
    pixels = np.concatenate(batches)
    assert pixels.dtype == np.float32 and abs(pixels.mean()) < 1 and 0.3 < pixels.std() < 2


def test_onnxruntime_estimator_predicts_what_the_model_predicts(tmp_path, build_model):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    model = build_model('pose', 'm0')
    path = tmp_path / 'pose.onnx'
    export_onnx(model, path, (128, 96), fast=True)
    batch = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
    with torch.no_grad():  # predict writes into the batch's data samples: one copy each
        expected = model.test_step(copy.deepcopy(batch))
        actual = onnxruntime_estimator(model, str(path)).test_step(copy.deepcopy(batch))
    assert len(expected) == len(actual) > 0
    for e, a in zip(expected, actual):
        np.testing.assert_allclose(a.pred_instances.keypoints, e.pred_instances.keypoints,
                                   atol=1e-2)
        np.testing.assert_allclose(a.pred_instances.keypoint_scores,
                                   e.pred_instances.keypoint_scores, atol=1e-4)


def test_quantize_tool_scores_float32_and_int8(tmp_path, seg_checkpoint):
    config = tmp_path / 'seg.py'
    sample_config(SEG_SAMPLE, tmp_path, 1, **TINY_SEG).dump(config)
    out = tmp_path / 'seg_int8.onnx'
    printed = subprocess.run(
        [sys.executable, 'tools/deployment/quantize_onnx.py', str(config), seg_checkpoint,
         str(out), '--calib-images', '2', '--evaluate', '--iters', '2',
         '--work-dir', str(tmp_path / 'work')],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    report = json.loads(printed.strip().splitlines()[-1])
    assert out.is_file() and report['calibration_images'] == 2
    assert 'DequantizeLinear' in {n.op_type for n in onnx.load(out).graph.node}
    for name in ('float32', 'int8'):
        assert 0 <= report[name]['mIoU'] <= 100 and report[name]['latency_ms'] > 0
    assert report['int8_speedup'] > 0


def test_operator_rejects_a_weight_of_the_wrong_layout(library, tmp_path):
    (_, _, operator_path), x = _conv_pair(tmp_path)
    model = onnx.load(operator_path)
    node = next(n for n in model.graph.node if n.op_type == 'QuantizedPointwiseConv')
    weight = next(t for t in model.graph.initializer if t.name == node.input[3])
    unpadded = onnx.numpy_helper.to_array(weight)[:, :3, :]  # (G, Mg, Kg4): output not padded
    weight.CopyFrom(onnx.numpy_helper.from_array(np.ascontiguousarray(unpadded), weight.name))
    onnx.save(model, str(tmp_path / 'bad.onnx'))
    with pytest.raises(Exception, match=r'QuantizedPointwiseConv: weight must be \(G, Mg4, Kg4\)'):
        ort_session(str(tmp_path / 'bad.onnx')).run(None, {INPUT_NAME: x})


def test_quantized_convs_move_into_another_export_of_the_model(tmp_path):
    # The float graph itself as the other export: it must become the operator graph.
    (float_path, _, operator_path), x = _conv_pair(tmp_path)
    moved = with_quantized_convs(onnx.load(float_path), onnx.load(float_path),
                                 onnx.load(operator_path))
    assert [n.op_type for n in moved.graph.node] == ['Conv', 'QuantizedPointwiseConv']
    evaluate = [ReferenceEvaluator(model, new_ops=[QuantizedPointwiseConvReference])
                for model in (moved, onnx.load(operator_path))]
    actual, expected = (e.run(None, {INPUT_NAME: x})[0] for e in evaluate)
    np.testing.assert_array_equal(actual, expected)


class WideningConvAndItsMean(nn.Module):
    """A 3×3 conv, a 1×1 conv that widens 2 groups of 16 channels to 2 of 24, and the spatial
    mean of that conv's output, which the export computes with a copy of the conv
    (:func:`pool_before_pointwise_conv`)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv3 = nn.Conv2d(4, 32, 3, padding=1)
        self.conv1 = nn.Conv2d(32, 48, 1, groups=2)

    def forward(self, x):
        y = self.conv1(self.conv3(x))
        return y, F.adaptive_avg_pool2d(y, 1)


def test_quantized_conv_is_told_apart_from_its_pooled_copy(tmp_path):
    torch.manual_seed(0)
    float_path, int8_path = tmp_path / 'float.onnx', tmp_path / 'int8.onnx'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the TorchScript exporter
        torch.onnx.export(WideningConvAndItsMean().eval(), torch.randn(1, 4, 6, 5),
                          str(float_path), input_names=[INPUT_NAME], dynamo=False)
    onnx.save(pool_before_pointwise_conv(onnx.load(float_path)), float_path)
    rng = np.random.default_rng(0)
    quantize_onnx(float_path, int8_path, [rng.standard_normal((1, 4, 6, 5)).astype(np.float32)],
                  operator=True)
    moved = with_quantized_convs(onnx.load(float_path), onnx.load(float_path),
                                 onnx.load(int8_path))
    # The conv over the map is quantized; its copy over the pooled pixel stays float32.
    assert [n.op_type for n in moved.graph.node] == [
        'Conv', 'QuantizedPointwiseConv', 'GlobalAveragePool', 'Conv']


@pytest.fixture(scope='module')
def int8_with_operators(tmp_path_factory, build_model):
    """m0 pose exported with the operators (float32) and quantized with them (int8): their paths,
    and one more input."""
    folder = tmp_path_factory.mktemp('int8_with_operators')
    float_path, int8_path = folder / 'float.onnx', folder / 'int8.onnx'
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((4, 3, 64, 48)).astype(np.float32) for _ in range(2)]
    images = quantize_with_operators(build_model('pose', 'm0'), str(float_path), str(int8_path),
                                     (64, 48), batches)
    assert images == 8
    return float_path, int8_path, rng.standard_normal((2, 3, 64, 48)).astype(np.float32)


def test_int8_with_operators_quantizes_the_pointwise_convs_of_the_operator_export(
        library, int8_with_operators):
    float_path, int8_path, x = int8_with_operators
    graphs = [onnx.load(path).graph for path in (float_path, int8_path)]
    weights = {i.name: list(i.dims) for i in graphs[0].initializer}
    # Every 1×1 conv of 16 or more input channels per group (the linear layers are Gemms here).
    pointwise = [n for n in graphs[0].node if n.op_type == 'Conv' and
                 weights[n.input[1]][2:] == [1, 1] and weights[n.input[1]][1] >= 16]
    before, after = ([n.op_type for n in graph.node] for graph in graphs)
    merged = after.count('ShiftMaxQuantizedPointwiseConv')
    assert len(pointwise) > 0 and after.count('QuantizedPointwiseConv') + merged == len(pointwise)
    assert after.count('Conv') == before.count('Conv') - len(pointwise)
    # The Dynamic Shift-Max layers that only a quantized conv reads are merged into it; the others
    # (before float convs) stay.
    assert merged > 0 and after.count('DynamicShiftMax') > 0
    assert after.count('DynamicShiftMax') + merged == before.count('DynamicShiftMax')

    expected, actual = (ort_session(str(path)).run(None, {INPUT_NAME: x})[0]
                        for path in (float_path, int8_path))
    assert 0 < np.abs(actual - expected).max() < 0.1 * np.abs(expected).max()


def test_merged_shift_max_conv_computes_what_the_two_operators_compute(
        library, int8_with_operators, tmp_path):
    _, int8_path, x = int8_with_operators
    # Each merged node written back as the two operators it stands for.
    model = onnx.load(int8_path)
    nodes = []
    for node in model.graph.node:
        if node.op_type != 'ShiftMaxQuantizedPointwiseConv':
            nodes.append(node)
            continue
        between = f'{node.name}/shift_max'
        nodes += [onnx.helper.make_node('DynamicShiftMax', node.input[:4], [between],
                                        domain=DOMAIN),
                  onnx.helper.make_node('QuantizedPointwiseConv', [between, *node.input[4:]],
                                        node.output, domain=DOMAIN)]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.save(model, str(tmp_path / 'two_operators.onnx'))
    for threads in (1, 2):
        expected, actual = (ort_session(str(path), threads=threads).run(None, {INPUT_NAME: x})[0]
                            for path in (tmp_path / 'two_operators.onnx', int8_path))
        np.testing.assert_array_equal(actual, expected)
