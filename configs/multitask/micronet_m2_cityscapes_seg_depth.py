# MicroNet-M2 for Cityscapes segmentation and depth:
# configs/multitask/micronet_m0_cityscapes_seg_depth.py with the backbone and MR-ASPP head of
# configs/seg/micronet_m2_cityscapes.py.
# Measured at 1024×2048: 0.947M params, 1.479G MAdds.
_base_ = ['./micronet_m0_cityscapes_seg_depth.py']
model = dict(
    backbone=dict(arch='m2'),
    tasks=dict(seg=dict(head=dict(in_channels=(24, 768), channels=256, mid_channels=192, groups=4)),
               depth=dict(head=dict(in_channels=(24, 768)))))
