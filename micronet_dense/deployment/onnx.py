"""ONNX export of the estimators, checked against PyTorch with onnxruntime.

The graph maps a normalised RGB batch (B, 3, H, W) to the estimator's ``mode='tensor'`` output:

* :class:`TopdownPoseEstimator`: ``heatmaps`` (B, K, H/4, W/4);
* :class:`EncoderDecoder`: ``logits`` (B, num_classes, H, W), at the *input* size (the final
  bilinear resize is part of the graph, so an argmax gives the label map directly);
* :class:`MultiTaskEstimator`: one output per task, named after it, at the input size (e.g.
  ``seg`` (B, num_classes, H, W) and ``depth`` (B, 1, H, W) in metres).

The batch axis is dynamic; H and W are fixed at export. onnx and onnxruntime are the optional
``deploy`` extra (requirements/optional.txt).
"""
import contextlib
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from micronet_dense.models.tensor_output import TensorOutput
from micronet_dense.utils.atomic_io import atomic_output_path

from .fuse import fuse_model
from .onnx_graph import pool_before_pointwise_conv
from .onnxruntime_operators import (DOMAIN, OPSET_VERSION, operator_library, resize_as_operator,
                                    uses_operators, with_operators)

INPUT_NAME = 'input'
# Output names by estimator class; other models get 'output'.
OUTPUT_NAMES = {'TopdownPoseEstimator': 'heatmaps', 'EncoderDecoder': 'logits'}
DEFAULT_OPSET = 17
# Largest accepted |onnxruntime - PyTorch| relative to the largest output.
PARITY_RTOL = 1e-3


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError('ONNX export and the onnxruntime backend need the deploy extra: '
                          "pip install -e '.[deploy]' (onnx, onnxruntime)") from err
    return onnxruntime


def output_names(model: nn.Module) -> List[str]:
    """The graph's output names: a multi-task model's task names, else one name by class."""
    tasks = getattr(model, 'tasks', None)
    if isinstance(tasks, nn.ModuleDict):
        return list(tasks)
    return [OUTPUT_NAMES.get(type(model).__name__, 'output')]


def _tensor_outputs(model: nn.Module, inputs: torch.Tensor) -> List[np.ndarray]:
    """``model(inputs, mode='tensor')`` as arrays, in the order of :func:`output_names`."""
    with torch.no_grad():
        outputs = TensorOutput(model.eval())(inputs)
    outputs = list(outputs.values()) if isinstance(outputs, dict) else [outputs]
    return [output.numpy() for output in outputs]


def ort_session(path: str, threads: Optional[int] = 1, flush_denormal: bool = False):
    """An onnxruntime CPU session with every graph optimisation and ``threads`` intra-op threads.

    ``flush_denormal`` treats denormal floats as zero (``session.set_denormal_as_zero``), as timing
    sessions do: a denormal operand can make an operation ~100× slower on x86 CPUs. Parity checks
    leave it off, so that they compare the exact arithmetic of both frameworks.
    ``threads=None`` runs the session on the process's shared thread pool, which
    ``onnxruntime.set_global_thread_pool_sizes`` must have created first. A graph that uses the
    project's operators gets their library registered (:mod:`.onnxruntime_operators`).
    """
    import onnx
    ort = _onnxruntime()
    options = ort.SessionOptions()
    if uses_operators(onnx.load(str(path), load_external_data=False)):
        options.register_custom_ops_library(operator_library())
    if flush_denormal:
        options.add_session_config_entry('session.set_denormal_as_zero', '1')
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads is None:
        options.use_per_session_threads = False
    else:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])


