# Official ImageNet schedule: SGD momentum 0.9, lr 0.2 at batch 512 (the scripts; the paper's text
# says 0.02), cosine per iteration to 0 over 600 epochs, weight decay on every parameter.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=3e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=600, eta_min=0.0, by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=600, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=512)
