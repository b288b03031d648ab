# COCO 2017 person keypoints, top-down (SimpleBaseline / HRNet recipe, paper §6.3): GT boxes for
# training, the person detector's boxes for validation, 256×192 crops, σ=2 heatmaps at 64×48.
_base_ = ['../default_runtime.py']
data_root = 'data/coco/'
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownRandomFlip', prob=0.5),
    dict(type='TopdownRandomHalfBody', prob=0.3),
    dict(type='TopdownRandomBBoxTransform', scale_factor=(0.65, 1.35), rotate_factor=45.0,
         rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=32,  # × 4 GPUs, HRNet's setting
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(
        type='CocoKeypointDataset',
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CocoKeypointDataset',
        data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        bbox_file=data_root + 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoKeypointMetric',
                     ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
