# MicroNet-M0 ImageNet classifier, official recipe (paper §6.1).
_base_ = [
    '../_base_/models/micronet_imagenet.py', '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_600e.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(arch='m0'),
    head=dict(in_channels=384, hidden_channels=640, dropout=0.05))
