"""MicroNet backbone (Li et al., "MicroNet: Improving Image Recognition with Extremely Low FLOPs",
ICCV 2021, arXiv 2108.05894), m0–m3 exactly as the official code and released weights define them.

Dense tasks run the stride-32 rows at stride 16 (``strides=(2, 2, 2, 2, 1)``), as the paper does for
COCO keypoints and arXiv 2011.12289 for Cityscapes; the segmentation configs also dilate those rows'
depthwise convs by 2 (``dilations=(1, 1, 1, 1, 2)``), as MobileNetV3 does (see ``MRASPPHead``).
"""
from typing import Dict, List, Literal, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from micronet_dense.models.init_summary import InitSummaryMixin
from micronet_dense.models.pretrained import load_pretrained
from micronet_dense.registry import MODELS

from ..layers import (ActivationConfig, ChannelShuffle, MicroBlock, MicroBlockConfig,
                      SpatialSeparableConv, permutation_module, shuffle_permutation)

# Official rows (`backbone/microconfig.py`), one per block, columns
#   s   stride               n   repeats (always 1)    c   output (bottleneck) width
#   ks  kernel size          c1, c2  expansion: hidden = in·c1·c2
#   g1  groups of the expand group conv (0 marks a type-A row)   g2  shift/shuffle groups
#   c3  unused               g3  groups of the compress group conv
#   g4  shift/shuffle groups after it (0 marks the final row)
#   y1, y2, y3  activation flags of act1/act2/act3 (0 static, 1 DSM K=1, 2 DSM K=2)
#   r   multiplier of the Dynamic Shift-Max reduction ratio
ARCH_ROWS: Dict[str, List[Tuple[int, ...]]] = {
    'm0': [  # msnx_dy6_exp4_4M_221
        (2, 1, 8, 3, 2, 2, 0, 4, 8, 2, 2, 2, 0, 1, 1),
        (2, 1, 12, 3, 2, 2, 0, 8, 12, 4, 4, 2, 2, 1, 1),
        (2, 1, 16, 5, 2, 2, 0, 12, 16, 4, 4, 2, 2, 1, 1),
        (1, 1, 32, 5, 1, 4, 4, 4, 32, 4, 4, 2, 2, 1, 1),
        (2, 1, 64, 5, 1, 4, 8, 8, 64, 8, 8, 2, 2, 1, 1),
        (1, 1, 96, 3, 1, 4, 8, 8, 96, 8, 8, 2, 2, 1, 2),
        (1, 1, 384, 3, 1, 4, 12, 12, 0, 0, 0, 2, 2, 1, 2),
    ],
    'm1': [  # msnx_dy6_exp6_6M_221
        (2, 1, 8, 3, 2, 2, 0, 6, 8, 2, 2, 2, 0, 1, 1),
        (2, 1, 16, 3, 2, 2, 0, 8, 16, 4, 4, 2, 2, 1, 1),
        (2, 1, 16, 5, 2, 2, 0, 16, 16, 4, 4, 2, 2, 1, 1),
        (1, 1, 32, 5, 1, 6, 4, 4, 32, 4, 4, 2, 2, 1, 1),
        (2, 1, 64, 5, 1, 6, 8, 8, 64, 8, 8, 2, 2, 1, 1),
        (1, 1, 96, 3, 1, 6, 8, 8, 96, 8, 8, 2, 2, 1, 2),
        (1, 1, 576, 3, 1, 6, 12, 12, 0, 0, 0, 2, 2, 1, 2),
    ],
    'm2': [  # msnx_dy9_exp6_12M_221
        (2, 1, 12, 3, 2, 2, 0, 8, 12, 4, 4, 2, 0, 1, 1),
        (2, 1, 16, 3, 2, 2, 0, 12, 16, 4, 4, 2, 2, 1, 1),
        (1, 1, 24, 3, 2, 2, 0, 16, 24, 4, 4, 2, 2, 1, 1),
        (2, 1, 32, 5, 1, 6, 6, 6, 32, 4, 4, 2, 2, 1, 1),
        (1, 1, 32, 5, 1, 6, 8, 8, 32, 4, 4, 2, 2, 1, 2),
        (1, 1, 64, 5, 1, 6, 8, 8, 64, 8, 8, 2, 2, 1, 2),
        (2, 1, 96, 5, 1, 6, 8, 8, 96, 8, 8, 2, 2, 1, 2),
        (1, 1, 128, 3, 1, 6, 12, 12, 128, 8, 8, 2, 2, 1, 2),
        (1, 1, 768, 3, 1, 6, 16, 16, 0, 0, 0, 2, 2, 1, 2),
    ],
    'm3': [  # msnx_dy12_exp6_20M_020; rows 4 and 10 use k=5 as the released weights do
        (2, 1, 16, 3, 2, 2, 0, 12, 16, 4, 4, 0, 2, 0, 1),
        (2, 1, 24, 3, 2, 2, 0, 16, 24, 4, 4, 0, 2, 0, 1),
        (1, 1, 24, 3, 2, 2, 0, 24, 24, 4, 4, 0, 2, 0, 1),
        (2, 1, 32, 5, 1, 6, 6, 6, 32, 4, 4, 0, 2, 0, 1),
        (1, 1, 32, 5, 1, 6, 8, 8, 32, 4, 4, 0, 2, 0, 2),
        (1, 1, 64, 5, 1, 6, 8, 8, 48, 8, 8, 0, 2, 0, 2),
        (1, 1, 80, 5, 1, 6, 8, 8, 80, 8, 8, 0, 2, 0, 2),
        (1, 1, 80, 5, 1, 6, 10, 10, 80, 8, 8, 0, 2, 0, 2),
        (2, 1, 120, 5, 1, 6, 10, 10, 120, 10, 10, 0, 2, 0, 2),
        (1, 1, 120, 5, 1, 6, 12, 12, 120, 10, 10, 0, 2, 0, 2),
        (1, 1, 144, 3, 1, 6, 12, 12, 144, 12, 12, 0, 2, 0, 2),
        (1, 1, 864, 3, 1, 6, 12, 12, 0, 0, 0, 0, 2, 0, 2),
    ],
}

