"""A checkpoint of another model is refused, naming the file, before anything is loaded."""
import pytest
import torch
from mmengine.config import Config

from micronet_dense.engine import CheckpointLoadError
from micronet_dense.engine.checkpoint_match import CheckpointMismatchError, check_checkpoint_matches
from micronet_dense.registry import MODELS

POSE_M0 = 'configs/pose/micronet_m0_coco.py'
POSE_M1 = 'configs/pose/micronet_m1_coco.py'
SEG_M0 = 'configs/seg/micronet_m0_cityscapes.py'


def runner_checkpoint(config: str, path) -> str:
    """What mmengine's runner saves, as far as the check reads: config text and state dict."""
    cfg = Config.fromfile(config)
    torch.save({'meta': {'cfg': cfg.pretty_text, 'epoch': 36},
                'state_dict': MODELS.build(cfg.model).state_dict()}, str(path))
    return str(path)


def test_the_models_own_checkpoint_matches(tmp_path):
    cfg = Config.fromfile(POSE_M0)
    model = MODELS.build(cfg.model)
    check_checkpoint_matches(runner_checkpoint(POSE_M0, tmp_path / 'm0.pth'), model, cfg.model)
    torch.save({'module.' + k: v for k, v in model.state_dict().items()}, tmp_path / 'ddp.pth')
    check_checkpoint_matches(str(tmp_path / 'ddp.pth'), model)  # a bare DDP state dict


@pytest.mark.parametrize('written_by, config, expected', [
    (POSE_M0, POSE_M1, r'of another shape \(e\.g\. backbone\.stem.*It was written by '
                       r'TopdownPoseEstimator \(backbone MicroNet arch m0, head MicroNetPoseHead\); '
                       r'the config builds TopdownPoseEstimator \(backbone MicroNet arch m1'),
    (POSE_M0, SEG_M0, r'missing \(e\.g\. decode_head.*unexpected \(e\.g\. head\..*written by '
                      r'TopdownPoseEstimator .*the config builds EncoderDecoder'),
])
def test_another_models_checkpoint_names_file_and_models(tmp_path, written_by, config, expected):
    path = runner_checkpoint(written_by, tmp_path / 'other.pth')
    cfg = Config.fromfile(config)
    with pytest.raises(CheckpointMismatchError, match=rf'{path} does not fit the model of this '
                                                      rf'config: .*{expected}'):
        check_checkpoint_matches(path, MODELS.build(cfg.model), cfg.model)


def test_not_a_checkpoint(tmp_path):
    torch.save([1, 2, 3], tmp_path / 'list.pth')
    with pytest.raises(CheckpointLoadError, match=r'list\.pth: not a checkpoint \(a pickled list'):
        check_checkpoint_matches(str(tmp_path / 'list.pth'), torch.nn.Linear(1, 1))
