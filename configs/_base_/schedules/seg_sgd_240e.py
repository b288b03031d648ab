# arXiv 2011.12289: from random init, 240 epochs, SGD momentum 0.9, lr 0.2 with cosine decay to
# 1e-4, weight decay 4e-5 (batch 32 of 512×1024 crops: 2,975 images → 93 iterations per epoch).
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=4e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=240, eta_min=1e-4, by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