# The arch names as a type, so that a config naming another arch fails its check before building.
MicroNetArch = Literal[tuple(ARCH_ROWS)]

# Model-wide settings (official `scripts/*.sh`): stem groups (g1, g2) — the stem outputs g1·g2
# channels —, hidden width and dropout of the ImageNet classifier, and the initial offsets of
# the K=2 Dynamic Shift-Max layers.
ARCH_SETTINGS: Dict[str, dict] = {
    'm0': dict(stem_groups=(2, 2), cls_hidden=640, dropout=0.05, init_a=(1.0, 1.0), init_b=(0.0, 0.0)),
    'm1': dict(stem_groups=(3, 2), cls_hidden=960, dropout=0.05, init_a=(1.0, 1.0), init_b=(0.0, 0.0)),
    'm2': dict(stem_groups=(4, 2), cls_hidden=1024, dropout=0.1, init_a=(1.0, 1.0), init_b=(0.0, 0.0)),
    'm3': dict(stem_groups=(4, 3), cls_hidden=1024, dropout=0.1, init_a=(1.0, 0.5), init_b=(0.0, 0.5)),
}

# The ImageNet classifiers: exact parameters, MAdds at 224×224 in the convention that gives the
# paper's Table 1 totals (`micronet_dense/utils/complexity.py`), top-1 of the released weights.
# Checked by tests.
ARCH_COMPLEXITY: Dict[str, dict] = {
    'm0': dict(params=1_019_590, madds=3_913_008, top1=46.6),
    'm1': dict(params=1_777_587, madds=5_953_824, top1=51.4),
    'm2': dict(params=2_393_876, madds=12_458_064, top1=59.4),
    'm3': dict(params=2_622_960, madds=20_807_520, top1=62.5),
}

NUM_STAGES = 5  # stem (stride 2) and the stages ending at strides 4, 8, 16, 32


def arch_block_configs(arch: str) -> List[MicroBlockConfig]:
    """The official rows of ``arch`` as :class:`MicroBlockConfig` (n and c3 dropped)."""
    if arch not in ARCH_ROWS:
        raise KeyError(f'unknown MicroNet arch {arch!r}; choose one of {sorted(ARCH_ROWS)}')
    configs = []
    for s, n, c, ks, c1, c2, g1, g2, _c3, g3, g4, y1, y2, y3, r in ARCH_ROWS[arch]:
        assert n == 1, 'every official row has n = 1'
        configs.append(MicroBlockConfig(s, c, ks, c1, c2, g1, g2, g3, g4, y1, y2, y3, r))
    return configs


