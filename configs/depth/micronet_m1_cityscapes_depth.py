# MicroNet-M1 single-task depth: configs/depth/micronet_m0_cityscapes_depth.py with the backbone of
# configs/seg/micronet_m1_cityscapes.py.
_base_ = ['./micronet_m0_cityscapes_depth.py']
model = dict(backbone=dict(arch='m1'), tasks=dict(depth=dict(head=dict(in_channels=(16, 576)))))
