"""Δm of a multi-task model over its single-task baselines (Vandenhende et al., TPAMI 2021).

    python tools/analysis_tools/multitask_delta.py MT.json ST_TASK1.json ST_TASK2.json ...
        [--metrics mIoU AbsRel ...] [--lower-is-better NAME ...] [--higher-is-better NAME ...]
        [--out delta.json]

Each file is the ``--out`` of ``tools/test.py`` (a JSON object of metric name -> value); a task is
named after its single-task file. Prints each score's relative gain (positive = the multi-task
model is better), each task's mean gain and Δm.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict

from micronet_dense.evaluation.functional.multitask_delta import (declared_directions,
                                                                  format_delta, multitask_delta)
from micronet_dense.utils.atomic_io import write_json_atomic


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('multi_task', help='tools/test.py --out JSON of the multi-task model')
    parser.add_argument('single_task', nargs='+',
                        help='tools/test.py --out JSON of each single-task model, one per task')
    parser.add_argument('--metrics', nargs='+', metavar='NAME',
                        help='compare only these scores (names without prefix, e.g. mIoU AbsRel)')
    parser.add_argument('--lower-is-better', nargs='+', default=[], metavar='NAME',
                        help='scores, other than the known ones, where lower is better')
    parser.add_argument('--higher-is-better', nargs='+', default=[], metavar='NAME',
                        help='scores, other than the known ones, where higher is better')
    parser.add_argument('--out', help='also write the gains and Δm to this JSON file')
    return parser.parse_args()


def read_scores(path: str) -> Dict[str, float]:
    """The metric name -> value object written by ``tools/test.py --out``."""
    try:
        with open(path, encoding='utf-8') as f:
            scores = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f'{path}: cannot read a metrics JSON ({exc})') from None
    if not isinstance(scores, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores.values()):
        raise ValueError(f'{path}: expected a JSON object of metric name -> number, as written '
                         'by tools/test.py --out')
    return scores


def main() -> None:
    args = parse_args()
    names = [osp.splitext(osp.basename(p))[0] for p in args.single_task]
    if len(set(names)) != len(names):
        names = list(args.single_task)
    directions = {**declared_directions(), **dict.fromkeys(args.lower_is_better, True),
                  **dict.fromkeys(args.higher_is_better, False)}
    try:
        multi = read_scores(args.multi_task)
        singles = {name: read_scores(path) for name, path in zip(names, args.single_task)}
        result = multitask_delta(multi, singles, directions, args.metrics)
    except (KeyError, ValueError) as exc:
        sys.exit(f'error: {exc.args[0]}')
    print(format_delta(result))
    if args.out:
        write_json_atomic(args.out, dict(
            delta_m=result.delta_m, task_gains=result.task_gains,
            changes=[change._asdict() for change in result.changes]), indent=2)


if __name__ == '__main__':
    main()
