"""Static int8 quantization of an ONNX export with onnxruntime, calibrated on dataset images.

The quantized graph is in QDQ form: the inputs and weights of every quantized operator pass
through QuantizeLinear/DequantizeLinear pairs, which onnxruntime's CPU provider fuses into integer
kernels (``QLinearConv`` and friends). Weights are quantized to int8 (one scale per tensor, or
per output channel), activations per tensor to uint8 with the ranges seen on the calibration
images (min/max).

By default only the 1×1 (group) convolutions over more than one pixel are quantized, with one
weight scale per tensor: quantized depthwise convs, linear layers and Dynamic Shift-Max's
element-wise products, sums and maximum were slower than their float32 form with the
quantize/dequantize steps around them, and per-tensor scales were faster than per-channel ones and
kept the pose sample set's AP within 0.002 of float32. onnxruntime's integer conv is itself no
faster than its float32 conv on MicroNet's small groups, and adds a layout conversion and a
dequantization around each; so with ``operator=True`` every quantized 1×1 conv becomes the
project's ``QuantizedPointwiseConv`` (:mod:`.onnxruntime_operators`): float32 in and out, the same
uint8 × int8 sums inside, with the calibrated scales, and no other quantize/dequantize step is left
in the graph.
"""
import os
import tempfile
from typing import Iterable, Iterator, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from torch import nn

from micronet_dense.utils.atomic_io import atomic_output_path

from .onnx import INPUT_NAME, export_onnx
from .quantized_pointwise import (with_pointwise_operator, with_quantized_convs,
                                  with_shift_max_merged)


def calibration_batches(cfg: Config, model: nn.Module, num_images: int, batch_size: int = 8
                        ) -> Iterator[np.ndarray]:
    """The first ``num_images`` samples of the config's training split (person crops for pose,
    whole images for segmentation), through the test pipeline (no augmentation) and
    ``model.data_preprocessor``: (B, 3, H, W) float32 batches, as the exported graph takes them."""
    dataset = cfg.train_dataloader.dataset.copy()
    dataset.pipeline = (cfg.get('test_dataloader') or cfg.val_dataloader).dataset.pipeline
    loader = Runner.build_dataloader(dict(
        dataset=dataset, batch_size=batch_size, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False)))
    seen = 0
    for batch in loader:
        if seen >= num_images:
            return
        with torch.no_grad():
            inputs = model.data_preprocessor(batch, False)['inputs'][:num_images - seen]
        seen += len(inputs)
        yield inputs.numpy()


# The fewest input channels per group for which a quantized 1×1 conv paid on the CPU measured
# (AMD EPYC, onnxruntime, 1 thread): each output sums fewer products than this in the group
# convs that expand the channels (4-12 per group in MicroNet), whose time goes to writing the
# larger output, as in float32.
MIN_QUANTIZED_GROUP_CHANNELS = 16


def float_convs(path: str) -> List[str]:
    """Names of the Conv nodes of the graph at ``path`` that the default quantization leaves in
    float32: those whose kernel is not 1×1, the 1×1 convs over a single pixel (the linear layers
    of Dynamic Shift-Max's hyper-function: vector products, where the integer sums save less than
    the quantization costs) and those of fewer than :data:`MIN_QUANTIZED_GROUP_CHANNELS` input
    channels per group."""
    import onnx
    from onnx import helper
    graph = onnx.shape_inference.infer_shapes(onnx.load(path)).graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in [*graph.value_info, *graph.input, *graph.output]}
    names = []
    for node in graph.node:
        if node.op_type != 'Conv':
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        shape = shapes.get(node.input[0], [0, 0])
        if (attrs.get('kernel_shape') != [1, 1] or shape[2:] == [1, 1]
                or shape[1] // attrs.get('group', 1) < MIN_QUANTIZED_GROUP_CHANNELS):
            names.append(node.name)
    return names


def quantize_onnx(float_path: str, out_path: str, batches: Iterable[np.ndarray],
                  per_channel: bool = False, all_ops: bool = False,
                  operator: bool = False) -> int:
    """Write the int8 QDQ form of the float graph at ``float_path`` to ``out_path``, calibrated on
    ``batches`` ((B, 3, H, W) float32 inputs); returns the number of calibration images.

    ``per_channel``: one weight scale per output channel. ``all_ops``: every operator onnxruntime
    can quantize, not only the 1×1 convs. ``operator``: the 1×1 convs as the project's
    ``QuantizedPointwiseConv`` (:func:`with_pointwise_operator`; not with ``all_ops``).
    """
    if operator and all_ops:
        raise ValueError('the int8 pointwise operator replaces the quantized 1x1 convs only: '
                         'quantize with all_ops=False')
    try:
        from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                              quantize_static)
    except ImportError as err:
        raise ImportError("int8 quantization needs the deploy extra: pip install -e '.[deploy]' "
                          '(onnx, onnxruntime)') from err

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches, self.images = iter(batches), 0

        def get_next(self) -> Optional[dict]:
            batch = next(self.batches, None)
            if batch is None:
                return None
            self.images += len(batch)
            return {INPUT_NAME: batch}

    reader = Reader()
    with atomic_output_path(out_path) as tmp_path:
        quantize_static(float_path, tmp_path, reader, quant_format=QuantFormat.QDQ,
                        per_channel=per_channel, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8,
                        op_types_to_quantize=None if all_ops else ['Conv'],
                        nodes_to_exclude=[] if all_ops else float_convs(float_path))
        if reader.images == 0:
            raise ValueError(f'{float_path}: no calibration images; the file was not written')
        if operator:
            import onnx
            onnx.save(with_pointwise_operator(onnx.load(tmp_path)), tmp_path)
    return reader.images


def quantize_with_operators(model: nn.Module, float_path: str, out_path: str,
                            input_shape: Sequence[int], batches: Iterable[np.ndarray],
                            per_channel: bool = False) -> int:
    """Write ``model``'s export with the project's onnxruntime operators (float32) to
    ``float_path`` and its int8 form to ``out_path``: the same graph with its quantized 1×1 convs
    as ``QuantizedPointwiseConv``; returns the number of calibration images.

    onnxruntime's calibration cannot run the operators, so the standard fused export is quantized
    (:func:`quantize_onnx` with ``operator=True``, calibrated on ``batches``) and its quantized
    convs replace the convs of the same weights in the export with the operators
    (:func:`~.quantized_pointwise.with_quantized_convs`), whose 1×1 convs stay convs for it. A
    quantized conv of a Dynamic Shift-Max's output then computes that Dynamic Shift-Max itself
    (:func:`~.quantized_pointwise.with_shift_max_merged`).
    """
    import onnx
    export_onnx(model, float_path, input_shape, operators=True, pointwise_matmul=False)
    with tempfile.TemporaryDirectory() as workdir:
        standard_path = os.path.join(workdir, 'float32.onnx')
        int8_path = os.path.join(workdir, 'int8.onnx')
        export_onnx(model, standard_path, input_shape, fast=True)
        images = quantize_onnx(standard_path, int8_path, batches, per_channel=per_channel,
                               operator=True)
        int8 = with_shift_max_merged(with_quantized_convs(
            onnx.load(float_path), onnx.load(standard_path), onnx.load(int8_path)))
    with atomic_output_path(out_path) as tmp_path:
        onnx.save(int8, tmp_path)
    return images
