"""Generate the synthetic Cityscapes sample, official layout: images, labels, disparity, camera.

    python tools/dataset_converters/make_cityscapes_sample.py [--out data/cityscapes_sample] \
        [--train-images 40] [--val-images 12] [--seed 0] [--full-resolution] [--no-progress]

Then make the train-id label maps and split lists as for the real set:

    python tools/dataset_converters/cityscapes.py data/cityscapes_sample

The last line printed is JSON: {split: number of images}.
"""
import argparse
import json
from typing import Optional, Sequence

from micronet_dense.datasets.samples.cityscapes import make_cityscapes_sample
from micronet_dense.utils.user_errors import exit_on_user_error


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/cityscapes_sample', help='output folder')
    parser.add_argument('--train-images', type=int, default=40)
    parser.add_argument('--val-images', type=int, default=12)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--full-resolution', action='store_true',
                        help='1024x2048 images (default 256x512)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    samples = make_cityscapes_sample(args.out, args.train_images, args.val_images,
                                     seed=args.seed, full_resolution=args.full_resolution,
                                     progress=not args.no_progress)
    print(json.dumps({split: len(names) for split, names in samples.items()}))


if __name__ == '__main__':
    with exit_on_user_error(ValueError, FileExistsError):
        main()
