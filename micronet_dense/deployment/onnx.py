"""ONNX export of the estimators, checked against PyTorch with onnxruntime.

The graph maps a normalised RGB batch (B, 3, H, W) to the estimator's ``mode='tensor'`` output:

* :class:`TopdownPoseEstimator`: ``heatmaps`` (B, K, H/4, W/4);
* :class:`EncoderDecoder`: ``logits`` (B, num_classes, H, W), at the *input* size (the final
  bilinear resize is part of the graph, so an argmax gives the label map directly).

The batch axis is dynamic; H and W are fixed at export. onnx and onnxruntime are the optional
``deploy`` extra (requirements/optional.txt).
"""
import warnings
from typing import Sequence, Tuple

import numpy as np
import torch
from torch import nn

from micronet_dense.models.tensor_output import TensorOutput
from micronet_dense.utils.atomic_io import atomic_output_path

from .fuse import fuse_model

INPUT_NAME = 'input'
# Output names by estimator class; other models get 'output'.
OUTPUT_NAMES = {'TopdownPoseEstimator': 'heatmaps', 'EncoderDecoder': 'logits'}
DEFAULT_OPSET = 17


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError('ONNX export and the onnxruntime backend need the deploy extra: '
                          "pip install -e '.[deploy]' (onnx, onnxruntime)") from err
    return onnxruntime


def output_name(model: nn.Module) -> str:
    return OUTPUT_NAMES.get(type(model).__name__, 'output')


def ort_session(path: str, threads: int = 1):
    """An onnxruntime CPU session with every graph optimisation and ``threads`` intra-op threads."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])


def onnx_max_abs_diff(path: str, model: nn.Module, inputs: torch.Tensor) -> float:
    """Largest |onnxruntime − PyTorch| of the exported file at ``path`` on ``inputs``."""
    with torch.no_grad():
        expected = TensorOutput(model.eval())(inputs).numpy()
    actual = ort_session(path).run(None, {INPUT_NAME: inputs.numpy()})[0]
    if actual.shape != expected.shape:
        raise RuntimeError(f'{path}: onnxruntime output shape {actual.shape} != '
                           f'PyTorch {expected.shape}')
    return float(np.abs(actual - expected).max())


def export_onnx(model: nn.Module, path: str, input_shape: Sequence[int], fast: bool = False,
                opset: int = DEFAULT_OPSET, atol: float = 1e-4) -> Tuple[float, int]:
    """Export ``model`` for (B, 3, H, W) inputs, ``input_shape = (H, W)``, to ``path``.

    ``fast`` exports the fused model (:func:`fuse_model`). The file is checked with onnxruntime on a
    batch of two (which exercises the dynamic batch axis) against the PyTorch model, and written
    only when the largest absolute difference is at most ``atol``.

    Returns:
        (largest absolute difference, number of graph nodes).
    """
    import onnx  # noqa: F401  (checked here so a missing extra fails before the slow export)
    _onnxruntime()
    model = model.eval()
    exported = fuse_model(model) if fast else model
    name = output_name(model)
    h, w = input_shape
    generator = torch.Generator().manual_seed(0)
    with atomic_output_path(path) as tmp_path:
        with warnings.catch_warnings():
            # The TorchScript exporter needs no package beyond torch; the dynamo exporter that
            # torch now recommends would add onnxscript.
            warnings.simplefilter('ignore', DeprecationWarning)
            # H and W are fixed at export, so values the forward derives from them (the MR-ASPP
            # attention's pooling window) are constants of the graph, as the tracer warns.
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            torch.onnx.export(TensorOutput(exported), (torch.randn(1, 3, h, w, generator=generator),),
                              tmp_path, dynamo=False, opset_version=opset, input_names=[INPUT_NAME],
                              output_names=[name],
                              dynamic_axes={INPUT_NAME: {0: 'batch'}, name: {0: 'batch'}})
        diff = onnx_max_abs_diff(tmp_path, model, torch.randn(2, 3, h, w, generator=generator))
        if not diff <= atol:
            raise RuntimeError(f'{path}: onnxruntime differs from PyTorch by {diff:.3g} > {atol:g}; '
                               'the file was not written')
        num_nodes = len(onnx.load(tmp_path).graph.node)
    return diff, num_nodes