def _last_weighted_layer(model: nn.Module, inputs: torch.Tensor) -> nn.Module:
    """The convolution or linear layer that runs last in ``model``'s tensor forward."""
    called = []
    hooks = [m.register_forward_hook(lambda module, args, output: called.append(module))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            TensorOutput(model)(inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return called[-1]


def unit_scale_random_weights(model: nn.Module, input_shape: Sequence[int], seed: int = 0
                              ) -> nn.Module:
    """Random BatchNorm statistics and affine parameters, and the last layer scaled so that the
    largest output on a random input is 1; in place, returned in eval mode.

    For checking an export without a checkpoint: a freshly initialised pose model outputs ~1e-20
    (its head's std-0.001 layer after Dynamic Shift-Max), where any ``atol`` is met, and identity
    BatchNorms would hide a wrong fold in the fused model.
    """
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
                for tensor, (low, high) in ((m.running_mean, (-0.5, 0.5)),
                                            (m.running_var, (0.5, 2.0)), (m.weight, (0.5, 1.5)),
                                            (m.bias, (-0.5, 0.5))):
                    tensor.copy_(torch.empty_like(tensor).uniform_(low, high, generator=generator))
        probe = torch.randn(2, 3, *input_shape, generator=generator)
        last = _last_weighted_layer(model, probe)
        scale = max(np.abs(output).max() for output in _tensor_outputs(model, probe))
        last.weight /= float(scale)
        if last.bias is not None:
            last.bias /= float(scale)
    return model


def onnx_max_abs_diff(path: str, model: nn.Module, inputs: torch.Tensor) -> Tuple[float, float]:
    """Largest |onnxruntime − PyTorch| over every output of the exported file at ``path`` on
    ``inputs``, and the largest |PyTorch output|."""
    expected = _tensor_outputs(model, inputs)
    actual = ort_session(path).run(None, {INPUT_NAME: inputs.numpy()})
    if [a.shape for a in actual] != [e.shape for e in expected]:
        raise RuntimeError(f'{path}: onnxruntime output shapes {[a.shape for a in actual]} != '
                           f'PyTorch {[e.shape for e in expected]}')
    return (max(float(np.abs(a - e).max()) for a, e in zip(actual, expected)),
            max(float(np.abs(e).max()) for e in expected))


def export_onnx(model: nn.Module, path: str, input_shape: Sequence[int], fast: bool = False,
                opset: int = DEFAULT_OPSET, atol: float = 1e-4,
                operators: bool = False, pointwise_matmul: bool = True) -> Tuple[float, int]:
    """Export ``model`` for (B, 3, H, W) inputs, ``input_shape = (H, W)``, to ``path``.

    ``fast`` exports the fused model (:func:`fuse_model`); ``operators`` (implies ``fast``) also
    writes every Dynamic Shift-Max layer's fusions and every bilinear resize as one node of the
    project's onnxruntime operators, which need their library to run
    (:mod:`.onnxruntime_operators`), and with ``pointwise_matmul`` the 1×1 convs that onnxruntime
    would run in its blocked layout as MatMuls (:func:`.onnxruntime_operators.with_operators`).
    An average pool of a 1×1 conv's output pools the conv's input instead
    (:func:`.onnx_graph.pool_before_pointwise_conv`). The file is checked with onnxruntime on a
    batch of two (which exercises the dynamic batch axis) against the PyTorch model, and written
    only when the largest absolute difference is at most ``atol`` and at most
    :data:`PARITY_RTOL` times the largest output (so that outputs far smaller than ``atol``, as a
    fresh pose head gives, cannot pass unchecked).

    Returns:
        (largest absolute difference, number of graph nodes).
    """
    import onnx  # checked here so that a missing extra fails before the slow export
    _onnxruntime()
    model = model.eval()
    exported = fuse_model(model) if fast or operators else model
    if operators:
        operator_library()  # fails here, before the export, when it cannot be built
        with_operators(exported, pointwise_matmul)
    names = output_names(model)
    h, w = input_shape
    generator = torch.Generator().manual_seed(0)
    with atomic_output_path(path) as tmp_path:
        with warnings.catch_warnings(), (resize_as_operator() if operators
                                         else contextlib.nullcontext()):
            # The TorchScript exporter needs no package beyond torch; the dynamo exporter that
            # torch now recommends would add onnxscript.
            warnings.simplefilter('ignore', DeprecationWarning)
            # H and W are fixed at export, so values the forward derives from them (the MR-ASPP
            # attention's pooling window) are constants of the graph, as the tracer warns.
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            torch.onnx.export(TensorOutput(exported), (torch.randn(1, 3, h, w, generator=generator),),
                              tmp_path, dynamo=False, opset_version=opset, input_names=[INPUT_NAME],
                              output_names=names,
                              custom_opsets={DOMAIN: OPSET_VERSION} if operators else None,
                              dynamic_axes={n: {0: 'batch'} for n in [INPUT_NAME, *names]})
        onnx.save(pool_before_pointwise_conv(onnx.load(tmp_path)), tmp_path)
        diff, scale = onnx_max_abs_diff(tmp_path, model,
                                        torch.randn(2, 3, h, w, generator=generator))
        if not diff <= atol:
            raise RuntimeError(f'{path}: onnxruntime differs from PyTorch by {diff:.3g} > {atol:g}; '
                               'the file was not written')
        if not diff <= PARITY_RTOL * scale:
            raise RuntimeError(f'{path}: onnxruntime differs from PyTorch by {diff:.3g}, more than '
                               f'{PARITY_RTOL:g} of the largest output {scale:.3g}; the file was '
                               'not written')
        num_nodes = len(onnx.load(tmp_path).graph.node)
    return diff, num_nodes
