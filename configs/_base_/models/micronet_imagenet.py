# MicroNet ImageNet classifier; the arch configs set backbone.arch and the head widths.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        # The official loader normalises RGB in [0, 1] by the ImageNet mean/std.
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(type='MicroNet', arch='m0', out_indices=(4, )),
    head=dict(type='MicroNetClsHead', in_channels=384, hidden_channels=640, num_classes=1000,
              dropout=0.05))
input_shape = (224, 224)  # the size get_flops / benchmarks / export measure the model at
