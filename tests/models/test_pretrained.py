"""Pretrained backbone loading: the converted checkpoint's arch is checked, partial loads are
explicit and reported, init_weights logs one summary line."""
import pytest
import torch

from micronet_dense.models.backbones import MicroNet
from micronet_dense.models.estimators import TopdownPoseEstimator
from micronet_dense.models.pretrained import load_pretrained


def converted(path, arch, prefix=''):
    """A file as tools/model_converters/micronet_official_to_dense.py writes it."""
    state = {prefix + k: v for k, v in MicroNet(arch).state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict(arch=arch, backbone_only=not prefix)), path)
    return str(path)


def test_matching_arch_loads_everything(tmp_path, log_lines):
    source = MicroNet('m0')
    torch.save(dict(state_dict=source.state_dict(), meta=dict(arch='m0')), tmp_path / 'm0.pth')
    backbone = MicroNet('m0', init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'm0.pth')))
    backbone.init_weights()
    for key, value in source.state_dict().items():
        torch.testing.assert_close(backbone.state_dict()[key], value)
    total = len(source.state_dict())
    assert [line for line in log_lines if 'loaded' in line] == [
        f'{tmp_path / "m0.pth"}: loaded {total} of {total} tensors (MicroNet-m0); 0 missing, '
        '0 of another shape, 0 unused']


def test_other_arch_fails_unless_partial(tmp_path):
    path = converted(tmp_path / 'm1.pth', 'm1')
    backbone = MicroNet('m0', init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(ValueError, match='holds MicroNet-m1 weights .* the backbone is MicroNet-m0'):
        backbone.init_weights()
    report = load_pretrained(MicroNet('m0'), path, arch='m0', partial=True)
    own = MicroNet('m0').state_dict()
    assert len(report['loaded']) + len(report['missing']) + len(report['mismatched']) == len(own)
    assert report['mismatched'] and report['loaded']


def test_whole_model_file_needs_the_prefix(tmp_path):
    path = converted(tmp_path / 'whole.pth', 'm0', prefix='backbone.')
    with pytest.raises(ValueError, match="loaded 0 of .*set prefix='backbone.'"):
        load_pretrained(MicroNet('m0'), path, arch='m0')
    assert not load_pretrained(MicroNet('m0'), path, arch='m0', prefix='backbone.')['missing']


def test_init_weights_logs_a_summary_not_a_line_per_parameter(log_lines):
    model = TopdownPoseEstimator(
        backbone=dict(type='MicroNet', arch='m0', out_indices=(4, )),
        head=dict(type='MicroNetPoseHead', in_channels=384, num_keypoints=5,
                  blocks=[(2, 64, 32, 3, 4, 8, 4, 8, 2, 2, 1, 1)]),
        codec=dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2.0))
    log_lines.clear()
    model.init_weights()
    num_params = len(list(model.parameters()))
    assert len(log_lines) == 1 and f'{num_params} parameter tensors' in log_lines[0]
