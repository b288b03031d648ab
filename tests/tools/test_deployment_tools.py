"""tools/deployment/export_onnx.py and tools/analysis_tools/benchmark.py from the command line."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
POSE = 'configs/pose/micronet_m0_coco.py'


def run_tool(*args) -> dict:
    out = subprocess.run([sys.executable, *map(str, args)], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_export_onnx_writes_a_checked_file(tmp_path, seg_checkpoint):
    out = tmp_path / 'seg.onnx'
    summary = run_tool('tools/deployment/export_onnx.py',
                       'configs/seg/micronet_m0_cityscapes_sample.py', seg_checkpoint, out,
                       '--shape', 64, 128, '--fast')
    assert out.is_file() and summary['onnx'] == str(out)
    assert summary['output'] == 'logits' and summary['input_shape'] == [64, 128]
    assert summary['max_abs_diff'] <= 1e-4 and summary['nodes'] > 0


def test_benchmark_writes_latency_json(tmp_path):
    out = tmp_path / 'bench.json'
    printed = run_tool('tools/analysis_tools/benchmark.py', POSE, '--backend', 'onnxruntime',
                       '--batch-size', 2, '--shape', 64, 48, '--warmup', 0, '--iters', 3,
                       '--out', out)
    written = json.loads(out.read_text())
    assert written == printed
    assert written['backend'] == 'onnxruntime' and written['batch_size'] == 2
    assert written['iters'] == 3
    assert 0 < written['p50_ms'] <= written['p99_ms']
    assert abs(written['throughput'] - 2e3 / written['mean_ms']) < 1e-6 * written['throughput']


def test_the_operators_without_their_header_end_with_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != 'ORT_INCLUDE_DIR'}
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', POSE, '--backend',
         'onnxruntime-operators', '--shape', '64', '48', '--iters', '1'],
        cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert 'set $ORT_INCLUDE_DIR to the include/ folder' in result.stderr
