"""Bad checkpoints, a busy work dir and a wrong resume end the tools with one `error:` line that
names the file, before anything is loaded or written."""
import json
import pickle
import runpy
import signal
import sys
from pathlib import Path

import pytest
import torch

from tests.engine.test_work_dir_lock import hold_lock
from tests.sample_runs import (POSE_SAMPLE, REPO, TINY_POSE, assert_one_error_line, run_script,
                               sample_config)


@pytest.fixture(scope='module')
def pose_run_config(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp('user_errors')
    sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE).dump(tmp_path / 'run.py')
    return tmp_path / 'run.py'


def test_test_tool_with_a_truncated_checkpoint(pose_run_config, pose_checkpoint, tmp_path):
    # The empty file and other damage: tests/engine/test_safe_loading.py.
    data = Path(pose_checkpoint).read_bytes()
    path = tmp_path / 'truncated.pth'
    path.write_bytes(data[:len(data) // 2])
    result = run_script('tools/test.py', str(pose_run_config), str(path), '--work-dir',
                        str(tmp_path / 'work'))
    assert_one_error_line(result, str(path))


def test_test_tool_with_a_string_score_in_the_detection_file(pose_run_config, pose_checkpoint,
                                                             tmp_path):
    ann_file = pose_run_config.parent / 'coco_keypoints/annotations/person_keypoints_val2017.json'
    image_id = json.loads(ann_file.read_text())['images'][0]['id']
    bbox_file = tmp_path / 'dets.json'
    bbox_file.write_text(json.dumps([dict(image_id=image_id, category_id=1, bbox=[1, 2, 3, 4],
                                          score='0.9')]))
    result = run_script('tools/test.py', str(pose_run_config), pose_checkpoint, '--work-dir',
                        str(tmp_path / 'work'), '--cfg-options',
                        f'test_dataloader.dataset.bbox_file={bbox_file}')
    assert_one_error_line(result, f"{bbox_file}: detection [0] 'score' must be a number, got '0.9'")


def test_resume_of_another_models_checkpoint_stops_before_loading(pose_run_config, seg_checkpoint,
                                                                  tmp_path):
    result = run_script('tools/train.py', str(pose_run_config), '--resume', seg_checkpoint,
                        '--work-dir', str(tmp_path / 'work'))
    assert_one_error_line(result, f'{seg_checkpoint} does not fit the model of this config',
                          'Nothing was loaded')
    assert 'resumed epoch' not in result.stdout + result.stderr


def test_second_training_run_in_a_work_dir_stops_at_once(pose_run_config, tmp_path):
    work_dir = tmp_path / 'work'
    holder = hold_lock(work_dir)
    try:
        result = run_script('tools/train.py', str(pose_run_config), '--work-dir', str(work_dir))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert_one_error_line(result, f'work dir {work_dir} is in use by another run (pid {holder.pid}')
    assert not list(work_dir.glob('*.pth')) and not list(work_dir.glob('2*'))  # no log dir


def test_converter_refuses_what_is_not_an_official_checkpoint(pose_checkpoint, tmp_path,
                                                              monkeypatch):
    pickled_list = tmp_path / 'list.pth'
    pickled_list.write_bytes(pickle.dumps([1, 2, 3]))
    torch_list = tmp_path / 'torch_list.pth'
    torch.save([torch.ones(1)], torch_list)
    converter = str(REPO / 'tools/model_converters/micronet_official_to_dense.py')
    for src, message in ((pickled_list, 'not a checkpoint'),
                         (torch_list, 'expected a dict of tensors'),
                         (Path(pose_checkpoint), 'already in micronet_dense parameter names')):
        monkeypatch.setattr(sys, 'argv', [converter, str(src), str(tmp_path / 'out.pth')])
        with pytest.raises(SystemExit) as exit_:
            runpy.run_path(converter, run_name='__main__')
        assert str(exit_.value).startswith(f'error: {src}') and message in str(exit_.value)
        assert '\n' not in str(exit_.value) and 'weights_only' not in str(exit_.value)
    assert not (tmp_path / 'out.pth').exists()
