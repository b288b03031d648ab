"""MicroNetPoseHead: output sizes and the heatmap upsampling."""
import torch
import torch.nn.functional as F

from micronet_dense.models.heads import MicroNetPoseHead

BLOCKS = [(2, 32, 16, 3, 4, 4, 2, 2, 2, 2, 1, 1), (2, 32, 16, 3, 4, 4, 2, 2, 2, 2, 1, 1)]


def test_heatmaps_at_stride_4_of_the_crop():
    head = MicroNetPoseHead(24, BLOCKS, num_keypoints=5).eval()
    assert head((torch.randn(2, 24, 8, 6), )).shape == (2, 5, 32, 24)


def test_heatmap_upsample_is_bilinear_upsampling_of_the_heatmaps():
    torch.manual_seed(0)
    plain = MicroNetPoseHead(24, BLOCKS, num_keypoints=5).eval()
    upsampled = MicroNetPoseHead(24, BLOCKS, num_keypoints=5, heatmap_upsample=2).eval()
    upsampled.load_state_dict(plain.state_dict())
    feats = (torch.randn(2, 24, 8, 6), )
    with torch.no_grad():
        heatmaps = upsampled(feats)
        expected = F.interpolate(plain(feats), scale_factor=2, mode='bilinear', align_corners=False)
    assert heatmaps.shape == (2, 5, 64, 48)
    torch.testing.assert_close(heatmaps, expected, rtol=0, atol=1e-6)


def test_inference_form_expands_before_upsampling_where_that_is_cheaper():
    # Block 0 widens 48 -> 32 channels (narrows): its expand conv moves before the upsampling.
    # Block 1 widens 16 -> 64 channels with a cheap 4-group conv: resizing 48 more channels costs
    # more than the conv saves, so it stays after.
    blocks = [(2, 32, 16, 3, 4, 4, 2, 2, 2, 2, 1, 1), (2, 64, 16, 3, 4, 4, 2, 2, 2, 2, 1, 1)]
    torch.manual_seed(0)
    head = MicroNetPoseHead(48, blocks, num_keypoints=5).eval()
    with torch.no_grad():
        for m in head.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.bias.uniform_(-0.5, 0.5)  # a conv bias after folding, to commute as well
        head.final.weight.normal_(0.0, 1.0)
    feats = (torch.randn(2, 48, 4, 3, dtype=torch.float64), )
    head.double()
    with torch.no_grad():
        expected = head(feats)
        head.switch_to_deploy()
        actual = head(feats)
    assert isinstance(head.blocks[0].expand, torch.nn.Identity)
    assert head.before_upsample[0].conv.in_channels == 48
    assert isinstance(head.before_upsample[1], torch.nn.Identity)
    assert expected.abs().max() > 0.1
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-10)
