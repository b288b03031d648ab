"""The fused inference model equals the training model in eval mode."""
import pytest
import torch
from mmengine.structures import BaseDataElement
from torch import nn

from micronet_dense.deployment import fuse_model
from micronet_dense.models.layers import (DynamicShiftMax, FusedDynamicShiftMax, channel_shuffle,
                                          shuffle_permutation)

INPUT_SHAPES = {'pose': (2, 3, 64, 48), 'seg': (1, 3, 64, 128), 'depth': (1, 3, 64, 128),
                'multitask': (1, 3, 64, 128)}
CASES = [(task, arch) for task in ('pose', 'seg', 'multitask') for arch in ('m0', 'm1', 'm2', 'm3')]


def largest(output) -> float:
    """Largest |value| of a tensor output or of a multi-task model's dict of them."""
    outputs = output.values() if isinstance(output, dict) else [output]
    return max(float(o.abs().max()) for o in outputs)


@pytest.mark.parametrize('task, arch', CASES + [('depth', 'm0')])
def test_fused_model_matches_eval_model(build_model, task, arch):
    model = build_model(task, arch)
    fused = fuse_model(model)
    assert not any(isinstance(m, (nn.BatchNorm2d, DynamicShiftMax)) for m in fused.modules())
    x = torch.randn(*INPUT_SHAPES[task], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, actual = model(x, mode='tensor'), fused(x, mode='tensor')
        # In float64 only an algebra error could show; float32 shows the rounding a user gets.
        expected64 = model.double()(x.double(), mode='tensor')
        actual64 = fuse_model(model)(x.double(), mode='tensor')
    assert largest(expected) > 0.1
    if isinstance(expected, dict):  # every task's output, at a scale a wrong fold would show in
        assert all(o.abs().max() > 0.1 for o in expected.values())
    torch.testing.assert_close(actual64, expected64, rtol=0, atol=1e-10)
    # float32 rounding through ~40 layers with random BN statistics: up to 1.3e-5 seen.
    torch.testing.assert_close(actual, expected, rtol=0, atol=3e-5 * max(1.0, largest(expected)))


def test_shuffle_permutation_composes_shuffles():
    x = torch.randn(1, 24, 2, 2)
    index = shuffle_permutation(24, (4, 12))
    torch.testing.assert_close(x[:, index], channel_shuffle(channel_shuffle(x, 4), 12), rtol=0, atol=0)
    assert shuffle_permutation(24, (1,)) is None


@pytest.mark.parametrize('num_fusions', [1, 2])
def test_fused_dynamic_shift_max_reads_and_writes_through_permutations(num_fusions):
    torch.manual_seed(0)
    dsm = DynamicShiftMax(24, reduction=4, num_fusions=num_fusions, groups=4, init_a=(1.0, 0.5),
                          init_b=(0.0, 0.5)).eval()
    with torch.no_grad():
        dsm.fc2.weight.normal_(0.0, 1.0)  # coefficients spread over both clamp bounds
    in_perm, out_perm = torch.randperm(24), torch.randperm(24)
    z = torch.randn(3, 24, 5, 4)
    expected = dsm(z[:, in_perm])[:, out_perm]
    with torch.no_grad():
        actual = FusedDynamicShiftMax(dsm, in_perm, out_perm)(z)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


def predictions(model: nn.Module, shape, meta: dict):
    """``predict`` of ``model`` and of its fused copy on one random batch of ``shape``, each image
    with metainfo ``meta``."""
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        return [m(x, [BaseDataElement(metainfo=meta) for _ in range(shape[0])], mode='predict')
                for m in (model, fuse_model(model))]


def test_fused_model_predicts_like_the_model(build_model):
    meta = dict(flip_indices=[0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15],
                input_size=(48, 64), input_center=(100.0, 80.0), input_scale=(60.0, 80.0))
    expected, actual = predictions(build_model('pose', 'm0'), (2, 3, 64, 48), meta)
    for e, a in zip(expected, actual):
        torch.testing.assert_close(a.pred_instances.keypoints, e.pred_instances.keypoints)
        torch.testing.assert_close(a.pred_instances.keypoint_scores, e.pred_instances.keypoint_scores,
                                   rtol=0, atol=1e-5)


def test_fused_multi_task_model_predicts_every_task_like_the_model(build_model):
    meta = dict(img_shape=(64, 120), ori_shape=(96, 180))  # padded input, resized back
    expected, actual = predictions(build_model('multitask', 'm0'), (2, 3, 64, 128), meta)
    for e, a in zip(expected, actual):
        assert a.pred_sem_seg.data.shape == a.pred_depth_map.data.shape == (1, 96, 180)
        # float rounding may only flip the arg-max of near ties
        assert (a.pred_sem_seg.data == e.pred_sem_seg.data).float().mean() > 0.999
        torch.testing.assert_close(a.pred_depth_map.data, e.pred_depth_map.data, rtol=0,
                                   atol=3e-5)
