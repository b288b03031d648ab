"""tools/analysis_tools/get_flops.py: the JSON line gives the paper's figures."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

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
