# Cityscapes fine, 19 train classes (labelTrainIds from tools/dataset_converters/cityscapes.py).
# Training: DeepLab-style augmentation, 512×1024 crops; validation: whole 1024×2048 images, labels
# at their original resolution.
_base_ = ['../default_runtime.py']
data_root = 'data/cityscapes/'
crop_size = (512, 1024)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='SegRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SegPad', size=crop_size),
    dict(type='PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadSegAnnotation'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,  # × 4 GPUs = 32 crops of 512×1024
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(
        type='CityscapesDataset',
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesDataset',
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
# The metric takes the class count and names from the dataset's metainfo.
val_evaluator = dict(type='IoUMetric', ignore_index=255)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
