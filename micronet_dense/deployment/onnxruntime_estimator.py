"""An estimator whose network runs as an exported ONNX graph in onnxruntime, and its evaluation.

The copy keeps the estimator's ``mode='predict'`` (flip test, decoding, resizing to the image), so
an exported or quantized graph is scored by the same code and metric as the PyTorch model.
"""
import copy

import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from torch import nn

from micronet_dense.registry import METRICS

from .onnx import INPUT_NAME, ort_session

# The attribute holding the head whose output is the graph's: ``head(backbone(x))`` is the graph.
HEAD_ATTRIBUTES = {'TopdownPoseEstimator': 'head', 'EncoderDecoder': 'decode_head'}


class OnnxRuntimeNetwork(nn.Module):
    """The graph at ``path`` run by onnxruntime: (B, 3, H, W) → its first output as a tensor."""

    def __init__(self, path: str, threads: int = 1) -> None:
        super().__init__()
        self.path = path
        self.session = ort_session(path, threads)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.session.run(None, {INPUT_NAME: inputs.numpy()})[0])


def onnxruntime_estimator(model: nn.Module, path: str, threads: int = 1) -> nn.Module:
    """A copy of the pose or segmentation estimator ``model`` whose backbone and head are the ONNX
    export at ``path`` (its ``heatmaps`` or ``logits``, which a segmentation graph gives at the
    input size, so the estimator's own resize to the input size leaves them as they are)."""
    name = type(model).__name__
    if name not in HEAD_ATTRIBUTES:
        raise TypeError(f'{path}: onnxruntime estimators are for {sorted(HEAD_ATTRIBUTES)}, '
                        f'not {name}')
    estimator = copy.deepcopy(model)
    estimator.backbone = nn.Identity()
    setattr(estimator, HEAD_ATTRIBUTES[name], OnnxRuntimeNetwork(path, threads))
    return estimator.eval()


def evaluate_test_split(model: nn.Module, cfg: Config) -> dict:
    """The metrics of ``cfg.test_evaluator`` for ``model`` on the config's test split."""
    loader = Runner.build_dataloader(cfg.test_dataloader)
    metrics = cfg.test_evaluator
    evaluator = Evaluator([METRICS.build(m) for m in (metrics if isinstance(metrics, list)
                                                      else [metrics])])
    evaluator.dataset_meta = loader.dataset.metainfo
    with torch.no_grad():
        for batch in loader:
            evaluator.process(model.test_step(batch), batch)
    return evaluator.evaluate(len(loader.dataset))
