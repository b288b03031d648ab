"""Convert a released official MicroNet checkpoint (micronet-m{0..3}.pth) to micronet_dense names.

    python tools/model_converters/micronet_official_to_dense.py IN.pth OUT.pth [--backbone-only]

The full output loads into configs/imagenet/micronet_m*_imagenet.py (``init_model(cfg, OUT)``);
``--backbone-only`` writes the MicroNet weights alone, for ``init_cfg=dict(type='Pretrained', ...)``.
"""
import argparse
import os

import torch

from micronet_dense.engine import read_checkpoint
from micronet_dense.models.official_checkpoint import convert_official_state_dict
from micronet_dense.utils.atomic_io import atomic_output_path
from micronet_dense.utils.user_errors import UserError, exit_on_user_error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--backbone-only', action='store_true',
                        help='keep only the backbone, without the "backbone." prefix')
    args = parser.parse_args()
    checkpoint = read_checkpoint(args.src)  # errors name the file
    try:
        arch, state_dict = convert_official_state_dict(checkpoint,
                                                       backbone_only=args.backbone_only)
    except (ValueError, KeyError) as exc:
        raise UserError(f'{args.src}: {exc.args[0]}') from None
    out = dict(state_dict=state_dict, meta=dict(arch=arch, source=os.path.basename(args.src),
                                                backbone_only=args.backbone_only))
    with atomic_output_path(args.dst) as tmp_path:
        torch.save(out, tmp_path)
    print(f'converted MicroNet-{arch} ({len(state_dict)} tensors) -> {args.dst}')


if __name__ == '__main__':
    with exit_on_user_error():
        main()
