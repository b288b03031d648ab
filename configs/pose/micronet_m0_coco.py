# MicroNet-M0 top-down pose estimation on COCO 2017 keypoints, 256×192, paper recipe.
# Not in the paper; budget chosen below m1's 77M MAdds. Measured: 0.306M params, 45.4M MAdds.
_base_ = [
    '../_base_/models/micronet_pose.py', '../_base_/datasets/coco_keypoint.py',
    '../_base_/schedules/pose_adam_250e.py'
]
# Head rows: (upsample, hidden, out, kernel, g1, g2, g3, g4, y1, y2, y3, r), see MicroNetPoseHead.
# The widths are not published; the wide stride-8 block carries most parameters (its Dynamic
# Shift-Max hyper-functions cost no per-pixel MAdds) and the stride-4 blocks stay narrow, which is
# how the totals of the paper's Table 9 are met.
model = dict(
    backbone=dict(arch='m0'),
    head=dict(
        in_channels=384,
        blocks=[
            (2, 288, 48, 5, 12, 8, 8, 8, 2, 2, 1, 1),
            (2, 128, 32, 5, 8, 8, 4, 4, 2, 2, 1, 1),
            (1, 128, 32, 5, 4, 8, 4, 4, 2, 2, 1, 1),
        ]))
