"""Transfer to a user's own data, end to end through the tools: a generated 4-class image+mask set
and a generated 5-keypoint bird set (category 3, own names, skeleton, flip pairs and sigmas) are
trained with tools/train.py, evaluated with tools/test.py, then run through the inferencer and
the image demo, which must use the sets' names, colours and keypoint count."""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from micronet_dense.apis import MicroNetInferencer
from micronet_dense.apis.cli import describe
from micronet_dense.datasets.transfer_examples import (make_keypoint_example,
                                                        make_segmentation_example)
from micronet_dense.engine import read_checkpoint
from tests.sample_runs import REPO, run_script, tool_env

BIRD_DESCRIPTION = 'configs/_base_/keypoint_sets/birds.py'
SEG_TEMPLATE = REPO / 'configs/transfer/micronet_m0_shapes_seg.py'
POSE_TEMPLATE = REPO / 'configs/transfer/micronet_m0_birds.py'
BIRD_NAMES = ['beak', 'left_wing', 'right_wing', 'left_foot', 'right_foot']
SHAPE_CLASSES = ('background', 'disc', 'square', 'bar')
SHAPE_PALETTE = [[0, 0, 0], [240, 200, 40], [60, 60, 220], [60, 220, 60]]


def tiny_config(template: Path, root: str, path: Path, **extra) -> Path:
    """A config inheriting ``template`` with its data under ``root``, one epoch, no workers and
    no pretrained file (the converted ImageNet weights are not in the repository)."""
    loader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=root))
    cfg = dict(train_dataloader=dict(loader, batch_size=4), val_dataloader=loader,
               test_dataloader=loader, model=dict(backbone=dict(init_cfg=None)),
               train_cfg=dict(max_epochs=1, val_interval=1),
               default_hooks=dict(checkpoint=dict(interval=1)))
    cfg.update(extra)
    lines = [f'_base_ = [{str(template)!r}]'] + [f'{k} = {v!r}' for k, v in cfg.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


def run_tool(tool: str, *args) -> str:
    done = subprocess.run([sys.executable, tool, *map(str, args)], cwd=REPO, env=tool_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    return done.stdout


def run_image_demo(monkeypatch, *args) -> None:
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', *map(str, args)])
    runpy.run_path(str(REPO / 'demo' / 'image_demo.py'), run_name='__main__')


@pytest.fixture(scope='module')
def shapes_run(tmp_path_factory):
    """(config, checkpoint, root) of one epoch on the 4-class set."""
    tmp = tmp_path_factory.mktemp('shapes')
    root = str(tmp / 'shapes') + '/'
    make_segmentation_example(root, num_train=8, num_val=3)
    config = tiny_config(SEG_TEMPLATE, root, tmp / 'shapes_config.py')
    run_tool('tools/train.py', config, '--work-dir', tmp / 'work')
    return config, tmp / 'work' / 'epoch_1.pth', root


@pytest.fixture(scope='module')
def birds_run(tmp_path_factory):
    """(config, checkpoint, root) of one epoch on the 5-keypoint bird set."""
    tmp = tmp_path_factory.mktemp('birds')
    root = str(tmp / 'birds') + '/'
    make_keypoint_example(root, str(REPO / BIRD_DESCRIPTION), num_train=8, num_val=3)
    evaluator = dict(ann_file=root + 'annotations/val.json')
    config = tiny_config(POSE_TEMPLATE, root, tmp / 'birds_config.py', val_evaluator=evaluator,
                         test_evaluator=evaluator)
    run_tool('tools/train.py', config, '--work-dir', tmp / 'work')
    return config, tmp / 'work' / 'epoch_1.pth', root


def test_segmentation_set_trains_evaluates_and_infers_with_its_classes(shapes_run, tmp_path,
                                                                       monkeypatch):
    config, checkpoint, root = shapes_run
    meta = read_checkpoint(str(checkpoint))['meta']['dataset_meta']
    assert tuple(meta['classes']) == SHAPE_CLASSES and meta['palette'] == SHAPE_PALETTE

    log = run_tool('tools/test.py', config, checkpoint, '--out', tmp_path / 'metrics.json',
                   '--show-dir', tmp_path / 'show', '--work-dir', tmp_path / 'test')
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert set(metrics) == {'aAcc', 'mIoU', 'mAcc'}
    assert all(f'\n{name} ' in log for name in SHAPE_CLASSES)  # the per-class table
    assert len(list((tmp_path / 'show').glob('*.png'))) == 3

    inferencer = MicroNetInferencer(str(config), str(checkpoint))
    image_path = Path(root) / 'images' / 'val' / '0000.jpg'
    (out, ) = inferencer(str(image_path), draw=True)
    assert out.result.shape == (96, 96) and out.result.max() < len(SHAPE_CLASSES)
    assert describe(inferencer, out.result).startswith('classes: ')
    assert set(describe(inferencer, out.result)[9:].split(', ')) <= set(SHAPE_CLASSES)
    # A pixel of class c outside the legend is (1 - 0.5) * image + 0.5 * palette[c] (BGR).
    image = out.frame.image.astype(np.float64)
    y, x = 95, 95
    colour = np.array(SHAPE_PALETTE[out.result[y, x]][::-1], dtype=np.float64)
    np.testing.assert_allclose(out.drawn[y, x], np.round(0.5 * image[y, x] + 0.5 * colour), atol=1)

    demo_out = tmp_path / 'demo.png'
    run_image_demo(monkeypatch, config, checkpoint, image_path, '--out', demo_out)
    drawn = cv2.imread(str(demo_out))
    # The legend swatch of each predicted class is drawn in its exact palette colour.
    for class_id in np.unique(out.result):
        bgr = SHAPE_PALETTE[class_id][::-1]
        assert (drawn == bgr).all(axis=-1).any(), SHAPE_CLASSES[class_id]


def test_keypoint_set_trains_evaluates_and_infers_with_its_keypoints(birds_run, tmp_path,
                                                                     monkeypatch):
    config, checkpoint, root = birds_run
    meta = read_checkpoint(str(checkpoint))['meta']['dataset_meta']
    assert meta['keypoint_names'] == BIRD_NAMES and meta['category_id'] == 3
    assert meta['flip_indices'] == [0, 2, 1, 4, 3] and meta['upper_body_ids'] == []

    prefix = tmp_path / 'results'
    run_tool('tools/test.py', config, checkpoint, '--out', tmp_path / 'metrics.json',
             '--show-dir', tmp_path / 'show', '--work-dir', tmp_path / 'test',
             '--cfg-options', f'test_evaluator.outfile_prefix={prefix}')
    results = json.loads(Path(f'{prefix}.keypoints.json').read_text())
    assert {r['category_id'] for r in results} == {3}
    assert {len(r['keypoints']) for r in results} == {15}
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert set(metrics) == {f'coco/{name}' for name in
                            ('AP', 'AP50', 'AP75', 'APM', 'APL', 'AR', 'AR50', 'AR75', 'ARM', 'ARL')}
    assert list((tmp_path / 'show').glob('*.png'))

    inferencer = MicroNetInferencer(str(config), str(checkpoint), kpt_thr=0.0)
    assert inferencer.dataset_meta['skeleton'] == [[0, 1], [0, 2], [1, 3], [2, 4]]
    image_path = Path(root) / 'images' / '0009.jpg'
    boxes = np.array([[10, 10, 60, 60], [30, 30, 90, 90]], dtype=np.float32)
    (out, ) = inferencer(str(image_path), bboxes=boxes, draw=True)
    assert out.result.keypoints.shape == (2, 5, 2) and out.result.keypoint_scores.shape == (2, 5)
    assert describe(inferencer, out.result) == '2 bird(s)'

    # Detections of the set's category (3) are used, those of another category not.
    det_file = tmp_path / 'dets.json'
    det_file.write_text(json.dumps([
        dict(image_id=9, category_id=3, bbox=[10, 10, 50, 50], score=0.9),
        dict(image_id=9, category_id=1, bbox=[30, 30, 60, 60], score=0.9)]))
    demo_out = tmp_path / 'demo.png'
    run_image_demo(monkeypatch, config, checkpoint, image_path, '--out', demo_out,
                   '--det-file', det_file, '--kpt-thr', 0)
    drawn, image = cv2.imread(str(demo_out)), cv2.imread(str(image_path))
    changed = (drawn != image).any(axis=-1)
    # The category-3 box is drawn (its left edge); the category-1 box is not (its right edge,
    # beyond any keypoint of the first box's crop).
    assert changed[20:50, 10].all() and not changed[40:80, 90].any()


def test_disagreeing_counts_stop_training_before_any_step(tmp_path):
    root = str(tmp_path / 'birds') + '/'
    make_keypoint_example(root, str(REPO / BIRD_DESCRIPTION), num_train=2, num_val=1)
    # The metric's annotation file describes 4 keypoints, the dataset 5, the head 17.
    ann = json.loads(Path(root, 'annotations/val.json').read_text())
    ann['categories'][0]['keypoints'] = BIRD_NAMES[:4]
    Path(root, 'annotations/val4.json').write_text(json.dumps(ann))
    evaluator = dict(ann_file=root + 'annotations/val4.json')
    config = tiny_config(POSE_TEMPLATE, root, tmp_path / 'config.py', val_evaluator=evaluator,
                         test_evaluator=evaluator,
                         model=dict(backbone=dict(init_cfg=None), head=dict(num_keypoints=17)))
    assert Config.fromfile(str(config)).model.head.num_keypoints == 17
    done = run_script('tools/train.py', str(config), '--work-dir', str(tmp_path / 'work'))
    assert done.returncode != 0
    assert 'model.head.num_keypoints: 17' in done.stderr
    assert 'train_dataloader.dataset metainfo (birds): 5' in done.stderr
    assert 'val_evaluator.ann_file: category 3 of' in done.stderr and 'val4.json: 4' in done.stderr
    assert 'Epoch(train)' not in done.stdout + done.stderr
    assert not list((tmp_path / 'work').glob('*.pth'))
