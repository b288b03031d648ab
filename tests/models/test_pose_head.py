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
