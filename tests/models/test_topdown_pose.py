"""TopdownPoseEstimator: loss wiring, back-projection of decoded keypoints and the flip test."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import BaseDataElement

from micronet_dense.datasets.keypoint_metainfo import COCO_PERSON_METAINFO
from micronet_dense.datasets.transforms.topdown import get_warp_matrix
from micronet_dense.registry import MODELS

INPUT_W, INPUT_H, STRIDE = 96, 128, 4
COCO_PERSON_KEYPOINTS = COCO_PERSON_METAINFO['keypoint_names']
LEFT_WRIST, RIGHT_WRIST = COCO_PERSON_KEYPOINTS.index('left_wrist'), COCO_PERSON_KEYPOINTS.index(
    'right_wrist')


def _flip_indices():
    names = [n.replace('left', 'L').replace('right', 'left').replace('L', 'right')
             for n in COCO_PERSON_KEYPOINTS]
    return [COCO_PERSON_KEYPOINTS.index(n) for n in names]


def _estimator(flip_test: bool):
    """The m0 pose model with HRNet decoding (argmax + quarter offset) at INPUT_W×INPUT_H."""
    cfg = Config.fromfile('configs/pose/micronet_m0_coco.py')
    cfg.model.codec = dict(type='MSRAHeatmap', input_size=(INPUT_W, INPUT_H),
                           heatmap_size=(INPUT_W // STRIDE, INPUT_H // STRIDE), sigma=1.0)
    cfg.model.test_cfg = dict(flip_test=flip_test, shift_heatmap=True)
    return MODELS.build(cfg.model).eval()


def _sample(center, scale):
    return BaseDataElement(metainfo=dict(
        input_center=np.asarray(center, np.float32), input_scale=np.asarray(scale, np.float32),
        input_size=(INPUT_W, INPUT_H), flip_indices=_flip_indices()))


def test_predict_back_projects_heatmap_peaks_to_image_pixels(monkeypatch):
    model = _estimator(flip_test=False)
    center, scale, rng = (210.0, 140.0), (150.0, 200.0), np.random.default_rng(0)
    # Crop keypoints on the heatmap grid decode exactly (a symmetric peak gets no quarter offset).
    grid = rng.integers(2, (INPUT_W // STRIDE - 2, INPUT_H // STRIDE - 2), size=(17, 2))
    crop_keypoints = (grid * STRIDE).astype(np.float64)
    to_image = get_warp_matrix(center, scale, 0.0, (INPUT_W, INPUT_H), inv=True)
    expected = crop_keypoints @ to_image[:, :2].T + to_image[:, 2]
    heatmaps = model.codec.encode(crop_keypoints[None])['heatmaps']
    monkeypatch.setattr(model, '_heatmaps', lambda inputs: torch.from_numpy(heatmaps)[None])

    pred = model.predict(torch.zeros(1, 3, INPUT_H, INPUT_W), [_sample(center, scale)])[0]
    np.testing.assert_allclose(pred.pred_instances.keypoints[0], expected, atol=1e-3)
    np.testing.assert_allclose(pred.pred_instances.keypoint_scores[0], 1.0)
    assert pred.metainfo['area'] == pytest.approx(150.0 * 200.0)


def _left_wrist_at_brightest_column(inputs: torch.Tensor) -> torch.Tensor:
    """A stand-in network: the left wrist is wherever the input is brightest (row 16)."""
    heatmaps = torch.zeros(inputs.shape[0], 17, INPUT_H // STRIDE, INPUT_W // STRIDE)
    for n, image in enumerate(inputs):
        x = int(image[0, 16 * STRIDE].argmax())
        heatmaps[n, LEFT_WRIST, 16, int(x / STRIDE + 0.5)] = 1.0
    return heatmaps


@pytest.mark.parametrize('flip_test', [False, True])
def test_flip_test_averages_the_mirrored_prediction_into_the_mirrored_keypoint(monkeypatch,
                                                                              flip_test):
    model = _estimator(flip_test=flip_test)
    monkeypatch.setattr(model, '_heatmaps', _left_wrist_at_brightest_column)
    inputs = torch.zeros(1, 3, INPUT_H, INPUT_W)
    column = 9 * STRIDE
    inputs[:, :, 16 * STRIDE, column] = 1.0
    center, scale = (INPUT_W / 2, INPUT_H / 2), (INPUT_W, INPUT_H)  # crop == image

    pred = model.predict(inputs, [_sample(center, scale)])[0].pred_instances
    scores = pred.keypoint_scores[0]
    if not flip_test:
        assert scores[LEFT_WRIST] == 1.0 and scores[RIGHT_WRIST] == 0.0
    else:
        # The mirrored input puts the peak in the left-wrist channel at the mirrored column; the
        # flip maps it back (with HRNet's one-pixel shift) into the right-wrist channel.
        assert scores[LEFT_WRIST] == 0.5 and scores[RIGHT_WRIST] == 0.5
        np.testing.assert_allclose(pred.keypoints[0, RIGHT_WRIST], (column, 16 * STRIDE))
    np.testing.assert_allclose(pred.keypoints[0, LEFT_WRIST], (column, 16 * STRIDE))
    assert np.all(np.delete(scores, [LEFT_WRIST, RIGHT_WRIST]) == 0)


def test_loss_is_weighted_mse_against_the_target_heatmaps():
    model = _estimator(flip_test=False)  # eval: batch-norm uses its running statistics
    inputs = torch.randn(2, 3, INPUT_H, INPUT_W)
    with torch.no_grad():
        pred = model(inputs, mode='tensor')
    targets = torch.rand_like(pred)
    weights = torch.ones(2, 17)
    weights[0, 3] = 0.0
    samples = [BaseDataElement(heatmaps=t, keypoint_weights=w) for t, w in zip(targets, weights)]
    loss = model(inputs, samples, mode='loss')['loss_kpt']
    squared = (pred - targets).square().mean(dim=(2, 3)) * weights
    # Mean over images, keypoints and pixels; a zero-weight keypoint contributes nothing.
    assert loss.item() == pytest.approx(squared.mean().item(), rel=1e-5)
