# MicroNet-M2 single-task depth: configs/depth/micronet_m0_cityscapes_depth.py with the backbone of
# configs/seg/micronet_m2_cityscapes.py.
# Measured at 1024×2048: 0.695M params, 0.902G MAdds.
_base_ = ['./micronet_m0_cityscapes_depth.py']
model = dict(backbone=dict(arch='m2'), tasks=dict(depth=dict(head=dict(in_channels=(24, 768)))))
