"""Evaluate a checkpoint on a config's test set.

    python tools/test.py CONFIG CHECKPOINT [--out metrics.json] [--show-dir DIR] [--work-dir DIR]
                         [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

from micronet_dense.engine import check_checkpoint_matches, mmengine_checkpoint_globals
from micronet_dense.engine.run_config import add_run_arguments, load_run_config
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
    add_run_arguments(parser)
    return parser.parse_args()


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
    with mmengine_checkpoint_globals():
        check_checkpoint_matches(args.checkpoint, MODELS.build(cfg.model), cfg.model)
        metrics = Runner.from_cfg(cfg).test()
    if args.out:
        write_json_atomic(args.out, {k: float(v) for k, v in metrics.items()}, indent=2)


if __name__ == '__main__':
    with exit_on_user_error():
        main()
