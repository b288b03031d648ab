"""The project's onnxruntime operators: their export, their C kernels, and onnxruntime with their
library (when onnxruntime's C API header is available: ``$ORT_INCLUDE_DIR``)."""
import ctypes
import io
import warnings

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

from micronet_dense.deployment import fuse_model
from micronet_dense.deployment.onnx import export_onnx, ort_session
from micronet_dense.deployment.kernel_library import (KERNEL_SOURCES, OperatorUnavailable,
                                                      compile_shared_library)
from micronet_dense.deployment.onnxruntime_operators import (DOMAIN, INCLUDE_DIR_VARIABLE,
                                                             OPSET_VERSION, OperatorDepthwise,
                                                             OperatorShiftMax, OperatorStem,
                                                             PointwiseMatMul,
                                                             is_blocked_layout_pointwise,
                                                             resize_as_operator,
                                                             uses_operators, with_operators)
from micronet_dense.models.layers import (ChannelPermutation, DynamicShiftMax,
                                          FusedDynamicShiftMax, SpatialSeparableConv, shift_max)


class DynamicShiftMaxReference(OpRun):
    """The operator's definition in numpy, for onnx's reference evaluator."""
    op_domain = DOMAIN

    def _run(self, x, coef, index1, index2):
        c = x.shape[1]
        coef = coef.reshape(x.shape[0], -1, c, 1, 1)
        fusions = [coef[:, 2 * k] * x[:, index1] + coef[:, 2 * k + 1] * x[:, index2]
                   for k in range(coef.shape[1] // 2)]
        return (np.maximum.reduce(fusions),)


DynamicShiftMaxReference.__name__ = 'DynamicShiftMax'


class ResizeBilinearReference(OpRun):
    """The operator's definition: PyTorch's bilinear interpolation to the given size."""
    op_domain = DOMAIN

    def _run(self, x, size):
        return (F.interpolate(torch.from_numpy(x), size=tuple(size), mode='bilinear',
                              align_corners=False).numpy(),)


ResizeBilinearReference.__name__ = 'ResizeBilinear'


class MicroFactorizedDepthwiseReference(OpRun):
    """The operator's definition: PyTorch's k×1 then 1×k depthwise convs."""
    op_domain = DOMAIN

    def _run(self, x, w1, bias1, w2, bias2, config):
        stride, dilation, padding = (int(v) for v in config)
        x, w1, bias1, w2, bias2 = map(torch.tensor, (x, w1, bias1, w2, bias2))
        mid = F.conv2d(x, w1, bias1, (stride, 1), (padding, 0), (dilation, 1), groups=x.shape[1])
        return (F.conv2d(mid, w2, bias2, (1, stride), (0, padding), (1, dilation),
                         groups=mid.shape[1]).numpy(),)


MicroFactorizedDepthwiseReference.__name__ = 'MicroFactorizedDepthwise'


class MicroNetStemReference(OpRun):
    """The operator's definition: PyTorch's k×1 conv, depthwise 1×k conv, gather and ReLU6."""
    op_domain = DOMAIN

    def _run(self, x, w1, bias1, w2, bias2, index, config):
        stride, dilation, padding = (int(v) for v in config)
        x, w1, bias1, w2, bias2, index = map(torch.tensor, (x, w1, bias1, w2, bias2, index))
        mid = F.conv2d(x, w1, bias1, (stride, 1), (padding, 0), (dilation, 1))
        y = F.conv2d(mid, w2, bias2, (1, stride), (0, padding), (1, dilation), groups=mid.shape[1])
        return (F.relu6(y[:, index]).numpy(),)


MicroNetStemReference.__name__ = 'MicroNetStem'
REFERENCE_OPS = [DynamicShiftMaxReference, ResizeBilinearReference,
                 MicroFactorizedDepthwiseReference, MicroNetStemReference]


def _random_dsm(channels, fusions, groups, seed):
    torch.manual_seed(seed)
    dsm = DynamicShiftMax(channels, 4, fusions, groups).eval()
    for fc in (dsm.fc1, dsm.fc2):
        torch.nn.init.normal_(fc.weight, 0, 0.5)
        torch.nn.init.normal_(fc.bias, 0, 0.5)
    return dsm


def _export(model, x):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the TorchScript exporter
        warnings.simplefilter('ignore', torch.jit.TracerWarning)  # static shapes, as intended
        torch.onnx.export(model, (x,), buffer, dynamo=False, opset_version=17,
                          custom_opsets={DOMAIN: OPSET_VERSION})
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize('fusions', [1, 2])
@pytest.mark.parametrize('permuted', [False, True], ids=['plain', 'permuted'])
def test_export_is_one_node_that_means_the_fused_layer(fusions, permuted):
    dsm = _random_dsm(24, fusions, 3, seed=fusions)
    generator = torch.Generator().manual_seed(1)
    perms = ([torch.randperm(24, generator=generator) for _ in range(2)] if permuted
             else [None, None])
    fused = dsm.fuse(*perms)
    x = torch.randn(2, 24, 5, 7, generator=generator)
    model = _export(OperatorShiftMax(fused), x)
    assert uses_operators(model)
    assert [n.op_type for n in model.graph.node if n.domain == DOMAIN] == ['DynamicShiftMax']
    # Of the standard form's element-wise nodes only the coefficients' clamp (Max, Min) remains;
    # the hyper-function's FCs are Gemms on the pooled vector (no 1×1 convs, which onnxruntime
    # would run in its blocked layout), and the coefficients reach the operator as (B, 2K·C).
    op_types = [n.op_type for n in model.graph.node]
    assert not {'Gather', 'Mul', 'Add', 'Conv', 'Unsqueeze'} & set(op_types)
    assert op_types.count('Max') == 1 and op_types.count('Gemm') == 2
    actual = ReferenceEvaluator(model, new_ops=REFERENCE_OPS).run(None, {
        model.graph.input[0].name: x.numpy()})[0]
    with torch.no_grad():
        expected = dsm(x if perms[0] is None else x[:, perms[0]])
    if perms[1] is not None:
        expected = expected[:, perms[1]]
    np.testing.assert_allclose(actual, expected.numpy(), rtol=0, atol=1e-5)


def test_depthwise_export_is_one_node_that_means_both_convs(fused_separable):
    # Channel multipliers 2 and 3, stride 2, dilation 2: each case of the operator's definition.
    conv = fused_separable(4, 8, 24, 5, 2, 2, (4, 8), seed=0)
    x = torch.randn(2, 4, 11, 9, generator=torch.Generator().manual_seed(1))
    model = _export(OperatorDepthwise(conv), x)
    assert [n.op_type for n in model.graph.node if n.op_type != 'Constant'] == [
        'MicroFactorizedDepthwise']
    actual = ReferenceEvaluator(model, new_ops=REFERENCE_OPS).run(None, {
        model.graph.input[0].name: x.numpy()})[0]
    with torch.no_grad():
        expected = conv(x)
    assert actual.shape == (2, 24, 6, 5)
    np.testing.assert_allclose(actual, expected.numpy(), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match='depthwise groups'):
        OperatorDepthwise(fused_separable(4, 8, 8, 3, 1, 1, (1, 8), seed=0))


def test_stem_export_is_one_node_that_means_stem_shuffle_and_relu6(fused_separable):
    stem = fused_separable(3, 4, 12, 3, 2, 1, (1, 4), seed=0)
    shuffle = ChannelPermutation(torch.randperm(12, generator=torch.Generator().manual_seed(0)))
    x = 8 * torch.randn(2, 3, 11, 9, generator=torch.Generator().manual_seed(1))
    model = _export(OperatorStem(stem, shuffle), x)
    assert [n.op_type for n in model.graph.node if n.op_type != 'Constant'] == ['MicroNetStem']
    actual = ReferenceEvaluator(model, new_ops=REFERENCE_OPS).run(None, {
        model.graph.input[0].name: x.numpy()})[0]
    with torch.no_grad():
        expected = F.relu6(shuffle(stem(x)))
    assert actual.shape == (2, 12, 6, 5) and (expected == 6).any() and (expected == 0).any()
    np.testing.assert_allclose(actual, expected.numpy(), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match='no groups'):
        OperatorStem(fused_separable(4, 8, 24, 3, 2, 1, (4, 8), seed=0), shuffle)


def _random_conv(in_channels, out_channels, kernel=1, groups=1, bias=True, padding=0, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Conv2d(in_channels, out_channels, kernel, groups=groups, bias=bias,
                           padding=padding).eval()


def test_pointwise_export_is_a_matmul_that_means_the_conv():
    conv = _random_conv(32, 48, groups=2)
    x = torch.randn(3, 32, 5, 7, generator=torch.Generator().manual_seed(1))
    model = _export(PointwiseMatMul(conv), x)
    assert 'MatMul' in {n.op_type for n in model.graph.node}
    assert 'Conv' not in {n.op_type for n in model.graph.node}
    actual = ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x.numpy()})[0]
    with torch.no_grad():
        expected = conv(x)
    np.testing.assert_allclose(actual, expected.numpy(), rtol=0, atol=1e-5)
    for other in (_random_conv(32, 48, kernel=3), _random_conv(32, 48, padding=1)):
        with pytest.raises(ValueError, match='1×1 conv'):
            PointwiseMatMul(other)


@pytest.mark.parametrize('conv, blocked', [
    (_random_conv(32, 48, groups=2), True),   # 16 → 24 channels per group
    (_random_conv(16, 1), True),              # no groups: only the input channels count
    (_random_conv(40, 60, groups=2), False),  # 20 → 30 per group
    (_random_conv(64, 12, groups=4), False),  # 16 → 3 per group
    (_random_conv(3, 16), False),
    (_random_conv(16, 16, kernel=3), False),
    (_random_conv(16, 16, bias=False), False),
    (_random_conv(16, 16, padding=1), False),  # a larger output than a MatMul gives
])
def test_blocked_layout_pointwise_convs_are_those_with_whole_blocks(conv, blocked):
    assert is_blocked_layout_pointwise(conv) == blocked


def test_every_fused_layer_of_a_model_is_wrapped(build_model):
    fused = fuse_model(build_model('pose', 'm0'))
    shift_max_count = sum(isinstance(m, FusedDynamicShiftMax) for m in fused.modules())
    separable = [m for m in fused.modules() if isinstance(m, SpatialSeparableConv)]
    with_operators(fused)
    assert shift_max_count > 10
    assert sum(isinstance(m, OperatorShiftMax) for m in fused.modules()) == shift_max_count
    assert not any(isinstance(m, FusedDynamicShiftMax) and not isinstance(p, OperatorShiftMax)
                   for p in fused.modules() for m in p.children())
    # Every depthwise one, not the stem (its k×1 conv is a full conv over the RGB channels).
    wrapped = [m.conv for m in fused.modules() if isinstance(m, OperatorDepthwise)]
    assert len(wrapped) == len(separable) - 1 and fused.backbone.stem not in wrapped
    # The pose head's attention convs and final conv, among others, run as MatMuls.
    assert sum(isinstance(m, PointwiseMatMul) for m in fused.modules()) >= 4
    # (The Dynamic Shift-Max FCs, 1×1 convs of the fused layer, export as Gemms instead.)
    in_shift_max = {id(m) for s in fused.modules() if isinstance(s, OperatorShiftMax)
                    for m in s.modules()}
    assert not any(is_blocked_layout_pointwise(m) for m in fused.modules()
                   if id(m) not in in_shift_max)


class Resizes(torch.nn.Module):
    """Bilinear resizes by size, by a whole factor and by a factor giving no whole size."""

    def forward(self, x):
        return (F.interpolate(x, size=(7, 3), mode='bilinear', align_corners=False),
                F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False),
                F.interpolate(x, scale_factor=1.5, mode='bilinear', align_corners=False),
                F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True))


