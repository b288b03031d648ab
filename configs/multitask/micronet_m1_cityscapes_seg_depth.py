# MicroNet-M1 for Cityscapes segmentation and depth:
# configs/multitask/micronet_m0_cityscapes_seg_depth.py with the backbone of
# configs/seg/micronet_m1_cityscapes.py. Both heads read its stage-2 and stage-4 features; the
# MR-ASPP widths are the segmentation configs' (inherited from configs/seg/micronet_m0_cityscapes.py
# through the m0 config, the same in every arch; a test checks the head equals
# configs/seg/micronet_m1_cityscapes.py's).
# Measured at 1024×2048: 0.672M params, 0.970G MAdds.
_base_ = ['./micronet_m0_cityscapes_seg_depth.py']
model = dict(backbone=dict(arch='m1'),
             tasks=dict(seg=dict(head=dict(in_channels=(16, 576))),
                        depth=dict(head=dict(in_channels=(16, 576)))))
