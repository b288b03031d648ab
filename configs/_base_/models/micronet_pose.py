# MicroNet top-down pose model (paper §6.3): the backbone's stride-32 rows run at stride 16, and the
# head upsamples bilinearly through three Micro-Blocks (one at stride 8, two at stride 4) with
# spatial attention to 17 heatmaps at 64×48. The arch configs set the backbone arch and head widths.
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='MicroNet', arch='m0', out_indices=(4, ), strides=(2, 2, 2, 2, 1)),
    head=dict(type='MicroNetPoseHead', in_channels=384, num_keypoints=17, blocks=[]),
    loss=dict(type='KeypointMSELoss'),
    codec=dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0),
    test_cfg=dict(flip_test=True, shift_heatmap=True))
input_shape = (256, 192)  # the size get_flops / benchmarks / export measure the model at
