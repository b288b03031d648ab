# MicroNet-M0 for Cityscapes segmentation and depth: one backbone, the MR-ASPP head of
# configs/seg/micronet_m0_cityscapes.py and a depth head (L1 loss) on the same stride-8 and
# stride-16 features, fixed task weights of 1 (task_weighting: UncertaintyTaskWeighting or
# DynamicWeightAverage to compare). Depth comes from the stereo disparity (disparity/ and camera/
# of disparity_trainvaltest.zip and camera_trainvaltest.zip, next to leftImg8bit/), evaluated per
# image between 1e-3 and 80 m, and trained on the pixels up to 80 m (max_depth); metric keys carry
# the task: seg/mIoU, depth/AbsRel, ...
# Training augmentation as for segmentation; resize and flip are the variants that move the depth
# map with the labels (random resizing by s divides depth by s: docs/multitask.md).
# Measured at 1024×2048: 0.412M params, 0.802G MAdds.
_base_ = ['../seg/micronet_m0_cityscapes.py']
model = dict(
    _delete_=True,
    type='MultiTaskEstimator',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    tasks=dict(
        seg=dict(type='SemanticSegmentationTask', head={{_base_.model.decode_head}}),
        depth=dict(type='DepthEstimationTask',
                   head=dict(type='DepthHead', in_channels={{_base_.model.decode_head.in_channels}},
                             channels=128, mid_channels=64, groups=4),
                   loss=dict(type='DepthL1Loss'), max_depth=80.0)),
    task_weighting=dict(type='FixedTaskWeighting'))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='LoadDepthFromDisparity'),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True,
         resize_type='DenseResize'),
    dict(type='SegRandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.75),
    dict(type='DenseRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SegPad', size={{_base_.crop_size}}),
    dict(type='PackDenseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='LoadDepthFromDisparity'),
    dict(type='PackDenseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='IoUMetric', num_classes=19, ignore_index=255, prefix='seg'),
    dict(type='DepthMetric', min_depth=1e-3, max_depth=80.0, prefix='depth'),
]
test_evaluator = val_evaluator
# Learned task weights (UncertaintyTaskWeighting's log-variances) are not decayed.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'task_weighting': dict(decay_mult=0.0)}))
default_hooks = dict(checkpoint=dict(save_best='seg/mIoU', rule='greater'))
