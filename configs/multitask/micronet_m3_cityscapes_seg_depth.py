# MicroNet-M3 for Cityscapes segmentation and depth:
# configs/multitask/micronet_m0_cityscapes_seg_depth.py with the backbone and MR-ASPP head of
# configs/seg/micronet_m3_cityscapes.py.
# Measured at 1024×2048: 1.112M params, 2.005G MAdds.
_base_ = ['./micronet_m0_cityscapes_seg_depth.py']
model = dict(
    backbone=dict(arch='m3'),
    tasks=dict(seg=dict(head=dict(in_channels=(24, 864), channels=256, mid_channels=160, groups=4)),
               depth=dict(head=dict(in_channels=(24, 864)))))
