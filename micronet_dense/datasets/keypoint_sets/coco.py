"""COCO person keypoints: the one description of the COCO keypoint set in this project.

mmpose's ``configs/_base_/datasets/coco.py`` format (keypoint colours left out: poses are drawn
coloured by score), plus the annotation ``category``. ``type`` marks the keypoints of the upper
and lower body (half-body augmentation), ``swap`` the left/right mirror of a keypoint (flip),
``sigmas`` the per-keypoint falloff of the COCO keypoint evaluation (OKS). The skeleton is the
COCO category's, in its order.
"""
dataset_info = dict(
    dataset_name='coco',
    category=dict(id=1, name='person'),
    keypoint_info={
        0: dict(name='nose', id=0, type='upper', swap=''),
        1: dict(name='left_eye', id=1, type='upper', swap='right_eye'),
        2: dict(name='right_eye', id=2, type='upper', swap='left_eye'),
        3: dict(name='left_ear', id=3, type='upper', swap='right_ear'),
        4: dict(name='right_ear', id=4, type='upper', swap='left_ear'),
        5: dict(name='left_shoulder', id=5, type='upper', swap='right_shoulder'),
        6: dict(name='right_shoulder', id=6, type='upper', swap='left_shoulder'),
        7: dict(name='left_elbow', id=7, type='upper', swap='right_elbow'),
        8: dict(name='right_elbow', id=8, type='upper', swap='left_elbow'),
        9: dict(name='left_wrist', id=9, type='upper', swap='right_wrist'),
        10: dict(name='right_wrist', id=10, type='upper', swap='left_wrist'),
        11: dict(name='left_hip', id=11, type='lower', swap='right_hip'),
        12: dict(name='right_hip', id=12, type='lower', swap='left_hip'),
        13: dict(name='left_knee', id=13, type='lower', swap='right_knee'),
        14: dict(name='right_knee', id=14, type='lower', swap='left_knee'),
        15: dict(name='left_ankle', id=15, type='lower', swap='right_ankle'),
        16: dict(name='right_ankle', id=16, type='lower', swap='left_ankle'),
    },
    skeleton_info={
        0: dict(link=('left_ankle', 'left_knee'), id=0),
        1: dict(link=('left_knee', 'left_hip'), id=1),
        2: dict(link=('right_ankle', 'right_knee'), id=2),
        3: dict(link=('right_knee', 'right_hip'), id=3),
        4: dict(link=('left_hip', 'right_hip'), id=4),
        5: dict(link=('left_shoulder', 'left_hip'), id=5),
        6: dict(link=('right_shoulder', 'right_hip'), id=6),
        7: dict(link=('left_shoulder', 'right_shoulder'), id=7),
        8: dict(link=('left_shoulder', 'left_elbow'), id=8),
        9: dict(link=('right_shoulder', 'right_elbow'), id=9),
        10: dict(link=('left_elbow', 'left_wrist'), id=10),
        11: dict(link=('right_elbow', 'right_wrist'), id=11),
        12: dict(link=('left_eye', 'right_eye'), id=12),
        13: dict(link=('nose', 'left_eye'), id=13),
        14: dict(link=('nose', 'right_eye'), id=14),
        15: dict(link=('left_eye', 'left_ear'), id=15),
        16: dict(link=('right_eye', 'right_ear'), id=16),
        17: dict(link=('left_ear', 'left_shoulder'), id=17),
        18: dict(link=('right_ear', 'right_shoulder'), id=18),
    },
    # mmpose's COCO joint weights (limb ends count more); used only where a codec is asked to.
    joint_weights=[1., 1., 1., 1., 1., 1., 1., 1.2, 1.2, 1.5, 1.5, 1., 1., 1.2, 1.2, 1.5, 1.5],
    # Written as pycocotools writes its default kpt_oks_sigmas (tenths / 10), which makes them the
    # same float64 values: COCO results match pycocotools' own evaluation bit for bit.
    sigmas=[tenths / 10.0 for tenths in (.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62,
                                         1.07, 1.07, .87, .87, .89, .89)])
