"""What a user sees: a quiet start-up, and one ``error:`` line (no traceback, no environment dump)
for a mistake of theirs in the tools and demos."""
from pathlib import Path

from tests.sample_runs import (POSE_SAMPLE, TINY_POSE, assert_one_error_line, finish_run,
                               run_script, sample_config, start_train)


def test_train_start_up_log_has_no_registry_scope_warning(tmp_path):
    cfg = sample_config(POSE_SAMPLE, tmp_path, 1, **TINY_POSE)
    cfg.dump(tmp_path / 'run.py')
    work = tmp_path / 'work'
    log = finish_run(start_train(tmp_path / 'run.py', work), work)
    assert (work / 'epoch_1.pth').is_file()
    assert 'Failed to search registry' not in log


def test_missing_checkpoint_is_one_error_line(tmp_path):
    run = run_script('tools/test.py', 'configs/pose/micronet_m0_coco_sample.py', 'missing.pth',
                     cwd=tmp_path)
    assert assert_one_error_line(run, alone=True) == 'error: missing.pth: no such checkpoint file'
    assert not (tmp_path / 'data').exists()  # stopped before generating the sample set


def test_image_demo_missing_image_is_one_error_line(tmp_path, pose_checkpoint):
    run = run_script('demo/image_demo.py', 'micronet_m0_coco', pose_checkpoint, 'image.jpg',
                     '--out', 'out.png', '--det-file', 'dets.json', cwd=tmp_path)
    assert assert_one_error_line(run, alone=True) == 'error: input not found: image.jpg'


def test_image_demo_missing_detection_file_is_one_error_line(tmp_path, pose_checkpoint,
                                                            coco_sample_root):
    image = next(Path(coco_sample_root, 'val2017').glob('*.jpg'))
    run = run_script('demo/image_demo.py', 'micronet_m0_coco', pose_checkpoint, str(image),
                     '--out', 'out.png', '--det-file', 'dets.json', cwd=tmp_path)
    assert assert_one_error_line(run, alone=True) == 'error: detection file not found: dets.json'
    assert not (tmp_path / 'out.png').exists()


def test_unknown_config_name_is_one_error_line(tmp_path):
    run = run_script('tools/analysis_tools/get_flops.py', 'micronet_m9_coco', cwd=tmp_path)
    line = assert_one_error_line(run, ' micronet_m0_coco, ', alone=True)
    assert line.startswith('error: micronet_m9_coco: no such config file, and no shipped config of '
                           'that name (shipped: ')
