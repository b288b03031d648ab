# Paper §6.3 / arXiv 2011.12289: Adam from scratch, lr 1e-3, ×0.1 at epochs 210 and 240, 250 epochs.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),  # HRNet/mmpose warm-up
    dict(type='MultiStepLR', milestones=[210, 240], gamma=0.1, by_epoch=True, begin=0, end=250),
]
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
