# MicroNet-M0 single-task depth on Cityscapes: the multi-task model of
# configs/multitask/micronet_m0_cityscapes_seg_depth.py without its segmentation task (same
# backbone, depth head, data and schedule; the label maps are loaded but unused), the single-task
# baseline of its Δm.
# Measured at 1024×2048: 0.190M params, 0.357G MAdds.
_base_ = ['../multitask/micronet_m0_cityscapes_seg_depth.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}))
val_evaluator = [dict(type='DepthMetric', min_depth=1e-3, max_depth=80.0, prefix='depth')]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='depth/AbsRel', rule='less'))
