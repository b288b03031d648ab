# MicroNet-M0 top-down keypoints on a user's own COCO-format keypoint set: the 5-keypoint birds of
# docs/transfer.md (data/birds, from tools/dataset_converters/make_transfer_examples.py). Copy it,
# point data_root, ann_file and keypoint_set at your data, set the head's num_keypoints.
# Model, flip test and metric as the COCO config; data, crop size and schedule replaced.
_base_ = ['../pose/micronet_m0_coco.py']
data_root = 'data/birds/'
# The keypoint description ({{fileDirname}}: this config's folder).
keypoint_set = '{{fileDirname}}/../_base_/keypoint_sets/birds.py'
input_size, heatmap_size = (48, 64), (12, 16)  # (w, h) of the crops and of the heatmaps
codec = dict(type='MSRAHeatmap', input_size=input_size, heatmap_size=heatmap_size, sigma=1.5)
model = dict(
    # ImageNet weights converted by tools/model_converters/micronet_official_to_dense.py.
    backbone=dict(arch='m0', init_cfg=dict(type='Pretrained',
                                           checkpoint='checkpoints/micronet_m0_backbone.pth')),
    head=dict(num_keypoints=5),
    codec=codec)
input_shape = (64, 48)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownRandomFlip', prob=0.5),
    dict(type='TopdownRandomBBoxTransform', scale_factor=(0.75, 1.25), rotate_factor=30.0,
         rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackPoseInputs'),
]
dataset = dict(_delete_=True, type='CocoKeypointDataset', data_root=data_root,
               data_prefix=dict(img='images/'), metainfo=dict(from_file=keypoint_set))
train_dataloader = dict(
    batch_size=8, num_workers=1, pin_memory=False,
    dataset=dict(**dataset, ann_file='annotations/train.json', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=1, pin_memory=False,
    dataset=dict(**dataset, ann_file='annotations/val.json', test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
# Ground-truth boxes are evaluated here; the metric reads sigmas and category from the dataset.
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
max_epochs = 60
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True)]
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10, max_keep_ckpts=1))
