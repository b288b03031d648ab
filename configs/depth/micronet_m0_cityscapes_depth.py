# MicroNet-M0 single-task depth on Cityscapes: the multi-task model of
# configs/multitask/micronet_m0_cityscapes_seg_depth.py without its segmentation task (same
# backbone, depth head, data and schedule), the single-task baseline of its Δm.
# Measured at 1024×2048: 0.190M params, 0.357G MAdds.
_base_ = ['../multitask/micronet_m0_cityscapes_seg_depth.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadDepthFromDisparity'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackDenseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadDepthFromDisparity'),
    dict(type='PackDenseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='DepthMetric', min_depth=1e-3, max_depth=80.0, prefix='depth')]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='depth/AbsRel', rule='less'))
