"""Official checkpoints -> micronet_dense: key list, conversion and identical logits."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from micronet_dense.apis import init_model
from micronet_dense.models.backbones import ARCH_ROWS, ARCH_SETTINGS, MicroNet
from micronet_dense.models.official_checkpoint import convert_official_state_dict

from .official_reference import RefMicroNet

KEY_LIST = Path(__file__).parents[1] / 'data' / 'official_state_dict_keys.txt'
REPO = Path(__file__).parents[2]


def official_keys():
    """{arch: {key: shape}} parsed from the released checkpoints' key list."""
    keys, arch = {}, None
    for line in KEY_LIST.read_text().splitlines():
        if line.startswith('## M'):
            arch = 'm' + line[4]
            keys[arch] = {}
        elif arch and line.strip() and not line.startswith('#'):
            name, shape = line.split(' ', 1)
            keys[arch][name] = tuple(int(v) for v in re.findall(r'\d+', shape))
    return keys


def reference(arch):
    s = ARCH_SETTINGS[arch]
    torch.manual_seed(0)
    model = RefMicroNet(ARCH_ROWS[arch], s['stem_groups'], s['cls_hidden'], s['init_a'], s['init_b'])
    # Random BN statistics and affine parameters, so a wrong mapping cannot hide behind defaults.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            elif isinstance(m, torch.nn.Linear):
                m.weight.normal_(0, 0.1)
                m.bias.uniform_(-0.3, 0.3)
    return model.eval()


@pytest.mark.parametrize('arch', ['m0', 'm1', 'm2', 'm3'])
def test_reference_has_the_released_keys(arch):
    expected = official_keys()[arch]
    got = {k: tuple(v.shape) for k, v in reference(arch).state_dict().items()}
    assert got == expected


@pytest.mark.parametrize('arch', ['m0', 'm1', 'm2', 'm3'])
def test_converted_checkpoint_gives_official_logits(arch, tmp_path):
    ref = reference(arch)
    official = {'state_dict': {'module.' + k: v for k, v in ref.state_dict().items()}}
    src, dst = tmp_path / f'micronet-{arch}.pth', tmp_path / 'converted.pth'
    torch.save(official, src)
    subprocess.run([sys.executable, 'tools/model_converters/micronet_official_to_dense.py', str(src),
                    str(dst)], cwd=REPO, check=True, capture_output=True)
    model = init_model(REPO / f'configs/imagenet/micronet_{arch}_imagenet.py', str(dst))
    x = torch.randn(3, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(model(x, mode='tensor'), ref(x), rtol=1e-5, atol=1e-5)


def test_backbone_only_conversion_loads_into_micronet():
    ref = reference('m2')
    arch, state = convert_official_state_dict({'state_dict': ref.state_dict()}, backbone_only=True)
    assert arch == 'm2'
    backbone = MicroNet('m2').eval()
    backbone.load_state_dict(state, strict=True)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x)[0], ref.features(x), rtol=1e-5, atol=1e-5)


def test_unknown_checkpoint_is_rejected():
    with pytest.raises(ValueError, match='matches none'):
        convert_official_state_dict({'state_dict': {'features.0.stem.0.conv.2.weight': torch.zeros(5)}})


def test_backbone_init_cfg_loads_converted_weights(tmp_path):
    ref = reference('m1')
    src, dst = tmp_path / 'micronet-m1.pth', tmp_path / 'm1_backbone.pth'
    torch.save({'state_dict': {'module.' + k: v for k, v in ref.state_dict().items()}}, src)
    subprocess.run([sys.executable, 'tools/model_converters/micronet_official_to_dense.py', str(src),
                    str(dst), '--backbone-only'], cwd=REPO, check=True, capture_output=True)
    backbone = MicroNet('m1', init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    backbone.init_weights()
    backbone.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x)[0], ref.features(x), rtol=1e-5, atol=1e-5)
