# MicroNet-M2 + MR-ASPP on Cityscapes (fine), 1024×2048 evaluation, the v1 recipe.
# Target (v1 M1): ≈1.2B MAdds (unverified). Measured: 0.829M params, 1.231G MAdds.
_base_ = [
    '../_base_/models/micronet_seg.py', '../_base_/datasets/cityscapes.py',
    '../_base_/schedules/seg_sgd_240e.py'
]
# The MR-ASPP widths are not published. A 256-wide ASPP branch whose Micro-Factorized 1×1 conv
# squeezes the stride-16 feature through 192 channels in 4 groups brings the model to the
# arXiv 2011.12289 totals.
model = dict(
    backbone=dict(arch='m2'),
    decode_head=dict(in_channels=(24, 768), channels=256, mid_channels=192, groups=4))