def test_resize_export_is_one_node_where_the_sampling_matches():
    x = torch.randn(2, 3, 5, 4, generator=torch.Generator().manual_seed(0))
    interpolate = F.interpolate
    with resize_as_operator():
        model = _export(Resizes(), x)
    assert F.interpolate is interpolate
    # size and ×2 become the operator; ×1.5 of 5 rows (7.5) and align_corners stay Resize.
    assert [n.op_type for n in model.graph.node if n.op_type != 'Constant'] == [
        'ResizeBilinear', 'ResizeBilinear', 'Resize', 'Resize']
    actual = ReferenceEvaluator(model, new_ops=REFERENCE_OPS).run(
        None, {model.graph.input[0].name: x.numpy()})
    for a, e in zip(actual, Resizes()(x)):
        np.testing.assert_allclose(a, e.numpy(), rtol=0, atol=1e-6)


@pytest.fixture(scope='module')
def kernels():
    try:
        return ctypes.CDLL(compile_shared_library(KERNEL_SOURCES))
    except OperatorUnavailable as err:
        pytest.skip(str(err))


# Rows of 8 and 256 floats keep the streamed stores aligned, rows of 12 every other row, rows of
# 4 and 5 leave them to the plain loop.
@pytest.mark.parametrize('in_size, out_size', [((5, 4), (10, 8)), ((16, 32), (128, 256)),
                                               ((7, 9), (3, 4)), ((1, 3), (2, 5)),
                                               ((6, 5), (9, 12))])
