"""Command-line set-up shared by the demos: arguments, the inferencer, per-frame person boxes."""
import argparse
import os.path as osp
from typing import Callable, Optional

import numpy as np

from micronet_dense.utils.user_errors import UserError
from .detections import load_person_detections
from .frame_source import Frame, FrameSource
from .inferencer import MicroNetInferencer

DETECTOR_NOTE = (
    'No person detector is bundled: pose demos estimate one pose per box of a COCO-format '
    'detection file (--det-file, [{"image_id", "bbox": [x, y, w, h], "score", "category_id"}], '
    'image_id = the number in a COCO file name such as 000000000139.jpg, or the 0-based frame '
    'index of a video) or, without one, one pose with the whole image as the box.')


def add_inference_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('config', help='pose, segmentation, depth or multi-task config '
                        '(file or shipped name)')
    parser.add_argument('checkpoint', help='trained weights (.pth)')
    parser.add_argument('input', help='image, folder of images or video')
    parser.add_argument('--out', required=True, help='where the annotated output goes')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cpu or cuda:0')
    parser.add_argument('--det-file', help='COCO-format person detections (pose only)')
    parser.add_argument('--det-score-thr', type=float, default=0.3,
                        help='keep detections scored at least this (default 0.3)')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='draw keypoints scored at least this (default 0.3)')
    parser.add_argument('--max-depth', type=float, default=80.0,
                        help='depth in metres of the last colour of drawn depth maps (default 80)')
    parser.add_argument('--compile', action='store_true',
                        help='run the fused model compiled by torch.compile (slow to start)')


def build_inferencer(args: argparse.Namespace) -> MicroNetInferencer:
    """The inferencer of ``args``; a missing detection file stops before the model loads."""
    if args.det_file and not osp.isfile(args.det_file):
        raise FileNotFoundError(f'detection file not found: {args.det_file}')
    inferencer = MicroNetInferencer(args.config, args.checkpoint, args.device, args.kpt_thr,
                                    max_depth=args.max_depth, compile=args.compile)
    if args.det_file and inferencer.task != 'pose':
        raise UserError(f'--det-file gives person boxes for pose models; {args.config} '
                        f'is a {inferencer.task} config')
    return inferencer


def frame_image_id(frame: Frame, source: FrameSource) -> int:
    """The detection file's ``image_id`` of a frame: the frame index in a video, else the number
    that names the image file (COCO names images by their zero-padded id)."""
    if source.kind == 'video':
        return frame.index
    stem = osp.splitext(frame.name)[0]
    if not stem.isdigit():
        raise ValueError(f'{frame.name}: detections are matched to images by the number in their '
                         'file name (COCO style, e.g. 000000000139.jpg), and this name has none')
    return int(stem)


def person_boxes(args: argparse.Namespace, source: FrameSource,
                 inferencer: MicroNetInferencer) -> Optional[Callable[[Frame], np.ndarray]]:
    """Per-frame boxes of the model's category (its metainfo's ``category_id``) from
    ``--det-file`` (no box for a frame it lacks), or None (whole image)."""
    if not args.det_file:
        return None
    detections = load_person_detections(args.det_file, args.det_score_thr,
                                        inferencer.dataset_meta['category_id'])
    empty = np.zeros((0, 4), dtype=np.float32)
    return lambda frame: detections.get(frame_image_id(frame, source), empty)


def describe(inferencer: MicroNetInferencer, result) -> str:
    """A short summary of one frame's result for the log."""
    if inferencer.task == 'pose':
        return f'{len(result.keypoints)} {inferencer.dataset_meta["category_name"]}(s)'
    if inferencer.task == 'segmentation':
        result = dict(pred_sem_seg=result)
    parts = []
    if 'pred_sem_seg' in result:
        classes = inferencer.dataset_meta['classes']
        parts.append('classes: ' + ', '.join(classes[c] for c in np.unique(result['pred_sem_seg'])))
    if 'pred_depth_map' in result:
        depth = result['pred_depth_map']
        parts.append(f'depth {depth.min():.3g}-{depth.max():.3g} m '
                     f'(median {np.median(depth):.3g} m)')
    return '; '.join(parts)
