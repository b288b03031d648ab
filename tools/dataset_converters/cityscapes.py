"""Convert Cityscapes gtFine polygons to train-id label maps and write the split lists.

    python tools/dataset_converters/cityscapes.py CITYSCAPES_ROOT [--nproc 8] [--out-dir DIR]

Writes ``*_gtFine_labelTrainIds.png`` next to every ``*_gtFine_polygons.json`` under
``CITYSCAPES_ROOT/gtFine`` (with cityscapesscripts' json2labelImg, as mmseg does), then
``train.txt``, ``val.txt`` (and ``test.txt``) into ``--out-dir`` (default: the root).
The last line printed is JSON: {split: number of samples}.
"""
import argparse
import json
from typing import Optional, Sequence

from micronet_dense.datasets.cityscapes_conversion import convert_cityscapes
from micronet_dense.utils.user_errors import exit_on_user_error


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('cityscapes_path', help='Cityscapes root (holds gtFine/)')
    parser.add_argument('--nproc', type=int, default=1, help='worker processes')
    parser.add_argument('--out-dir', help='folder of the split lists (default: the root)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    lists = convert_cityscapes(args.cityscapes_path, nproc=args.nproc, out_dir=args.out_dir,
                               progress=not args.no_progress)
    print(json.dumps({split: len(names) for split, names in lists.items()}))


if __name__ == '__main__':
    with exit_on_user_error(ValueError):
        main()