@pytest.mark.parametrize('stream', [0, 1], ids=['cached', 'streamed'])
def test_c_resize_kernel_matches_pytorch(kernels, in_size, out_size, stream):
    i64, f32 = ctypes.c_int64, ctypes.c_void_p
    kernels.micronet_resize_bilinear_columns.argtypes = [i64, i64, f32, f32]
    kernels.micronet_resize_bilinear_rows.argtypes = [f32, f32] + [i64] * 4 + [f32, f32, i64, i64,
                                                                              f32, ctypes.c_int]
    x = torch.randn(2, 3, *in_size, generator=torch.Generator().manual_seed(0))
    expected = F.interpolate(x, size=out_size, mode='bilinear', align_corners=False)
    left = torch.empty(out_size[1], dtype=torch.int64)
    weight = torch.empty(out_size[1])
    kernels.micronet_resize_bilinear_columns(in_size[1], out_size[1], left.data_ptr(),
                                             weight.data_ptr())
    out = torch.full_like(expected, float('nan'))
    # Scratch the kernel writes before it reads; two callers, the second starting inside a plane.
    buffers = torch.full((2 * out_size[1],), float('nan'))
    rows = 2 * 3 * out_size[0]
    for begin, end in ((0, rows // 3 + 1), (rows // 3 + 1, rows)):
        kernels.micronet_resize_bilinear_rows(x.data_ptr(), out.data_ptr(), *in_size, *out_size,
                                              left.data_ptr(), weight.data_ptr(), begin, end,
                                              buffers.data_ptr(), stream)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize('fusions', [1, 2])
def test_c_shift_max_kernel_matches_pytorch(kernels, fusions):
    kernel = kernels.micronet_dynamic_shift_max_rows
    kernel.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int64] * 5
    generator = torch.Generator().manual_seed(fusions)
    b, c, h, w = 2, 12, 5, 6
    x = torch.randn(b, c, h, w, generator=generator)
    coef = torch.randn(b, 2 * fusions * c, 1, 1, generator=generator)
    index1, index2 = (torch.randperm(c, generator=generator) for _ in range(2))
    expected = shift_max(x, coef, index1, index2)
    out = torch.full_like(x, float('nan'))
    # Two calls over disjoint row ranges, as onnxruntime's threads make them.
    for begin, end in ((0, 7), (7, b * c)):
        kernel(x.data_ptr(), coef.data_ptr(), index1.data_ptr(), index2.data_ptr(),
               out.data_ptr(), c, h * w, fusions, begin, end)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)


