"""How a multi-task model weighs its task losses: fixed weights, uncertainty weighting
(Kendall et al., CVPR 2018, arXiv 1705.07115) and Dynamic Weight Average (Liu et al., CVPR 2019,
arXiv 1803.10704).

A weighting turns the task losses of one batch into one term per task; the model's loss is their
sum. A task without any label in the batch is absent from ``losses`` and gets no term (its weight
state is not updated either), except for the zero that keeps uncertainty weighting's log-variance
in the graph.
"""
import math
from typing import Dict, Mapping, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.logging import MessageHub
from torch import nn

from micronet_dense.registry import MODELS


class TaskWeighting(nn.Module):
    """Base of the task weightings.

    Args:
        tasks: Names of the tasks, in a fixed order.
    """

    def __init__(self, tasks: Sequence[str]) -> None:
        super().__init__()
        if not tasks or len(set(tasks)) != len(tasks):
            raise ValueError(f'{type(self).__name__}: tasks must be distinct names, got {tasks}')
        self.tasks = tuple(tasks)

    def weights(self) -> Dict[str, torch.Tensor]:
        """The weight each task's loss is multiplied by now, as 0-dim tensors without gradient."""
        raise NotImplementedError

    def forward(self, losses: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """One 0-dim term per task of ``losses`` (scalar losses of the labelled tasks)."""
        raise NotImplementedError

    def _check(self, losses: Mapping[str, torch.Tensor]) -> None:
        unknown = sorted(set(losses) - set(self.tasks))
        if unknown:
            raise KeyError(f'{type(self).__name__}: losses of unknown tasks {unknown} (tasks: '
                           f'{list(self.tasks)})')


@MODELS.register_module()
class FixedTaskWeighting(TaskWeighting):
    """``term_t = w_t · L_t`` with constant weights.

    Args:
        tasks: Task names.
        weights: Weight per task; tasks left out weigh 1.
    """

    def __init__(self, tasks: Sequence[str], weights: Optional[Mapping[str, float]] = None) -> None:
        super().__init__(tasks)
        weights = dict(weights or {})
        unknown = sorted(set(weights) - set(self.tasks))
        if unknown:
            raise KeyError(f'FixedTaskWeighting: weights given for unknown tasks {unknown} '
                           f'(tasks: {list(self.tasks)})')
        self.fixed_weights = {task: float(weights.get(task, 1.0)) for task in self.tasks}

    def weights(self) -> Dict[str, torch.Tensor]:
        return {task: torch.tensor(w) for task, w in self.fixed_weights.items()}

    def forward(self, losses: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        self._check(losses)
        return {task: self.fixed_weights[task] * loss for task, loss in losses.items()}


@MODELS.register_module()
class UncertaintyTaskWeighting(TaskWeighting):
    """Homoscedastic uncertainty weighting with learned log-variances ``s_t = log σ_t²``:

        term_t = exp(−s_t) · L_t + s_t

    This is twice Kendall et al.'s regression term ``L_t / (2σ_t²) + log σ_t`` (their eq. 7) and
    is used for every task, classification included (the form of the MTAN and LibMTL code); the
    minimum over ``s_t`` lies at ``s_t = log L_t``, i.e. weight ``exp(−s_t) = 1 / L_t``. The
    log-variances are trained with the model: leave them out of weight decay
    (``paramwise_cfg=dict(custom_keys={'task_weighting': dict(decay_mult=0.0)})``).

    Args:
        tasks: Task names.
        init_log_variance: Initial ``s_t`` of every task (0: weights 1).
    """

    def __init__(self, tasks: Sequence[str], init_log_variance: float = 0.0) -> None:
        super().__init__(tasks)
        self.log_variances = nn.Parameter(torch.full((len(self.tasks),), float(init_log_variance)))

    def weights(self) -> Dict[str, torch.Tensor]:
        return {task: w for task, w in zip(self.tasks, torch.exp(-self.log_variances.detach()))}

    def forward(self, losses: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        self._check(losses)
        terms = {}
        for task, log_variance in zip(self.tasks, self.log_variances):
            if task in losses:
                terms[task] = torch.exp(-log_variance) * losses[task] + log_variance
            else:
                # Zero, but through s_t: distributed training finds every parameter in the graph.
                terms[task] = 0.0 * log_variance
        return terms


@MODELS.register_module()
class DynamicWeightAverage(TaskWeighting):
    """Dynamic Weight Average (Liu et al. 2019, eq. 7): in epoch e,

        w_t = T · exp(r_t / τ) / Σ_i exp(r_i / τ),   r_t = L̄_t(e−1) / L̄_t(e−2),

    where ``L̄_t(e)`` is task t's loss averaged over the iterations of epoch e (over every
    process), T the number of tasks and τ the temperature; the weights are 1 in the first two
    epochs, and ``r_t = 1`` for a task without loss in either epoch. The epoch comes from the
    runner (mmengine's message hub, key ``'epoch'``), so DWA needs an epoch-based training loop.
    The running averages are saved with the checkpoint (the module's extra state) and restored on
    resume; they are not buffers, which distributed training would overwrite with the first
    process's at every step.

    Args:
        tasks: Task names.
        temperature: τ (2 in the paper).
    """

    def __init__(self, tasks: Sequence[str], temperature: float = 2.0) -> None:
        super().__init__(tasks)
        if temperature <= 0:
            raise ValueError(f'DynamicWeightAverage: temperature must be > 0, got {temperature}')
        self.temperature = temperature
        num_tasks = len(self.tasks)
        self.epoch = -1
        self.completed_epochs = 0
        self.loss_sums = [0.0] * num_tasks  # of this process, in the running epoch
        self.loss_counts = [0] * num_tasks
        self.epoch_means = [[1.0] * num_tasks, [1.0] * num_tasks]  # epochs e-2 and e-1

    def get_extra_state(self) -> dict:
        return dict(epoch=self.epoch, completed_epochs=self.completed_epochs,
                    loss_sums=list(self.loss_sums), loss_counts=list(self.loss_counts),
                    epoch_means=[list(row) for row in self.epoch_means])

    def set_extra_state(self, state: dict) -> None:
        self.epoch, self.completed_epochs = state['epoch'], state['completed_epochs']
        self.loss_sums, self.loss_counts = list(state['loss_sums']), list(state['loss_counts'])
        self.epoch_means = [list(row) for row in state['epoch_means']]

    def _start_epoch(self, epoch: int) -> None:
        """Close the running epoch's averages when ``epoch`` starts."""
        if epoch == self.epoch:
            return
        if self.epoch >= 0:
            totals = torch.tensor([self.loss_sums, self.loss_counts], dtype=torch.float64)
            all_reduce(totals)  # every process reaches here at the same step: the epoch's first
            sums, counts = totals.tolist()
            means = [total / count if count else math.nan for total, count in zip(sums, counts)]
            self.epoch_means = [self.epoch_means[1], means]
            self.completed_epochs += 1
        self.loss_sums = [0.0] * len(self.tasks)
        self.loss_counts = [0] * len(self.tasks)
        self.epoch = epoch

    def weights(self) -> Dict[str, torch.Tensor]:
        if self.completed_epochs < 2:
            return {task: torch.tensor(1.0) for task in self.tasks}
        ratios = torch.tensor(self.epoch_means[1], dtype=torch.float64) / torch.tensor(
            self.epoch_means[0], dtype=torch.float64)
        ratios = torch.where(torch.isfinite(ratios), ratios, torch.ones_like(ratios))
        weights = len(self.tasks) * torch.softmax(ratios / self.temperature, dim=0)
        return {task: w.float() for task, w in zip(self.tasks, weights)}

    def forward(self, losses: Mapping[str, torch.Tensor],
                epoch: Optional[int] = None) -> Dict[str, torch.Tensor]:
        """``epoch`` (0-based) defaults to the runner's current epoch."""
        self._check(losses)
        if epoch is None:
            epoch = MessageHub.get_current_instance().get_info('epoch')
            if epoch is None:
                raise RuntimeError('DynamicWeightAverage needs the epoch: pass epoch= or train '
                                   'with an epoch-based mmengine loop')
        self._start_epoch(int(epoch))
        weights = self.weights()
        for index, task in enumerate(self.tasks):
            if task in losses:
                self.loss_sums[index] += float(losses[task].detach())
                self.loss_counts[index] += 1
        return {task: weights[task].to(loss) * loss for task, loss in losses.items()}

