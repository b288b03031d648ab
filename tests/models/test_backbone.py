"""MicroNet backbone and ImageNet classifier against the paper's / official code's numbers."""
import pytest
import torch
from torch import nn

from micronet_dense.apis import init_model
from micronet_dense.models.backbones import ARCH_COMPLEXITY, MicroNet
from micronet_dense.models.backbones.micronet import arch_block_configs
from micronet_dense.models.complexity import count_complexity, model_complexity
from micronet_dense.models.layers import DynamicShiftMax

ARCHS = ['m0', 'm1', 'm2', 'm3']
# Exact parameters of the official models (liyunsheng13/micronet); MAdds at 224×224 rounded to
# millions (paper Table 7).
PAPER = {'m0': (1_019_590, 4), 'm1': (1_777_587, 6), 'm2': (2_393_876, 12), 'm3': (2_622_960, 21)}
# Measured on the official modules: conv + linear + DSM FCs + 4·HWC of the K=2 layers, the only
# convention that rounds to the paper's 4 / 6 / 12 / 21M.
OFFICIAL_MADDS = {
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
    assert report['madds'] == OFFICIAL_MADDS[arch] == ARCH_COMPLEXITY[arch]['madds']
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


def _receptive_field(model: MicroNet, size: int, monkeypatch) -> tuple:
    """(rows, cols) of input pixels whose gradient reaches the centre pixel of the last feature.

    Dynamic Shift-Max's hyper-function pools the whole image, so its coefficients are detached:
    what remains is the local receptive field of the convs.
    """
    coefficients = DynamicShiftMax.coefficients
    monkeypatch.setattr(DynamicShiftMax, 'coefficients',
                        lambda self, x: coefficients(self, x.detach()))
    x = torch.randn(1, 3, size, size, requires_grad=True)
    out = model(x)[0]
    h, w = out.shape[-2:]
    out[0, :, h // 2, w // 2].sum().backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0), as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def _hand_receptive_field(arch: str, last_dilation: int) -> int:
    """r = 1 + Σ (k − 1)·d·j over the spatial convs along one axis (the stem's 3-tap conv and each
    row's k-tap depthwise conv; the final row has none), j the product of the earlier strides; the
    stride-32 row runs at stride 1."""
    r, jump, stage = 1 + 2, 2, 0
    for cfg in arch_block_configs(arch):
        if cfg.g4 == 0:
            break
        stage += cfg.stride == 2
        dilation = last_dilation if stage == 4 else 1
        r += (cfg.kernel_size - 1) * dilation * jump
        jump *= cfg.stride if stage < 4 else 1
    return r


def test_dilated_stage_receptive_field(monkeypatch):
    # m0 by hand: 3 + 2·2 + 2·4 + 4·8 + 4·16 = 111 to stride 16, then the two rows moved from
    # stride 32 add (4 + 2)·16·d: 207 without dilation, 303 with d = 2.
    assert _hand_receptive_field('m0', 1) == 207 and _hand_receptive_field('m0', 2) == 303
    plain = MicroNet('m0', strides=(2, 2, 2, 2, 1)).eval()
    dilated = MicroNet('m0', strides=(2, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)).eval()
    dilated.load_state_dict(plain.state_dict())
    assert dilated.blocks[-2].depthwise.conv_kx1.dilation == (2, 1)
    assert _receptive_field(plain, 512, monkeypatch) == (207, 207)
    assert _receptive_field(dilated, 512, monkeypatch) == (303, 303)
    # Same resolution and the same MAdds: dilation is free.
    x = torch.zeros(1, 3, 128, 128)
    assert plain(x)[0].shape == dilated(x)[0].shape == (1, 384, 8, 8)
    madds = [count_complexity(m, lambda m=m: m(x), lambda name: 'all')[0]['all']
             for m in (plain, dilated)]
    assert madds[0] == madds[1] > 0


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
