"""Write the two small example sets of docs/transfer.md: a 4-class image+mask set and a 5-keypoint
COCO-format set (birds), in the layouts the walk-through expects of your own data.

    python tools/dataset_converters/make_transfer_examples.py [--out data]
        [--keypoint-description configs/_base_/keypoint_sets/birds.py]

writes OUT/shapes/{images,masks}/{train,val}/ and OUT/birds/{images/,annotations/{train,val}.json}.
"""
import argparse
import os.path as osp

from micronet_dense.datasets.transfer_examples import (make_keypoint_example,
                                                        make_segmentation_example)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data', help='parent folder of shapes/ and birds/')
    parser.add_argument('--keypoint-description', default='configs/_base_/keypoint_sets/birds.py',
                        help='keypoint description file giving the category and keypoint names')
    parser.add_argument('--num-train', type=int, default=24, help='training images per set')
    parser.add_argument('--num-val', type=int, default=8, help='validation images per set')
    args = parser.parse_args()
    make_segmentation_example(osp.join(args.out, 'shapes'), args.num_train, args.num_val)
    make_keypoint_example(osp.join(args.out, 'birds'), args.keypoint_description, args.num_train,
                          args.num_val)
    print(f'wrote {osp.join(args.out, "shapes")} and {osp.join(args.out, "birds")}')


if __name__ == '__main__':
    main()
