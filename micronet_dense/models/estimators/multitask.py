"""Multi-task dense prediction: one backbone, several task heads (e.g. Cityscapes segmentation and
depth, as in Kendall et al., CVPR 2018 and MTAN, Liu et al., CVPR 2019) on mmengine's BaseModel."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from micronet_dense.registry import MODELS


@MODELS.register_module()
class MultiTaskEstimator(BaseModel):
    """Backbone → one head per named task (``SemanticSegmentationTask``, ``DepthEstimationTask``).

    ``forward(inputs, data_samples, mode)``, inputs (B, 3, H, W):
      * ``'tensor'``: ``{task: output (B, C_t, H, W)}`` bilinearly resized to the input;
      * ``'loss'``: per task ``loss_<task>`` (its weighted term; their sum is the loss),
        ``<task>_weight`` (its current weight) and, when the batch holds labels of the task,
        ``<task>_unweighted`` (its loss before weighting). Images without a task's labels add
        nothing to that task's loss; a batch without any leaves the task's weighting state as
        it was;
      * ``'predict'``: each data sample gets every task's prediction (``pred_sem_seg``,
        ``pred_depth_map``: PixelData (1, H0, W0)) at its ``ori_shape``, from the outputs of the
        unpadded ``img_shape`` region.

    Args:
        backbone: Backbone config; its ``out_indices`` outputs are shared by the tasks.
        tasks: Task configs by name (a Python identifier), e.g.
            ``dict(seg=dict(type='SemanticSegmentationTask', head=...), depth=...)``.
        task_weighting: Config of a ``TaskWeighting`` (``FixedTaskWeighting``,
            ``UncertaintyTaskWeighting``, ``DynamicWeightAverage``) without ``tasks``, which is
            filled in; None means fixed weights of 1.
    """

    def __init__(self, backbone: dict, tasks: Dict[str, dict],
                 task_weighting: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not tasks:
            raise ValueError('MultiTaskEstimator needs at least one task')
        bad_names = [name for name in tasks if not str(name).isidentifier()]
        if bad_names:
            raise ValueError(f'MultiTaskEstimator: task names must be identifiers, got {bad_names}')
        self.backbone = MODELS.build(backbone)
        self.tasks = nn.ModuleDict({name: MODELS.build(cfg) for name, cfg in tasks.items()})
        pred_fields = [task.pred_field for task in self.tasks.values()]
        if len(set(pred_fields)) != len(pred_fields):
            raise ValueError(f'MultiTaskEstimator: two tasks write the same prediction field '
                             f'({dict(zip(self.tasks, pred_fields))})')
        weighting = dict(type='FixedTaskWeighting') if task_weighting is None else task_weighting
        self.task_weighting = MODELS.build({**weighting, 'tasks': list(self.tasks)})

    def _outputs(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        feats = self.backbone(inputs)
        return {name: task(feats) for name, task in self.tasks.items()}

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor') -> Union[dict, list]:
        if mode == 'tensor':
            return {name: F.interpolate(output, size=inputs.shape[-2:], mode='bilinear',
                                        align_corners=False)
                    for name, output in self._outputs(inputs).items()}
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'mode must be "tensor", "loss" or "predict", got {mode!r}')

    def loss(self, inputs: torch.Tensor, data_samples: List[BaseDataElement]) -> dict:
        losses, placeholders = {}, {}
        for name, output in self._outputs(inputs).items():
            loss, labelled = self.tasks[name].loss(output, data_samples)
            (losses if labelled else placeholders)[name] = loss
        terms = self.task_weighting(losses)
        weights = self.task_weighting.weights()
        log = {}
        for name in self.tasks:
            # An unlabelled task's term is a zero through its head (and weighting parameters).
            log[f'loss_{name}'] = terms.get(name, 0.0) + placeholders.get(name, 0.0)
            log[f'{name}_weight'] = weights[name].to(inputs.device)
            if name in losses:
                log[f'{name}_unweighted'] = losses[name].detach()
        return log

    def predict(self, inputs: torch.Tensor,
                data_samples: List[BaseDataElement]) -> List[BaseDataElement]:
        outputs = self.forward(inputs, mode='tensor')
        for index, sample in enumerate(data_samples):
            h, w = sample.metainfo.get('img_shape', inputs.shape[-2:])[:2]
            oh, ow = sample.metainfo.get('ori_shape', (h, w))[:2]
            for name, output in outputs.items():
                output = F.interpolate(output[index:index + 1, :, :h, :w], size=(oh, ow),
                                       mode='bilinear', align_corners=False)[0]
                task = self.tasks[name]
                sample.set_field(task.decode(output), task.pred_field)
        return data_samples
