# MicroNet + MR-ASPP semantic segmentation (arXiv 2011.12289): the stride-32 rows run at stride 16
# with their depthwise convs dilated by 2, as MobileNetV3 does; the head reads stage 2 (stride 8) and
# stage 4 (stride 16). The arch configs set the backbone arch and the head widths.
# Each reading of the sources is a choice (see MRASPPHead's docstring); the earlier head is
#   backbone.dilations=(1, 1, 1, 1, 1)  (stride removed, no dilation)
#   decode_head: pool_kernel_size=None  (global average pool attention, one gate per channel)
#                channels=256, mid_channels=192 (160 for m3), groups=4  (fixed G)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(type='MicroNet', arch='m0', out_indices=(2, 4), strides=(2, 2, 2, 2, 1),
                  dilations=(1, 1, 1, 1, 2)),
    # groups=None: G = √(C/R) of the MF-pointwise bottleneck (paper Eq. 3); the attention pools
    # 49×49 windows of the stride-16 map with stride (16, 20) (MobileNetV3's LR-ASPP).
    decode_head=dict(type='MRASPPHead', in_channels=(12, 384), channels=512, mid_channels=256,
                     groups=None, pool_kernel_size=(49, 49), pool_stride=(16, 20), num_classes=19),
    ignore_index=255,
    test_cfg=dict(mode='whole'))
input_shape = (1024, 2048)  # the size get_flops / benchmarks / export measure the model at
