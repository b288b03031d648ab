# MicroNet-m0 + MR-ASPP on the built-in Cityscapes-format sample set (data/cityscapes_sample,
# generated and converted on first use): a short CPU schedule that shows the pipeline learning in
# minutes on 2 cores. Same model, transforms and metric as the Cityscapes configs, at the sample's
# 256×512 resolution with 256×256 crops, and Adam instead of the 240-epoch SGD schedule.
_base_ = ['./micronet_m0_cityscapes.py']
data_root = 'data/cityscapes_sample/'
sample_data = dict(type='cityscapes', root=data_root)
crop_size = (256, 256)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='RandomResize', scale=(512, 256), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='SegRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SegPad', size=crop_size),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True, pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, pin_memory=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
input_shape = (256, 512)
max_epochs = 240
# The learning rate is set for this batch on one process (--auto-scale-lr scales from it).
auto_scale_lr = dict(base_batch_size=8)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=40)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=40, max_keep_ckpts=1))
log_processor = dict(window_size=10)
# The sample images are Cityscapes scenes at a quarter of 1024×2048: the attention's pooling window
# and stride (49×49, (16, 20) stride-16 cells at full size) shrink with them, so that it pools the
# same share of the scene (a 2×5 gate on the 16×32 map of a 256×512 image).
model = dict(decode_head=dict(pool_kernel_size=(12, 12), pool_stride=(4, 5)))
