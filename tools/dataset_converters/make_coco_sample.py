"""Generate the synthetic COCO-2017 person-keypoints sample (COCO's layout, rendered people).

    python tools/dataset_converters/make_coco_sample.py [--out data/coco_sample] \
        [--train-images 160] [--val-images 40] [--seed 0] [--image-size 320 240] [--no-progress]

Re-running regenerates the set; the last line printed is JSON: {split: {images, persons,
crowd_regions}}.
"""
import argparse
import json
from typing import Optional, Sequence

from micronet_dense.datasets.samples.coco_keypoints import make_coco_sample
from micronet_dense.utils.user_errors import exit_on_user_error


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/coco_sample', help='output folder')
    parser.add_argument('--train-images', type=int, default=160)
    parser.add_argument('--val-images', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--image-size', type=int, nargs=2, default=(320, 240),
                        metavar=('W', 'H'))
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    counts = make_coco_sample(args.out, args.train_images, args.val_images, seed=args.seed,
                              image_size=tuple(args.image_size),
                              progress=not args.no_progress)
    print(json.dumps(counts))


if __name__ == '__main__':
    with exit_on_user_error(ValueError, FileExistsError):
        main()
