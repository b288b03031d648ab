# MicroNet-M1 for Cityscapes segmentation and depth:
# configs/multitask/micronet_m0_cityscapes_seg_depth.py with the backbone and MR-ASPP head of
# configs/seg/micronet_m1_cityscapes.py.
# Measured at 1024×2048: 0.541M params, 0.994G MAdds.
_base_ = ['./micronet_m0_cityscapes_seg_depth.py']
model = dict(
    backbone=dict(arch='m1'),
    tasks=dict(seg=dict(head=dict(in_channels=(16, 576), channels=256, mid_channels=192, groups=4)),
               depth=dict(head=dict(in_channels=(16, 576)))))
