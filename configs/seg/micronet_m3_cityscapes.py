# MicroNet-M3 + MR-ASPP on Cityscapes (fine), 1024×2048 evaluation, the v1 recipe.
# Target (v1 M2): ≈1.75B MAdds. Measured: 1.184M params, 1.719G MAdds.
_base_ = [
    '../_base_/models/micronet_seg.py', '../_base_/datasets/cityscapes.py',
    '../_base_/schedules/seg_sgd_240e.py'
]
# The MR-ASPP widths are not published. A 512-wide ASPP branch whose Micro-Factorized 1×1 conv
# squeezes the stride-16 feature through 256 channels in √256 = 16 groups (the paper's G = √(C/R))
# brings the model to the arXiv 2011.12289 totals.
model = dict(
    backbone=dict(arch='m3'),
    decode_head=dict(in_channels=(24, 864), channels=512, mid_channels=256, groups=None))
