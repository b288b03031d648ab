"""Write transformed samples of a config's dataset with their targets drawn.

    python tools/misc/browse_dataset.py CONFIG [--output-dir DIR] [--num N] [--phase train|val]
                                        [--seed S] [--cfg-options k=v ...]

Pose: the network's input crop with the summed heatmap target and the labelled keypoints.
Segmentation: the (augmented) image with its label map overlaid and a legend.
"""
import argparse
import os.path as osp

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from tqdm import tqdm

from micronet_dense.datasets.prepare import ensure_dataset
from micronet_dense.engine.config_check import check_config
from micronet_dense.registry import DATASETS
from micronet_dense.registry import register_all_modules
from micronet_dense.utils.atomic_io import write_image_atomic
from micronet_dense.utils.config_paths import find_config
from micronet_dense.utils.user_errors import UserError, exit_on_user_error
from micronet_dense.visualization import draw_transformed_sample


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset')
    parser.add_argument('--num', type=int, default=20, help='samples to write (default 20)')
    parser.add_argument('--phase', choices=['train', 'val'], default='train',
                        help="which dataloader's dataset and pipeline (default train)")
    parser.add_argument('--seed', type=int, default=0, help='seed of the random transforms')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_dataloader.dataset.data_root=...')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(find_config(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules()
    loader = f'{args.phase}_dataloader'
    check_config(cfg)
    ensure_dataset(cfg, loaders=(loader, ))
    dataset = DATASETS.build(cfg[loader].dataset)
    *transforms, pack = dataset.pipeline.transforms
    if not type(pack).__name__.startswith('Pack'):
        raise UserError(f'the {args.phase} pipeline of {args.config} should end with a Pack* '
                        f'transform, ends with {type(pack).__name__}')
    np.random.seed(args.seed)
    num = min(args.num, len(dataset))
    for index in tqdm(range(num), desc='browse dataset', unit='sample'):
        results = dataset.get_data_info(index)
        for transform in transforms:
            results = transform(results)
        name = osp.splitext(osp.basename(results['img_path']))[0]
        write_image_atomic(osp.join(args.output_dir, f'{index:05d}_{name}.png'),
                           draw_transformed_sample(results, dataset.metainfo))
    print_log(f'wrote {num} {args.phase} sample(s) of {len(dataset)} to {args.output_dir}',
              logger='current')


if __name__ == '__main__':
    with exit_on_user_error():
        main()
