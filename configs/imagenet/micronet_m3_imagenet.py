# MicroNet-M3 ImageNet classifier, official recipe (paper §6.1).
_base_ = [
    '../_base_/models/micronet_imagenet.py', '../_base_/datasets/imagenet.py',
    '../_base_/schedules/imagenet_600e.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(arch='m3'),
    head=dict(in_channels=864, hidden_channels=1024, dropout=0.1))
# m3 only: weight decay 4e-5 and 5 epochs of per-iteration linear warm-up.
optim_wrapper = dict(optimizer=dict(weight_decay=4e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=595, eta_min=0.0, by_epoch=True, begin=5, end=600,
         convert_to_iter_based=True),
]
