"""Static int8 quantization of an ONNX export with onnxruntime, calibrated on dataset images.

The quantized graph is in QDQ form: the inputs and weights of every quantized operator pass
through QuantizeLinear/DequantizeLinear pairs, which onnxruntime's CPU provider fuses into integer
kernels (``QLinearConv`` and friends). Weights are quantized per output channel to int8,
activations per tensor to uint8 with the ranges seen on the calibration images (min/max).

By default only the 1×1 (group) convolutions are quantized, with one weight scale per tensor: on
the CPU measured, integer kernels paid for these alone. Quantized depthwise convs, FC layers and
Dynamic Shift-Max's element-wise products, sums and maximum were slower than their float32 form
with the quantize/dequantize steps around them, and per-tensor scales were faster than per-channel
ones and kept the pose sample set's AP within 0.002 of float32.
"""
from typing import Iterable, Iterator, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from torch import nn

from micronet_dense.utils.atomic_io import atomic_output_path

from .onnx import INPUT_NAME


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


def non_pointwise_convs(path: str) -> List[str]:
    """Names of the Conv nodes of the graph at ``path`` whose kernel is not 1×1."""
    import onnx
    names = []
    for node in onnx.load(path).graph.node:
        kernel = [list(a.ints) for a in node.attribute if a.name == 'kernel_shape']
        if node.op_type == 'Conv' and kernel != [[1, 1]]:
            names.append(node.name)
    return names


def quantize_onnx(float_path: str, out_path: str, batches: Iterable[np.ndarray],
                  per_channel: bool = False, all_ops: bool = False) -> int:
    """Write the int8 QDQ form of the float graph at ``float_path`` to ``out_path``, calibrated on
    ``batches`` ((B, 3, H, W) float32 inputs); returns the number of calibration images.

    ``per_channel``: one weight scale per output channel. ``all_ops``: every operator onnxruntime
    can quantize, not only the 1×1 convs.
    """
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
                        nodes_to_exclude=[] if all_ops else non_pointwise_convs(float_path))
        if reader.images == 0:
            raise ValueError(f'{float_path}: no calibration images; the file was not written')
    return reader.images

