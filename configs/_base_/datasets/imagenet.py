# ImageNet in ImageFolder layout: data/imagenet/{train,val}/<wnid>/<image>. Official augmentation:
# RandomResizedCrop(224) + flip for training, resize 256 + center crop 224 for validation.
data_root = 'data/imagenet'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='RandomResizedCrop', size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='ResizeShortEdge', size=256),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]
train_dataloader = dict(
    batch_size=128,  # × 4 GPUs = 512, the official batch
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='val'),
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
