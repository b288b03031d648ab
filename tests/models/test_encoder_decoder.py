"""EncoderDecoder with the MR-ASPP head: shapes, loss, whole vs sliding-window inference."""
import torch
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.models import EncoderDecoder


def build(test_cfg=None):
    torch.manual_seed(0)
    return EncoderDecoder(
        backbone=dict(type='MicroNet', arch='m0', out_indices=(2, 4), strides=(2, 2, 2, 2, 1)),
        decode_head=dict(type='MRASPPHead', in_channels=(12, 384), channels=32, mid_channels=16,
                         groups=4, num_classes=5),
        test_cfg=test_cfg).eval()


def test_tensor_loss_and_predict_shapes():
    model = build()
    x = torch.randn(2, 3, 64, 96)
    assert model(x, mode='tensor').shape == (2, 5, 64, 96)
    labels = torch.randint(0, 5, (2, 1, 64, 96))
    labels[:, :, :8] = 255
    samples = [BaseDataElement(gt_sem_seg=PixelData(data=l)) for l in labels]
    loss = model.train()(x, samples, mode='loss')['loss_ce']
    assert loss.ndim == 0 and torch.isfinite(loss) and loss > 0
    samples = [BaseDataElement(metainfo=dict(img_shape=(60, 90), ori_shape=(120, 180)))
               for _ in range(2)]
    out = model.eval()(x, samples, mode='predict')
    assert out[0].pred_sem_seg.data.shape == (1, 120, 180)
    assert out[0].pred_sem_seg.data.max() < 5


def test_loss_is_cross_entropy_over_non_ignored_pixels():
    model = build().train()
    x = torch.randn(1, 3, 64, 64)
    labels = torch.randint(0, 5, (1, 1, 64, 64))
    labels[..., :, :40] = 255
    loss = model(x, [BaseDataElement(gt_sem_seg=PixelData(data=labels[0]))], mode='loss')['loss_ce']
    logits = model(x, mode='tensor')  # same size as the labels here
    log_prob = logits.log_softmax(dim=1)
    valid = labels[0, 0] != 255
    picked = log_prob[0].gather(0, labels[0].clamp(max=4))[0][valid]
    torch.testing.assert_close(loss, -picked.mean(), rtol=1e-5, atol=1e-6)


def test_sliding_window_with_one_window_equals_whole():
    x = torch.randn(1, 3, 64, 96)
    sample = lambda: [BaseDataElement(metainfo=dict(img_shape=(64, 96), ori_shape=(64, 96)))]  # noqa
    whole = build()(x, sample(), mode='predict')[0].pred_sem_seg.data
    slide = build(dict(mode='slide', crop_size=(64, 96), stride=(32, 48)))
    assert torch.equal(slide(x, sample(), mode='predict')[0].pred_sem_seg.data, whole)
    overlapping = build(dict(mode='slide', crop_size=(48, 64), stride=(16, 32)))
    logits = overlapping._slide_logits(x)
    assert logits.shape == (1, 5, 64, 96) and torch.isfinite(logits).all()
