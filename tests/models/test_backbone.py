"""MicroNet backbone and ImageNet classifier against the paper's / official code's numbers."""
import pytest
import torch
from torch import nn

from micronet_dense.apis import init_model
from micronet_dense.models.backbones import ARCH_COMPLEXITY, MicroNet
from micronet_dense.models.complexity import model_complexity

ARCHS = ['m0', 'm1', 'm2', 'm3']
# Spec A.1/A.3: exact parameters; MAdds at 224×224 rounded to millions (paper Table 7).
PAPER = {'m0': (1_019_590, 4), 'm1': (1_777_587, 6), 'm2': (2_393_876, 12), 'm3': (2_622_960, 21)}
# Spec §3, the "alt" row: conv + linear + DSM FCs + 4·HWC of the K=2 layers, from its components.
SPEC_MADDS = {
    'm0': 2_458_624 + 885_760 + 104_496 + 4 * 116_032,
    'm1': 3_578_176 + 1_512_960 + 222_944 + 4 * 159_936,
    'm2': 8_025_024 + 1_810_432 + 502_672 + 4 * 529_984,
    'm3': 15_763_104 + 1_908_736 + 564_160 + 4 * 642_880,
}
FEATURE_PARAMS = {'m0': 128_910, 'm1': 258_747, 'm2': 577_372, 'm3': 708_152}
LAST_CHANNELS = {'m0': 384, 'm1': 576, 'm2': 768, 'm3': 864}


@pytest.fixture(scope='module', params=ARCHS)
def classifier(request):
    return request.param, init_model(f'configs/imagenet/micronet_{request.param}_imagenet.py')


def test_classifier_params_and_madds_match_paper(classifier):
    arch, model = classifier
    report = model_complexity(model, (224, 224))
    params, madds_millions = PAPER[arch]
    assert report['params'] == params == ARCH_COMPLEXITY[arch]['params']
    assert report['madds'] == SPEC_MADDS[arch] == ARCH_COMPLEXITY[arch]['madds']
    assert round(report['madds'] / 1e6) == madds_millions
    assert report['convention'] == 'paper'


def test_classifier_logits(classifier):
    arch, model = classifier
    logits = model(torch.randn(2, 3, 224, 224), mode='tensor')
    assert logits.shape == (2, 1000) and torch.isfinite(logits).all()


@pytest.mark.parametrize('arch', ARCHS)
@pytest.mark.parametrize('shape,strides', [((224, 224), (2, 2, 2, 2, 2)), ((256, 192), (2, 2, 2, 2, 1))])
def test_forward_backward_and_feature_info(arch, shape, strides):
    model = MicroNet(arch, out_indices=(0, 1, 2, 3, 4), strides=strides).train()
    assert sum(p.numel() for p in model.parameters()) == FEATURE_PARAMS[arch]
    x = torch.randn(2, 3, *shape, requires_grad=True)
    outs = model(x)
    reductions = [2, 4, 8, 16, 32 if strides[-1] == 2 else 16]
    for out, info, reduction in zip(outs, model.feature_info, reductions):
        assert info['reduction'] == reduction
        assert out.shape == (2, info['num_chs'], shape[0] // reduction, shape[1] // reduction)
    assert model.feature_info[-1]['num_chs'] == LAST_CHANNELS[arch]
    sum(o.mean() for o in outs).backward()
    assert x.grad is not None and all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize('out_indices', [(4,), (2, 4), (1, 3), (3, 0)])
def test_out_indices_order_and_channels(out_indices):
    model = MicroNet('m2', out_indices=out_indices).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert len(outs) == len(out_indices)
    assert [o.shape[1] for o in outs] == model.out_channels
    assert model.out_channels == [[8, 12, 24, 64, 768][i] for i in out_indices]
    assert [64 // o.shape[-1] for o in outs] == [[2, 4, 8, 16, 32][i] for i in out_indices]


def test_dilation_keeps_resolution_and_grows_receptive_field():
    plain = MicroNet('m0', strides=(2, 2, 2, 2, 1)).eval()
    dilated = MicroNet('m0', strides=(2, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)).eval()
    dilated.load_state_dict(plain.state_dict())
    x = torch.randn(1, 3, 128, 128)
    a, b = plain(x)[0], dilated(x)[0]
    assert a.shape == b.shape == (1, 384, 8, 8)
    assert (a - b).abs().max() > 1e-2 * a.abs().max()
    assert dilated.blocks[-2].depthwise.conv_kx1.dilation == (2, 1)


def test_invalid_arguments_are_rejected():
    with pytest.raises(KeyError, match='m9'):
        MicroNet('m9')
    with pytest.raises(ValueError, match='out_indices'):
        MicroNet('m0', out_indices=(5,))
    with pytest.raises(ValueError, match='5 values'):
        MicroNet('m0', strides=(2, 2, 1))


def test_frozen_stages():
    model = MicroNet('m1', frozen_stages=2)
    model.train()
    for stage in range(5):
        for module in model.stage_modules(stage):
            frozen = stage <= 2
            assert all(p.requires_grad != frozen for p in module.parameters())
            assert all(m.training != frozen for m in module.modules())
    x = torch.randn(2, 3, 64, 64)
    before = model.stem.bn_kx1.running_mean.clone()
    model(x)
    assert torch.equal(model.stem.bn_kx1.running_mean, before)


def test_norm_eval_keeps_running_stats():
    model = MicroNet('m0', norm_eval=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(not m.training for m in bns)
    stats = [m.running_mean.clone() for m in bns]
    model(torch.randn(2, 3, 64, 64))
    assert all(torch.equal(s, m.running_mean) for s, m in zip(stats, bns))
    assert model.blocks[0].training  # only the norms are in eval mode
