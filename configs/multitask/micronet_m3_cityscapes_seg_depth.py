# MicroNet-M3 for Cityscapes segmentation and depth:
# configs/multitask/micronet_m0_cityscapes_seg_depth.py with the backbone of
# configs/seg/micronet_m3_cityscapes.py. Both heads read its stage-2 and stage-4 features; the
# MR-ASPP widths are the segmentation configs' (inherited from configs/seg/micronet_m0_cityscapes.py
# through the m0 config, the same in every arch; a test checks the head equals
# configs/seg/micronet_m3_cityscapes.py's).
# Measured at 1024×2048: 1.316M params, 1.979G MAdds.
_base_ = ['./micronet_m0_cityscapes_seg_depth.py']
model = dict(backbone=dict(arch='m3'),
             tasks=dict(seg=dict(head=dict(in_channels=(24, 864))),
                        depth=dict(head=dict(in_channels=(24, 864)))))
