"""Depth losses against pixel-by-pixel computations."""
import math

import pytest
import torch

from micronet_dense.models.losses import DepthL1Loss, ScaleInvariantLogLoss
from micronet_dense.registry import MODELS


def batch():
    """Two 2x3 images: image 0 with two holes, image 1 with one valid pixel."""
    target = torch.tensor([[[[2.0, 0.0, 4.0], [8.0, 0.0, 1.0]]],
                           [[[0.0, 0.0, 0.0], [0.0, 5.0, 0.0]]]])
    pred = torch.tensor([[[[1.0, 9.0, 4.0], [10.0, 3.0, 2.0]]],
                         [[[7.0, 7.0, 7.0], [7.0, 4.0, 7.0]]]])
    return pred, target


def valid_pairs(pred, target, image):
    return [(p, g) for p, g in zip(pred[image].flatten().tolist(), target[image].flatten().tolist())
            if g > 0]


def test_l1_is_the_mean_over_the_valid_pixels_of_the_batch():
    pred, target = batch()
    pairs = valid_pairs(pred, target, 0) + valid_pairs(pred, target, 1)
    expected = sum(abs(p - g) for p, g in pairs) / len(pairs)  # (1 + 0 + 2 + 1 + 1) / 5
    assert expected == pytest.approx(1.0)
    assert float(DepthL1Loss()(pred, target)) == pytest.approx(expected, abs=1e-6)
    assert float(DepthL1Loss(loss_weight=3.0)(pred, target)) == pytest.approx(3 * expected,
                                                                               abs=1e-6)


@pytest.mark.parametrize('lam', [0.0, 0.5, 1.0])
def test_scale_invariant_log_loss_is_eigen_eq_4_per_image_then_averaged(lam):
    pred, target = batch()
    per_image = []
    for image in range(2):
        d = [math.log(p) - math.log(g) for p, g in valid_pairs(pred, target, image)]
        n = len(d)
        per_image.append(sum(x * x for x in d) / n - lam * sum(d) ** 2 / n ** 2)
    loss = MODELS.build(dict(type='ScaleInvariantLogLoss', variance_weight=lam))(pred, target)
    assert float(loss) == pytest.approx(sum(per_image) / 2, abs=1e-6)


def test_scale_invariant_log_loss_ignores_a_global_scale_at_lambda_one():
    pred, target = batch()
    loss = ScaleInvariantLogLoss(variance_weight=1.0)
    assert float(loss(target * 3.0 + (target == 0), target)) == pytest.approx(0.0, abs=1e-6)
    assert float(ScaleInvariantLogLoss()(target * 3.0 + (target == 0), target)) == pytest.approx(
        0.5 * math.log(3.0) ** 2, abs=1e-6)


@pytest.mark.parametrize('loss', [DepthL1Loss(), ScaleInvariantLogLoss()])
def test_no_valid_pixel_gives_a_zero_with_a_zero_gradient(loss):
    pred = torch.rand(2, 1, 3, 3, requires_grad=True)
    value = loss(pred, torch.zeros(2, 1, 3, 3))
    value.backward()
    assert float(value.detach()) == 0.0 and torch.equal(pred.grad, torch.zeros_like(pred))


def test_errors():
    with pytest.raises(ValueError, match=r'prediction shape \(1, 1, 2, 2\) != target shape'):
        DepthL1Loss()(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 3))
    with pytest.raises(ValueError, match=r'variance_weight \(λ\) must be in \[0, 1\]'):
        ScaleInvariantLogLoss(variance_weight=2.0)