@MODELS.register_module()
class MicroNet(InitSummaryMixin, BaseModule):
    """MicroNet feature extractor.

    Stages: 0 is the stem (stride 2); stage i ≥ 1 holds the rows whose output stride is 2^(i+1).
    Stage i's output is the output of its last row; for the last stage that is the final expand
    group conv (384/576/768/864 channels for m0–m3).

    Args:
        arch: 'm0' | 'm1' | 'm2' | 'm3'.
        out_indices: stages whose outputs ``forward`` returns, in order.
        strides: stride of each stage's first layer (5 values); ``(2, 2, 2, 2, 1)`` keeps the last
            stage at stride 16 for dense prediction.
        dilations: dilation of the depthwise convs in each stage (5 values, the stem's must be 1).
        frozen_stages: stages 0..frozen_stages are frozen (eval mode, no gradients); -1 freezes none.
        norm_eval: keep every BatchNorm in eval mode during training.
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')``; without it the
            official initialisation is used.

    Shapes: (B, 3, H, W) -> tuple of (B, C_i, H/r_i, W/r_i), with (C_i, r_i) in ``feature_info``.
    """

    def __init__(self, arch: MicroNetArch = 'm0', out_indices: Sequence[int] = (4,),
                 strides: Sequence[int] = (2, 2, 2, 2, 2), dilations: Sequence[int] = (1, 1, 1, 1, 1),
                 frozen_stages: int = -1, norm_eval: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(strides) != NUM_STAGES or len(dilations) != NUM_STAGES:
            raise ValueError(f'strides and dilations need {NUM_STAGES} values (stem + 4 stages), '
                             f'got {tuple(strides)} and {tuple(dilations)}')
        if dilations[0] != 1:
            raise ValueError('the stem has no dilation: dilations[0] must be 1')
        if not all(0 <= i < NUM_STAGES for i in out_indices):
            raise ValueError(f'out_indices must lie in [0, {NUM_STAGES}), got {tuple(out_indices)}')
        if not -1 <= frozen_stages < NUM_STAGES:
            raise ValueError(f'frozen_stages must lie in [-1, {NUM_STAGES}), got {frozen_stages}')
        arch_block_configs(arch)  # validates the name
        settings = ARCH_SETTINGS[arch]
        self.arch = arch
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        g1, g2 = self.stem_groups = settings['stem_groups']
        self.stem = SpatialSeparableConv(3, g1, g1 * g2, 3, strides[0], groups=(1, g1))
        self.stem_shuffle = ChannelShuffle(g1)
        self.stem_act = nn.ReLU6()
        act = ActivationConfig(init_a=settings['init_a'], init_b=settings['init_b'])
        self.blocks = nn.ModuleList()
        self.block_stages: List[int] = []
        channels, stage, reduction = g1 * g2, 0, strides[0]
        self.feature_info = [dict(num_chs=channels, reduction=reduction, module='stem')]
        for cfg in arch_block_configs(arch):
            stride = cfg.stride
            if cfg.stride == 2:
                stage += 1
                stride = strides[stage]
                reduction *= stride
            block = MicroBlock(channels, cfg, act, stride=stride, dilation=dilations[stage])
            self.blocks.append(block)
            self.block_stages.append(stage)
            channels = block.out_channels
            info = dict(num_chs=channels, reduction=reduction, module=f'blocks.{len(self.blocks) - 1}')
            if stage == len(self.feature_info):
                self.feature_info.append(info)
            else:
                self.feature_info[stage] = info
        self._init_official()
        self._freeze_stages()

    @property
    def out_channels(self) -> List[int]:
        """Channels of each returned feature, in ``out_indices`` order."""
        return [self.feature_info[i]['num_chs'] for i in self.out_indices]

    def _init_official(self) -> None:
        """The official initialisation: conv N(0, √(2/(k_h·k_w·C_out))), BN (1, 0), linear N(0, 0.01)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, (2.0 / fan_out) ** 0.5)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def init_weights(self) -> None:
        """Without ``init_cfg`` the weights from ``__init__`` (official scheme) are kept. A
        ``dict(type='Pretrained', checkpoint=..., prefix=None, partial=False)`` loads the file with
        :func:`~micronet_dense.models.pretrained.load_pretrained`: a checkpoint of another arch
        (its ``meta.arch``) or an incomplete match fails unless ``partial=True``."""
        if self.init_cfg is None:
            return
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            options = {k: v for k, v in self.init_cfg.items() if k not in ('type', 'map_location')}
            load_pretrained(self, arch=self.arch, **options)
            self._is_init = True
            return
        super().init_weights()

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """The modules forming ``stage`` (the stem for 0)."""
        if stage == 0:
            return [self.stem]
        return [b for b, s in zip(self.blocks, self.block_stages) if s == stage]

    def _freeze_stages(self) -> None:
        for stage in range(self.frozen_stages + 1):
            for module in self.stage_modules(stage):
                module.eval()
                for p in module.parameters():
                    p.requires_grad = False

    def train(self, mode: bool = True) -> 'MicroNet':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def switch_to_deploy(self) -> None:
        """The inference form, in place (eval only): see :meth:`MicroBlock.switch_to_deploy`; the
        stem's BNs fold and its shuffle becomes one channel gather."""
        self.stem.switch_to_deploy()
        self.stem_shuffle = permutation_module(
            shuffle_permutation(self.stem.conv_1xk.out_channels, (self.stem_shuffle.groups,)))
        for block in self.blocks:
            block.switch_to_deploy()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.stem_act(self.stem_shuffle(self.stem(x)))
        outs = [x] if 0 in self.out_indices else []
        for i, block in enumerate(self.blocks):
            x = block(x)
            last_of_stage = i + 1 == len(self.blocks) or self.block_stages[i + 1] != self.block_stages[i]
            if last_of_stage and self.block_stages[i] in self.out_indices:
                outs.append(x)
        by_stage = dict(zip(sorted(self.out_indices), outs))
        return tuple(by_stage[i] for i in self.out_indices)
