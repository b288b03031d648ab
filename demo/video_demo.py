"""Pose, segmentation, depth or multi-task (segmentation + depth) on every frame of a video,
written as an annotated MP4 (mp4v).

    python demo/video_demo.py CONFIG CHECKPOINT VIDEO --out OUT.mp4
        [--det-file DETS.json --det-score-thr 0.3] [--kpt-thr 0.3] [--max-depth 80]
        [--device cpu] [--fps F]
"""
import argparse

import cv2
from mmengine.logging import print_log
from tqdm import tqdm

from micronet_dense.apis import FrameSource
from micronet_dense.apis.cli import (DETECTOR_NOTE, add_inference_arguments, build_inferencer,
                                     person_boxes)
from micronet_dense.utils.atomic_io import atomic_output_path
from micronet_dense.utils.user_errors import exit_on_user_error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0], epilog=DETECTOR_NOTE)
    add_inference_arguments(parser)
    parser.add_argument('--fps', type=float,
                        help="frame rate of the output (default: the input video's, else 25)")
    args = parser.parse_args()
    source = FrameSource(args.input)
    inferencer = build_inferencer(args)
    fps = args.fps or source.fps or 25.0
    writer, size, count = None, None, 0
    with atomic_output_path(args.out) as tmp_path:
        try:
            for out in tqdm(inferencer(source, person_boxes(args, source, inferencer), draw=True),
                            total=len(source), desc='video demo', unit='frame'):
                if writer is None:
                    size = out.drawn.shape[1::-1]
                    writer = cv2.VideoWriter(tmp_path, cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
                    if not writer.isOpened():
                        raise RuntimeError(f'OpenCV cannot write an mp4v video to {args.out}')
                if out.drawn.shape[1::-1] != size:
                    raise ValueError(f'{out.frame.name} is {out.drawn.shape[1::-1]} (w, h), '
                                     f'but the video is {size}')
                writer.write(out.drawn)
                count += 1
            if writer is None:
                raise ValueError(f'{args.input} has no frames')
        finally:
            if writer is not None:
                writer.release()
    print_log(f'wrote {count} frames at {fps:g} fps to {args.out}', logger='current')


if __name__ == '__main__':
    with exit_on_user_error(ValueError):
        main()
