"""Evaluate a checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--show-dir DIR] [--work-dir DIR]
                         [--compile] [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

--compile evaluates the fused model compiled by torch.compile (compiled for the test loader's
batch before the loop; the time it took is logged).
"""
import argparse
import os.path as osp

from mmengine.logging import MMLogger
from mmengine.runner import Runner

from micronet_dense.deployment.compile import compile_model
from micronet_dense.engine import check_checkpoint_matches, mmengine_checkpoint_globals
from micronet_dense.engine.run_config import (add_run_arguments, load_run_config,
                                              process_group_scope)
from micronet_dense.registry import MODELS
from micronet_dense.utils.atomic_io import write_json_atomic
from micronet_dense.utils.user_errors import exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a micronet_dense model')
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='write the metrics as JSON to this file')
    parser.add_argument('--show-dir', help='write each test image with its predictions drawn '
                        '(keypoints coloured by score / segmentation overlay) to this folder, '
                        "through the config's visualizer (its vis backends get them too)")
    parser.add_argument('--compile', action='store_true',
                        help='evaluate the fused model compiled by torch.compile (inductor)')
    add_run_arguments(parser)
    args = parser.parse_args()
    if args.compile and args.launcher != 'none':
        parser.error('--compile runs in one process: it cannot go with --launcher')
    return args


def compile_runner_model(runner: Runner, cfg) -> None:
    """Load the checkpoint into the runner's model, then replace the model by its fused, compiled
    form (compiled for one test batch at the config's ``input_shape``)."""
    runner.load_or_resume()
    shape = (cfg.test_dataloader.batch_size, 3, *cfg.get('input_shape', (224, 224)))
    runner.model, seconds = compile_model(runner.model, shape)
    MMLogger.get_current_instance().info(f'compiled the fused model in {seconds:.1f} s')


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint file')
    cfg = load_run_config(args, loaders=('test_dataloader',))
    cfg.load_from = args.checkpoint
    if args.show_dir:  # drawn by the runner's visualizer: its own backends get them too
        visualizer = cfg.get('visualizer') or dict(type='DenseLocalVisualizer')
        visualizer['vis_backends'] = [*visualizer.get('vis_backends', []),
                                      dict(type='ImageFolderVisBackend', save_dir=args.show_dir)]
        cfg.visualizer = visualizer
        cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(type='PredictionVisualizationHook')]
    # The checkpoint loads with weights_only=True and mmengine's allow-list, strictly: a checkpoint
    # of another model is refused before anything of it is loaded.
    with process_group_scope(), mmengine_checkpoint_globals():
        check_checkpoint_matches(args.checkpoint, MODELS.build(cfg.model), cfg.model)
        runner = Runner.from_cfg(cfg)
        if args.compile:
            compile_runner_model(runner, cfg)
        metrics = runner.test()
    if args.out:
        write_json_atomic(args.out, {k: float(v) for k, v in metrics.items()}, indent=2)


if __name__ == '__main__':
    with exit_on_user_error():
        main()
