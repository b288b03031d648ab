"""Top-k classification accuracy."""
from typing import Sequence

import torch
from mmengine.evaluator import BaseMetric

from micronet_dense.registry import METRICS


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Top-k accuracy in percent, reported as ``accuracy/top{k}``.

    ``process`` reads ``pred_score`` (num_classes,) and ``gt_label`` from each data sample.
    """
    default_prefix = 'accuracy'

    def __init__(self, topk: Sequence[int] = (1, 5), **kwargs) -> None:
        super().__init__(**kwargs)
        self.topk = tuple(topk)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = torch.as_tensor(sample['pred_score']).cpu()
            ranked = score.topk(min(max(self.topk), score.numel())).indices
            label = int(torch.as_tensor(sample['gt_label']))
            self.results.append([bool((ranked[:k] == label).any()) for k in self.topk])

    def compute_metrics(self, results: list) -> dict:
        if not results:
            raise ValueError('Accuracy: no predictions were collected')
        hits = torch.tensor(results, dtype=torch.float64).mean(0) * 100
        return {f'top{k}': float(v) for k, v in zip(self.topk, hits)}
