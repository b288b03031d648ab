# MicroNet + MR-ASPP semantic segmentation (arXiv 2011.12289): the stride-32 rows run at stride 16
# (no dilation, as for pose); the head reads stage 2 (stride 8) and stage 4 (stride 16). The arch
# configs set the backbone arch and the head widths.
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(type='MicroNet', arch='m0', out_indices=(2, 4), strides=(2, 2, 2, 2, 1)),
    decode_head=dict(type='MRASPPHead', in_channels=(12, 384), channels=256, mid_channels=192,
                     groups=4, num_classes=19),
    ignore_index=255,
    test_cfg=dict(mode='whole'))
input_shape = (1024, 2048)  # the size get_flops / benchmarks / export measure the model at
