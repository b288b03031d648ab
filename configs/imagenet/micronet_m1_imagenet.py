# MicroNet-M1 ImageNet classifier, official recipe (paper §6.1).
_base_ = [
    '../_base_/models/micronet_imagenet.py', '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_600e.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(arch='m1'),
    head=dict(in_channels=576, hidden_channels=960, dropout=0.05))
