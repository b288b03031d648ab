# MicroNet-M1 top-down pose estimation on COCO 2017 keypoints, 256×192, paper recipe.
# Target (v1 M0): ≈77M MAdds. Measured: 0.583M params, 72.5M MAdds.
_base_ = [
    '../_base_/models/micronet_pose.py', '../_base_/datasets/coco_keypoint.py',
    '../_base_/schedules/pose_adam_250e.py'
]
# Head rows: (upsample, hidden, out, kernel, g1, g2, g3, g4, y1, y2, y3, r), see MicroNetPoseHead.
# The widths are not published; the wide stride-8 block carries most parameters (its Dynamic
# Shift-Max hyper-functions cost no per-pixel MAdds) and the stride-4 blocks stay narrow, which is
# how the totals of the paper's Table 9 are met.
model = dict(
    backbone=dict(arch='m1'),
    head=dict(
        in_channels=576,
        blocks=[
            (2, 384, 64, 5, 24, 12, 8, 8, 2, 2, 1, 1),
            (2, 192, 48, 5, 8, 8, 4, 4, 2, 2, 1, 1),
            (1, 192, 48, 5, 4, 8, 4, 4, 2, 2, 1, 1),
        ]))
