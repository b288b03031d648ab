# MicroNet-M0 + MR-ASPP on a user's own image+mask set: the 4-class shapes of docs/transfer.md
# (data/shapes, from tools/dataset_converters/make_transfer_examples.py). Copy it, point
# data_root, the folders and suffixes at your data, list your classes, set num_classes.
# Model and metric as the Cityscapes config; data, crop size and schedule replaced.
_base_ = ['../seg/micronet_m0_cityscapes.py']
data_root = 'data/shapes/'
# One name and one RGB colour per class id (the grey level in the masks).
metainfo = dict(classes=('background', 'disc', 'square', 'bar'),
                palette=[[0, 0, 0], [240, 200, 40], [60, 60, 220], [60, 220, 60]])
crop_size = (64, 64)
model = dict(
    # ImageNet weights converted by tools/model_converters/micronet_official_to_dense.py.
    backbone=dict(arch='m0', init_cfg=dict(type='Pretrained',
                                           checkpoint='checkpoints/micronet_m0_backbone.pth')),
    decode_head=dict(num_classes=4))
input_shape = (96, 96)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='RandomResize', scale=(96, 96), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='SegRandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='SegPad', size=crop_size),
    dict(type='PackSegInputs'),
]
# img_suffix / seg_map_suffix pair <name>.jpg with <name>.png; reduce_zero_label=True would make
# mask value 0 "unlabelled" (ignored) and shift the other ids down by one.
# Merged into the Cityscapes config's datasets, whose whole-image validation pipeline is kept.
dataset = dict(type='BaseSegDataset', data_root=data_root, img_suffix='.jpg',
               seg_map_suffix='.png', metainfo=metainfo)
train_dataloader = dict(
    batch_size=8, num_workers=1, pin_memory=False,
    dataset=dict(**dataset, data_prefix=dict(img_path='images/train', seg_map_path='masks/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=1, pin_memory=False,
    dataset=dict(**dataset, data_prefix=dict(img_path='images/val', seg_map_path='masks/val')))
test_dataloader = val_dataloader
max_epochs = 60
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=2e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True)]
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10, max_keep_ckpts=1))
