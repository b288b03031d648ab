"""Parameters and MAdds of a config's model, per stage and per head, in the MicroNet paper
convention.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W] [--mmengine]

A model of several tasks (one ``tasks.<name>`` row per head) is also set against its tasks as
separate models, each with its own backbone: one line per task and their sum. The last line
printed is JSON: {"params": int, "madds": int, "convention": "paper", ...}, with "single_task"
({task: {"params", "madds"}}) and "single_task_sum" for a multi-task model.
"""
import argparse
import json

from micronet_dense.apis import init_model
from micronet_dense.models.complexity import model_complexity, single_task_costs
from micronet_dense.utils.user_errors import exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the config's input_shape, else 224 224)")
    parser.add_argument('--mmengine', action='store_true',
                        help="add mmengine.analysis's FLOP count as a second column")
    return parser.parse_args()


def single_task_comparison(report: dict, single: dict) -> dict:
    """Print the multi-task model next to its tasks as single-task models; their JSON summary."""
    sum_params = sum(params for params, _ in single.values())
    sum_madds = sum(madds for _, madds in single.values())
    print(f'\nthe {len(single)} tasks as single-task models (each with its own backbone):')
    for task, (params, madds) in single.items():
        print(f'{"  " + task + " alone":<24}{params:>12,}{madds:>16,}')
    print(f'{"  sum":<24}{sum_params:>12,}{sum_madds:>16,}')
    print(f'{"multi-task model":<24}{report["params"]:>12,}{report["madds"]:>16,}'
          f'  ({report["madds"] / sum_madds:.0%} of the sum\'s MAdds, one shared backbone)')
    return dict(single_task={task: dict(params=params, madds=madds)
                             for task, (params, madds) in single.items()},
                single_task_sum=dict(params=sum_params, madds=sum_madds))


def main() -> None:
    args = parse_args()
    model = init_model(args.config)
    shape = tuple(args.shape or model.cfg.get('input_shape', (224, 224)))
    report = model_complexity(model, shape)
    mmengine_counts = {}
    if args.mmengine:
        from micronet_dense.models.complexity import mmengine_flops_by_group
        mmengine_counts = mmengine_flops_by_group(model, shape)
    header = f'{"part":<24}{"params":>12}{"MAdds (paper)":>16}'
    header += f'{"FLOPs (mmengine)":>20}' if args.mmengine else ''
    print(f'input 3x{shape[0]}x{shape[1]}, MAdds counted in the paper convention: conv + linear '
          '(DSM hyper-FCs included) + 4*H*W*C per K=2 Dynamic Shift-Max')
    print(header)
    for name, params, madds in report['stages']:
        line = f'{name:<24}{params:>12,}{madds:>16,}'
        if args.mmengine:
            line += f'{mmengine_counts.get(name, 0):>20,}'
        print(line)
    total = f'{"total":<24}{report["params"]:>12,}{report["madds"]:>16,}'
    if args.mmengine:
        total += f'{sum(mmengine_counts.values()):>20,}'
    print(total)
    summary = dict(params=report['params'], madds=report['madds'], convention=report['convention'],
                   input_shape=list(shape))
    single = single_task_costs(report)
    if len(single) > 1:
        summary.update(single_task_comparison(report, single))
    if args.mmengine:
        summary['mmengine_flops'] = sum(mmengine_counts.values())
    print(json.dumps(summary))


if __name__ == '__main__':
    with exit_on_user_error():
        main()
