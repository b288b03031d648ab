# MicroNet-M1 single-task depth: configs/depth/micronet_m0_cityscapes_depth.py with the backbone of
# configs/seg/micronet_m1_cityscapes.py.
# Measured at 1024×2048: 0.348M params, 0.498G MAdds.
_base_ = ['./micronet_m0_cityscapes_depth.py']
model = dict(backbone=dict(arch='m1'), tasks=dict(depth=dict(head=dict(in_channels=(16, 576)))))
