# MicroNet-M3 single-task depth: configs/depth/micronet_m0_cityscapes_depth.py with the backbone of
# configs/seg/micronet_m3_cityscapes.py.
# Measured at 1024×2048: 0.840M params, 1.463G MAdds.
_base_ = ['./micronet_m0_cityscapes_depth.py']
model = dict(backbone=dict(arch='m3'), tasks=dict(depth=dict(head=dict(in_channels=(24, 864)))))
