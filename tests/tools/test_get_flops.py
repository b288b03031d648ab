"""tools/analysis_tools/get_flops.py: the JSON line gives the paper's figures."""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from micronet_dense.apis import init_model

REPO = Path(__file__).parents[2]
PAPER = {'m0': (1_019_590, 4), 'm1': (1_777_587, 6), 'm2': (2_393_876, 12), 'm3': (2_622_960, 21)}


@pytest.mark.parametrize('arch', sorted(PAPER))
def test_get_flops_reports_paper_numbers(arch):
    out = subprocess.run([sys.executable, 'tools/analysis_tools/get_flops.py',
                          f'configs/imagenet/micronet_{arch}_imagenet.py', '--shape', '224', '224'],
                         cwd=REPO, check=True, capture_output=True, text=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    params, madds = PAPER[arch]
    assert summary['params'] == params
    assert round(summary['madds'] / 1e6) == madds
    assert summary['convention'] == 'paper'
    assert 'backbone.stage4' in out and 'paper convention' in out


def _summary(config, capsys, monkeypatch, *shape):
    """Runs the tool in this process (no second interpreter start-up); its stdout and summary."""
    monkeypatch.setattr(sys, 'argv', ['get_flops.py', config,
                                      *(['--shape', *map(str, shape)] if shape else [])])
    runpy.run_path(str(REPO / 'tools' / 'analysis_tools' / 'get_flops.py'), run_name='__main__')
    out = capsys.readouterr().out
    return out, json.loads(out.strip().splitlines()[-1])


def _num_parameters(config):
    return sum(p.numel() for p in init_model(REPO / config).parameters())


def test_get_flops_on_a_pose_config(capsys, monkeypatch):
    config = 'configs/pose/micronet_m0_coco.py'
    out, summary = _summary(config, capsys, monkeypatch)
    assert summary['input_shape'] == [256, 192]  # the config's input_shape
    assert summary['params'] == _num_parameters(config)
    assert round(summary['madds'] / 1e5) == 454  # "45.4M MAdds" in the config's header
    assert 'head.blocks' in out and 'backbone.stage4' in out


def test_get_flops_on_a_segmentation_config(capsys, monkeypatch):
    config = 'configs/seg/micronet_m0_cityscapes.py'
    out, summary = _summary(config, capsys, monkeypatch, 256, 512)
    assert summary['input_shape'] == [256, 512]
    assert summary['params'] == _num_parameters(config)
    # Convolutions dominate, so a quarter of each side costs ~1/16 of the 1024x2048 figure
    # (0.655G MAdds in the config's header).
    assert abs(16 * summary['madds'] / 0.655e9 - 1) < 0.02
    assert 'decode_head' in out


def test_get_flops_sets_a_multi_task_model_against_its_single_task_models(capsys, monkeypatch):
    from micronet_dense.models.complexity import model_complexity
    out, summary = _summary('configs/multitask/micronet_m0_cityscapes_seg_depth.py', capsys,
                            monkeypatch, 64, 128)
    # The references: the shipped single-task configs, counted as models of their own.
    alone = {task: model_complexity(init_model(REPO / config), (64, 128)) for task, config in (
        ('seg', 'configs/seg/micronet_m0_cityscapes.py'),
        ('depth', 'configs/depth/micronet_m0_cityscapes_depth.py'))}
    assert summary['single_task'] == {task: dict(params=r['params'], madds=r['madds'])
                                      for task, r in alone.items()}
    assert summary['single_task_sum'] == dict(params=sum(r['params'] for r in alone.values()),
                                              madds=sum(r['madds'] for r in alone.values()))
    assert summary['madds'] < summary['single_task_sum']['madds']
    lines = out.splitlines()
    for task in ('seg', 'depth'):  # a row per head, a line per single-task model
        assert any(line.split()[0] == f'tasks.{task}' for line in lines)
        params, madds = alone[task]['params'], alone[task]['madds']
        assert f'  {task} alone'.ljust(24) + f'{params:>12,}{madds:>16,}' in lines
    assert any(line.startswith('multi-task model') and f'{summary["madds"]:,}' in line
               for line in lines)


def test_get_flops_on_a_single_task_model_has_no_comparison(capsys, monkeypatch):
    out, summary = _summary('configs/depth/micronet_m0_cityscapes_depth.py', capsys, monkeypatch,
                            64, 128)
    assert 'tasks.depth' in out and 'single_task' not in summary
