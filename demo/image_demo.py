"""Pose, segmentation, depth or multi-task (segmentation + depth) on an image or a folder of
images, written as annotated PNGs.

    python demo/image_demo.py CONFIG CHECKPOINT IMAGE_OR_FOLDER --out OUT
        [--det-file DETS.json --det-score-thr 0.3] [--kpt-thr 0.3] [--max-depth 80]
        [--device cpu]

An image gives the annotated image OUT (its extension sets the format); a folder gives one
<name>.png per image under the folder OUT.
"""
import argparse
import os.path as osp

from mmengine.logging import print_log
from tqdm import tqdm

from micronet_dense.apis import FrameSource
from micronet_dense.apis.cli import (DETECTOR_NOTE, add_inference_arguments, build_inferencer,
                                     describe, person_boxes)
from micronet_dense.utils.atomic_io import write_image_atomic
from micronet_dense.utils.user_errors import exit_on_user_error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0], epilog=DETECTOR_NOTE)
    add_inference_arguments(parser)
    args = parser.parse_args()
    source = FrameSource(args.input)
    if source.kind == 'video':
        parser.error(f'{args.input} is a video: use demo/video_demo.py')
    inferencer = build_inferencer(args)
    one_image = source.kind == 'image'
    boxes = person_boxes(args, source, inferencer)
    for out in tqdm(inferencer(source, boxes, draw=True), total=len(source),
                    desc='image demo', unit='img', disable=one_image):
        name = osp.splitext(out.frame.name)[0] + '.png'
        path = args.out if one_image else osp.join(args.out, name)
        write_image_atomic(path, out.drawn)
        if one_image:
            print_log(f'{out.frame.name}: {describe(inferencer, out.result)}', logger='current')
    print_log(f'wrote {len(source)} annotated image(s) to {args.out}', logger='current')


if __name__ == '__main__':
    with exit_on_user_error(ValueError):
        main()