class PointwiseShape(ctypes.Structure):
    """MicronetPointwiseShape of kernels.h."""
    _fields_ = [(name, ctypes.c_int64) for name in ('channels', 'out_channels', 'groups', 'plane')]


def quantized_pointwise_reference(x, x_scale, zero_point, weight, scale, bias):
    """QuantizedPointwiseConv in numpy: ``weight`` (O, C/G) int8 unpacked, integer sums in int64."""
    b, c, h, w = x.shape
    groups = c // weight.shape[1]
    q = np.clip(np.round(x / np.float32(x_scale)) + zero_point, 0, 255).astype(np.int64)
    sums = np.einsum('gok,bgkp->bgop',
                     weight.astype(np.int64).reshape(groups, -1, weight.shape[1]),
                     (q - zero_point).reshape(b, groups, -1, h * w))
    return (sums.reshape(b, -1, h, w) * scale[:, None, None] + bias[:, None, None]).astype(
        np.float32)


def packed_pointwise_weight(weight, groups):
    """(O, C/G) int8 → (G, Mg4, Kg4): MicroNet's operator layout, zero-padded to blocks of 4."""
    out_channels, group_in = weight.shape
    group_out = out_channels // groups
    packed = np.zeros((groups, -(-group_out // 4) * 4, -(-group_in // 4) * 4), np.int8)
    packed[:, :group_out, :group_in] = weight.reshape(groups, group_out, group_in)
    return packed


def random_quantized_pointwise(channels, out_channels, groups, size, batch, zero_point, seed):
    """Inputs of QuantizedPointwiseConv whose quantization clamps at both ends."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((batch, channels, *size)) * 3).astype(np.float32)
    weight = rng.integers(-128, 128, (out_channels, channels // groups)).astype(np.int8)
    scale = ((rng.random(out_channels) + 0.5) * 1e-3).astype(np.float32)
    bias = rng.standard_normal(out_channels).astype(np.float32)
    return x, np.float32(0.03), zero_point, weight, scale, bias


class ShiftMax(ctypes.Structure):
    """MicronetShiftMax of kernels.h."""
    _fields_ = [('coef', ctypes.c_void_p), ('index1', ctypes.c_void_p),
                ('index2', ctypes.c_void_p), ('fusions', ctypes.c_int64)]


# (C, O, G, H×W, B, zero point): channels per group of no whole block of 4 (in and out), planes
# of no whole block of 64 pixels (and of one pixel, as the hyper-function's FC layers; and of more
# than one row of 1024 pixels), zero points at both ends; x spans ±9, far beyond the 255 × 0.03
# that uint8 holds. With a Dynamic Shift-Max of 1 or 2 fusions before the conv, or none.
@pytest.mark.parametrize('channels, out_channels, groups, size, batch, zero_point', [
    (12, 10, 2, (5, 7), 2, 128), (8, 3, 1, (1, 1), 3, 0), (16, 24, 4, (9, 9), 1, 255),
    (64, 32, 2, (8, 16), 1, 100), (20, 8, 2, (33, 40), 2, 90)])
@pytest.mark.parametrize('fusions', [0, 1, 2], ids=['conv', 'shift_max1', 'shift_max2'])
def test_c_quantized_pointwise_kernel_matches_integer_arithmetic(
        kernels, channels, out_channels, groups, size, batch, zero_point, fusions):
    pointer, i64 = ctypes.c_void_p, ctypes.c_int64
    shape_pointer = ctypes.POINTER(PointwiseShape)
    compensation = kernels.micronet_quantized_pointwise_compensation
    compensation.argtypes = [pointer, ctypes.c_int32, shape_pointer, pointer]
    run = kernels.micronet_quantized_pointwise_rows
    run.argtypes = [pointer, ctypes.POINTER(ShiftMax)] + [pointer] * 5 + [
        shape_pointer, ctypes.c_float, ctypes.c_int32, pointer, i64, i64]
    for count in (kernels.micronet_quantized_pointwise_blocks,
                  kernels.micronet_quantized_pointwise_scratch):
        count.argtypes, count.restype = [shape_pointer], i64
    x, x_scale, zero_point, weight, scale, bias = random_quantized_pointwise(
        channels, out_channels, groups, size, batch, zero_point, seed=channels)
    conv_input, shift_max_input = x, None
    if fusions:
        rng = np.random.default_rng(channels)
        coef = rng.standard_normal((batch, 2 * fusions * channels)).astype(np.float32)
        index1, index2 = (rng.permutation(channels) for _ in range(2))
        # Each product rounded to float32, then the sum (PyTorch's addcmul may fuse them).
        a = coef.reshape(batch, 2 * fusions, channels, 1, 1)
        conv_input = np.max([a[:, 2 * k] * x[:, index1] + a[:, 2 * k + 1] * x[:, index2]
                             for k in range(fusions)], axis=0)
        shift_max_input = ShiftMax(coef.ctypes.data, index1.ctypes.data, index2.ctypes.data,
                                   fusions)
    expected = quantized_pointwise_reference(conv_input, x_scale, zero_point, weight, scale,
                                             bias)
    shape = PointwiseShape(channels, out_channels, groups, size[0] * size[1])
    packed_weight = packed_pointwise_weight(weight, groups)
    sums = np.zeros(out_channels, np.int32)
    compensation(packed_weight.ctypes.data, zero_point, shape, sums.ctypes.data)
    # Garbage where the kernel writes before it reads; two callers, as threads are.
    scratch = np.full(kernels.micronet_quantized_pointwise_scratch(shape), 0xDEADBEEF, np.uint32)
    out = np.full(expected.shape, np.nan, np.float32)
    rows = batch * groups * kernels.micronet_quantized_pointwise_blocks(shape)
    for begin, end in ((0, rows // 2 + 1), (rows // 2 + 1, rows)):
        run(x.ctypes.data, shift_max_input, packed_weight.ctypes.data, sums.ctypes.data,
            scale.ctypes.data, bias.ctypes.data, out.ctypes.data, shape, x_scale, zero_point,
            scratch.ctypes.data, begin, end)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


class DepthwiseShape(ctypes.Structure):
    """MicronetDepthwiseShape of kernels.h."""
    _fields_ = [(name, ctypes.c_int64) for name in (
        'in_channels', 'mid_channels', 'mult1', 'mult2', 'in_height', 'in_width', 'out_height',
        'out_width', 'kernel', 'stride', 'dilation', 'padding')]


# (C, multipliers, H, W, k, stride, dilation): MicroNet's 3 and 5 taps at stride 1 and 2, a kernel
# size and dilation of no specialised loop, maps narrower than the padding, wide rows.
@pytest.mark.parametrize('channels, mults, size, kernel, stride, dilation', [
    (6, (1, 1), (32, 24), 5, 1, 1), (3, (2, 2), (13, 10), 3, 2, 1), (4, (1, 3), (9, 7), 5, 2, 1),
    (2, (1, 1), (12, 9), 7, 1, 3), (3, (1, 1), (2, 1), 5, 1, 1), (2, (1, 1), (5, 300), 3, 1, 1),
    (2, (1, 2), (5, 1023), 5, 2, 2)])
def test_c_depthwise_kernel_matches_pytorch(fused_separable, kernels, channels, mults, size,
                                            kernel, stride, dilation):
    run = kernels.micronet_micro_factorized_depthwise_rows
    run.argtypes = [ctypes.c_void_p] * 6 + [ctypes.POINTER(DepthwiseShape), ctypes.c_void_p,
                                            ctypes.c_int64, ctypes.c_int64]
    scratch = kernels.micronet_micro_factorized_depthwise_scratch
    scratch.argtypes, scratch.restype = [ctypes.POINTER(DepthwiseShape)], ctypes.c_int64
    mid, padding = channels * mults[0], dilation * (kernel // 2)
    conv = fused_separable(channels, mid, mid * mults[1], kernel, stride, dilation,
                             (channels, mid), seed=kernel)
    x = torch.randn(2, channels, *size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = conv(x)
    kx1, one_by_k = conv.conv_kx1, conv.conv_1xk
    shape = DepthwiseShape(channels, mid, *mults, *size, *expected.shape[-2:], kernel, stride,
                           dilation, padding)
    # NaN scratch: the kernel reads only what it wrote (its zero padding included).
    buffer = torch.full((scratch(ctypes.byref(shape)),), float('nan'))
    out = torch.full_like(expected, float('nan'))
    # Two calls over disjoint (sample, channel) planes, as onnxruntime's threads make them.
    for begin, end in ((0, 3), (3, 2 * mid)):
        run(x.data_ptr(), kx1.weight.data_ptr(), kx1.bias.data_ptr(), one_by_k.weight.data_ptr(),
            one_by_k.bias.data_ptr(), out.data_ptr(), ctypes.byref(shape), buffer.data_ptr(),
            begin, end)
    torch.testing.assert_close(out, expected, rtol=0, atol=2e-5)


# (C, M, multiplier, H, W, k, stride): MicroNet m3's stem (3 -> 4 -> 12, stride 2) on an odd size
# and on bands of one row (2048 columns), m0's (3 -> 2 -> 4), a stride-1 case.
@pytest.mark.parametrize('channels, mid, mult, size, kernel, stride', [
    (3, 4, 3, (37, 29), 3, 2), (3, 4, 3, (6, 2048), 3, 2), (3, 2, 2, (16, 12), 3, 2),
    (2, 3, 2, (9, 11), 5, 1)])
def test_c_stem_kernel_matches_pytorch(fused_separable, kernels, channels, mid, mult, size,
                                       kernel, stride):
    run = kernels.micronet_micro_factorized_stem_rows
    run.argtypes = [ctypes.c_void_p] * 7 + [ctypes.POINTER(DepthwiseShape), ctypes.c_void_p,
                                            ctypes.c_int64, ctypes.c_int64]
    for name in ('micronet_micro_factorized_stem_scratch', 'micronet_micro_factorized_stem_bands'):
        getattr(kernels, name).argtypes = [ctypes.POINTER(DepthwiseShape)]
        getattr(kernels, name).restype = ctypes.c_int64
    conv = fused_separable(channels, mid, mid * mult, kernel, stride, 1, (1, mid), seed=kernel)
    index = torch.randperm(mid * mult, generator=torch.Generator().manual_seed(3))
    x = 4 * torch.randn(2, channels, *size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = F.relu6(conv(x)[:, index])
    kx1, one_by_k = conv.conv_kx1, conv.conv_1xk
    shape = DepthwiseShape(channels, mid, 0, mult, *size, *expected.shape[-2:], kernel, stride, 1,
                           kernel // 2)
    destination = torch.argsort(index)
    buffer = torch.full((kernels.micronet_micro_factorized_stem_scratch(ctypes.byref(shape)),),
                        float('nan'))
    out = torch.full_like(expected, float('nan'))
    rows = 2 * kernels.micronet_micro_factorized_stem_bands(ctypes.byref(shape))
    # Two calls over disjoint (sample, band) rows, as onnxruntime's threads make them.
    for begin, end in ((0, rows // 2 + 1), (rows // 2 + 1, rows)):
        run(x.data_ptr(), kx1.weight.data_ptr(), kx1.bias.data_ptr(), one_by_k.weight.data_ptr(),
            one_by_k.bias.data_ptr(), destination.data_ptr(), out.data_ptr(), ctypes.byref(shape),
            buffer.data_ptr(), begin, end)
    assert 0 < (expected == 0).float().mean() < 1 and (expected == 6).any()  # ReLU6 clamps both
    torch.testing.assert_close(out, expected, rtol=0, atol=2e-5)


def _elementwise(graph) -> int:
    """Element-wise nodes and gathers: the standard form of Dynamic Shift-Max."""
    return sum(n.op_type in ('Gather', 'Mul', 'Add', 'Max') for n in graph.node)


@pytest.mark.parametrize('task, shape', [('pose', (64, 48)), ('seg', (64, 128))])
def test_onnxruntime_with_the_operators_matches_pytorch(library, build_model, tmp_path, task,
                                                       shape):
    model = build_model(task, 'm0')
    path = tmp_path / 'model.onnx'
    export_onnx(model, str(path), shape, operators=True)
    export_onnx(model, str(tmp_path / 'standard.onnx'), shape, fast=True)
    graph = onnx.load(str(path)).graph
    count = sum(n.op_type == 'DynamicShiftMax' for n in graph.node)
    assert count == sum(isinstance(m, FusedDynamicShiftMax) for m in fuse_model(model).modules())
    standard = onnx.load(str(tmp_path / 'standard.onnx')).graph
    assert _elementwise(graph) < _elementwise(standard) - 4 * count
    # Every bilinear resize (pose: the head's two ×2, segmentation: the head's and the final one),
    # every depthwise conv pair, and the stem with its shuffle and ReLU6.
    assert {n.op_type for n in graph.node if n.domain == DOMAIN} == {
        'DynamicShiftMax', 'ResizeBilinear', 'MicroFactorizedDepthwise', 'MicroNetStem'}
    assert 'Resize' not in {n.op_type for n in graph.node}
    clips = [sum(n.op_type == 'Clip' for n in g.node) for g in (graph, standard)]
    assert clips[0] == clips[1] - 1
    x = torch.randn(3, 3, *shape, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = model(x, mode='tensor').numpy()
    actual = ort_session(str(path), threads=2).run(None, {'input': x.numpy()})[0]
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-4)


def _run_with_constant_input(module, x, input_index, value, path):
    """Runs the export of ``module`` (one operator node) in onnxruntime on ``x``, with the constant
    that feeds the node's input ``input_index`` replaced by ``value``."""
    model = _export(module, x)
    node = next(n for n in model.graph.node if n.domain == DOMAIN)
    constant = next(n for n in model.graph.node if n.output[0] == node.input[input_index])
    constant.attribute[0].t.CopyFrom(onnx.numpy_helper.from_array(value))
    onnx.save(model, str(path))
    session = ort_session(str(path))
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})


def test_operator_rejects_a_bad_index(library, tmp_path):
    with pytest.raises(Exception, match='channel index is out of range'):
        _run_with_constant_input(OperatorShiftMax(_random_dsm(6, 2, 2, seed=0).fuse()),
                                 torch.randn(1, 6, 2, 2), 3, np.array([0, 1, 2, 3, 4, 6]),
                                 tmp_path / 'bad.onnx')


def test_stem_operator_rejects_an_index_that_is_no_permutation(fused_separable, library,
                                                               tmp_path):
    stem = OperatorStem(fused_separable(3, 2, 4, 3, 2, 1, (1, 2), seed=0),
                        ChannelPermutation(torch.tensor([0, 2, 1, 3])))
    with pytest.raises(Exception, match='MicroNetStem: index must be a permutation'):
        _run_with_constant_input(stem, torch.randn(1, 3, 8, 6), 5, np.array([0, 2, 2, 3]),
                                 tmp_path / 'bad.onnx')


def test_export_without_the_header_says_what_is_missing_and_writes_nothing(
        build_model, tmp_path, monkeypatch):
    monkeypatch.setenv(INCLUDE_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(OperatorUnavailable, match=rf'ORT_INCLUDE_DIR.*\({tmp_path} has no '
                       r'onnxruntime_c_api\.h\)'):
        export_onnx(build_model('pose', 'm0'), str(tmp_path / 'model.onnx'), (64, 48),
                    operators=True)
    assert list(tmp_path.iterdir()) == []
