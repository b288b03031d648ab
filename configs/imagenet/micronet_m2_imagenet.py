# MicroNet-M2 ImageNet classifier, official recipe (paper §6.1).
_base_ = [
    '../_base_/models/micronet_imagenet.py', '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_600e.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(arch='m2'),
    head=dict(in_channels=768, hidden_channels=1024, dropout=0.1))
# The scripts use dropout 0.1 for m2 (the paper's text says 0.05).
