"""Δm: a multi-task model's average relative gain over its single-task baselines.

Vandenhende et al., "Multi-Task Learning for Dense Prediction Tasks: A Survey", TPAMI 2021
(arXiv 2004.13379), eq. (12)::

    Δm = (1/T) Σ_t (1/|M_t|) Σ_m (−1)^{l_m} (M_mt,m − M_st,m) / M_st,m × 100 %

with l_m = 1 where lower is better, so a positive Δm means the multi-task model is better on
average. Each task weighs the same, however many scores it reports.
"""
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence

from micronet_dense.registry import METRICS

#: IoUMetric's scores (percentages), all higher-better; IoUMetric declares no directions itself.
_IOU_LOWER_IS_BETTER = {'aAcc': False, 'mIoU': False, 'mAcc': False}


class MetricChange(NamedTuple):
    """One score of one task: single-task and multi-task values and the signed relative gain."""

    task: str
    metric: str  # key in the single-task results
    multi_task_metric: str  # matching key in the multi-task results
    single_task_value: float
    multi_task_value: float
    lower_is_better: bool
    gain: float  # (−1)^{l_m} (M_mt − M_st) / M_st × 100: positive = multi-task better


class MultitaskDelta(NamedTuple):
    """Every compared score, each task's mean gain and their mean Δm, in percent."""

    changes: List[MetricChange]
    task_gains: Dict[str, float]
    delta_m: float


def base_name(key: str) -> str:
    """A metric key without its prefix: ``'depth/AbsRel'`` -> ``'AbsRel'``."""
    return key.rsplit('/', 1)[-1]


def declared_directions() -> Dict[str, bool]:
    """Whether lower is better, per score name, as the registered metric classes declare it in
    their ``lower_is_better`` mapping, plus the IoU scores."""
    import micronet_dense.evaluation.metrics  # noqa: F401  (registers them; imports this module)
    directions = dict(_IOU_LOWER_IS_BETTER)
    for metric_class in METRICS.module_dict.values():
        directions.update(getattr(metric_class, 'lower_is_better', {}))
    return directions


def _matching_key(key: str, multi_task: Mapping[str, float], task: str) -> str:
    """The multi-task key of single-task ``key``: the same key, else the one key with the same
    name under another prefix (``'mIoU'`` <-> ``'seg/mIoU'``)."""
    if key in multi_task:
        return key
    candidates = [k for k in multi_task if base_name(k) == base_name(key)]
    if len(candidates) != 1:
        found = 'none' if not candidates else f'several: {candidates}'
        raise KeyError(f"task '{task}': metric '{key}' has no single match in the multi-task "
                       f'results ({found}; keys: {sorted(multi_task)})')
    return candidates[0]


def multitask_delta(multi_task: Mapping[str, float],
                    single_task: Mapping[str, Mapping[str, float]],
                    lower_is_better: Optional[Mapping[str, bool]] = None,
                    metrics: Optional[Sequence[str]] = None) -> MultitaskDelta:
    """Compare the multi-task scores with each single-task model's.

    Args:
        multi_task: The multi-task model's scores, e.g. ``{'seg/mIoU': 70.1, 'depth/AbsRel': 0.2}``.
        single_task: Per task name, the single-task model's scores; each of its keys is matched
            to ``multi_task`` exactly or by the name after the last ``/``.
        lower_is_better: Direction per score name (without prefix); None means
            :func:`declared_directions`.
        metrics: Score names (without prefix) to compare; None compares every single-task score.

    Raises:
        KeyError: a score has no match in ``multi_task``, no direction, or a task keeps none.
        ValueError: no task, or a single-task score is 0 (no relative change).
    """
    if not single_task:
        raise ValueError('Δm needs at least one single-task result')
    directions = declared_directions() if lower_is_better is None else dict(lower_is_better)
    changes, task_gains = [], {}
    for task, scores in single_task.items():
        keys = [k for k in scores if metrics is None or base_name(k) in metrics]
        if not keys:
            raise KeyError(f"task '{task}': none of its metrics {sorted(scores)} is compared "
                           f'(metrics={list(metrics)})')
        undirected = sorted({base_name(k) for k in keys} - set(directions))
        if undirected:
            raise KeyError(f"task '{task}': whether lower is better is unknown for {undirected}; "
                           'declare it or leave these metrics out')
        task_changes = []
        for key in keys:
            multi_key = _matching_key(key, multi_task, task)
            single, multi = float(scores[key]), float(multi_task[multi_key])
            if single == 0:
                raise ValueError(f"task '{task}': single-task '{key}' is 0, so its relative "
                                 'change is undefined')
            lower = directions[base_name(key)]
            gain = (-1) ** lower * (multi - single) / single * 100
            task_changes.append(MetricChange(task, key, multi_key, single, multi, lower, gain))
        changes += task_changes
        task_gains[task] = sum(c.gain for c in task_changes) / len(task_changes)
    return MultitaskDelta(changes, task_gains, sum(task_gains.values()) / len(task_gains))


def format_delta(result: MultitaskDelta) -> str:
    """A table of every compared score, each task's mean gain and Δm."""
    rows = [('task', 'metric', 'single-task', 'multi-task', 'lower better', 'gain %')]
    rows += [(c.task, c.metric, f'{c.single_task_value:.4f}', f'{c.multi_task_value:.4f}',
              'yes' if c.lower_is_better else 'no', f'{c.gain:+.2f}') for c in result.changes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ['  '.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines += [f"task '{task}': mean gain {gain:+.2f} %" for task, gain in result.task_gains.items()]
    lines.append(f'Δm = {result.delta_m:+.2f} % (positive: the multi-task model is better)')
    return '\n'.join(lines)
