"""tools/analysis_tools/multitask_delta.py on tools/test.py --out files."""
import json
import runpy
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).parents[2] / 'tools' / 'analysis_tools' / 'multitask_delta.py'


def _run(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['multitask_delta.py', *map(str, argv)])
    runpy.run_path(str(TOOL), run_name='__main__')


def _write(path, scores):
    path.write_text(json.dumps(scores, indent=2))
    return path


def test_prints_gains_and_delta_m_and_writes_them(tmp_path, monkeypatch, capsys):
    multi = _write(tmp_path / 'mt.json', {'seg/mIoU': 66.0, 'depth/AbsRel': 0.25,
                                          'depth/Custom': 3.0})
    seg = _write(tmp_path / 'seg.json', {'mIoU': 60.0})
    depth = _write(tmp_path / 'depth.json', {'depth/AbsRel': 0.20, 'depth/Custom': 4.0})
    _run(monkeypatch, multi, seg, depth, '--lower-is-better', 'Custom', '--out',
         tmp_path / 'delta.json')
    lines = capsys.readouterr().out.splitlines()
    # seg: +10 %; depth: (-25 % + 25 %) / 2 = 0 %; Δm = 5 %.
    assert lines[1].split() == ['seg', 'mIoU', '60.0000', '66.0000', 'no', '+10.00']
    assert lines[2].split() == ['depth', 'depth/AbsRel', '0.2000', '0.2500', 'yes', '-25.00']
    assert lines[-1] == 'Δm = +5.00 % (positive: the multi-task model is better)'
    written = json.loads((tmp_path / 'delta.json').read_text())
    assert written['delta_m'] == pytest.approx(5.0, abs=1e-9)
    assert written['task_gains'] == pytest.approx({'seg': 10.0, 'depth': 0.0}, abs=1e-9)


def test_bad_files_stop_with_the_file_named(tmp_path, monkeypatch):
    multi = _write(tmp_path / 'mt.json', {'seg/mIoU': 66.0})
    listing = _write(tmp_path / 'seg.json', [60.0])
    with pytest.raises(SystemExit, match=r'seg\.json: expected a JSON object of metric name'):
        _run(monkeypatch, multi, listing)
    with pytest.raises(SystemExit, match=r'missing\.json: cannot read a metrics JSON'):
        _run(monkeypatch, multi, tmp_path / 'missing.json')
    custom = _write(tmp_path / 'custom.json', {'Custom': 1.0})
    with pytest.raises(SystemExit, match=r"whether lower is better is unknown for \['Custom'\]"):
        _run(monkeypatch, multi, custom)
