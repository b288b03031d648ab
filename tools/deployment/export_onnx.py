"""Export a pose, segmentation or multi-task model to ONNX and check it against PyTorch with
onnxruntime.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--shape H W] [--opset N]
        [--fast] [--operators] [--atol A]

Pose models output ``heatmaps`` (B, K, H/4, W/4); segmentation models output ``logits``
(B, classes, H, W) at the input size; multi-task models one output per task, named after it
(``seg``, ``depth``: (B, 1, H, W) metres). The batch axis is dynamic. The file is written only when
onnxruntime matches PyTorch within --atol (and within 1e-3 of the largest output); with
CHECKPOINT 'none' the weights are random ones of unit-scale outputs, since a fresh pose head's
~1e-20 heatmaps would meet any --atol. The last line printed is JSON.
"""
import argparse
import json

from micronet_dense.apis import init_model
from micronet_dense.deployment.onnx import (DEFAULT_OPSET, export_onnx, output_names,
                                            unit_scale_random_weights)
from micronet_dense.utils.user_errors import exit_on_user_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file or name of a shipped config')
    parser.add_argument('checkpoint', help="a checkpoint file, or 'none' for random weights "
                        '(drawn so that the outputs are of unit scale and the check means something)')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the config's input_shape)")
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--fast', action='store_true',
                        help='export the fused inference model (folded BN, merged shuffles)')
    parser.add_argument('--operators', action='store_true',
                        help="the fused model with the project's onnxruntime operators (one node "
                        'per Dynamic Shift-Max and per bilinear resize; they need their library '
                        'to run: docs/deployment.md)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest accepted |onnxruntime - PyTorch| (default 1e-4)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint
    model = init_model(args.config, checkpoint)
    shape = tuple(args.shape or model.cfg.get('input_shape', (224, 224)))
    if checkpoint is None:
        unit_scale_random_weights(model, shape)
    diff, nodes = export_onnx(model, args.out, shape, fast=args.fast, opset=args.opset,
                              atol=args.atol, operators=args.operators)
    outputs = ', '.join(output_names(model))
    print(f'wrote {args.out}: input (batch, 3, {shape[0]}, {shape[1]}) -> {outputs}, '
          f'{nodes} nodes, opset {args.opset}; onnxruntime vs PyTorch max |diff| = {diff:.3g}')
    print(json.dumps(dict(onnx=args.out, input_shape=list(shape), output=outputs,
                          fast=args.fast or args.operators, operators=args.operators,
                          opset=args.opset, nodes=nodes, max_abs_diff=diff)))


if __name__ == '__main__':
    with exit_on_user_error():
        main()
