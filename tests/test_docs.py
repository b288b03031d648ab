"""Every ``bash`` block of README.md and docs/*.md runs here verbatim, or is marked with what it
needs that a test does not have.

A mark is an HTML comment right before the block: ``<!-- needs: WHAT (why) -->``, WHAT one of
:data:`NEEDS`. Unmarked blocks run with ``bash -e`` from a folder that holds the repository's
``configs/``, ``tools/``, ``demo/`` and ``benchmarks/``, a ``.venv/bin/python`` that is the test's
interpreter (also ``python`` on the PATH), and the files the documents name as stand-ins for the
user's own: ``pose_m0.pth`` and ``seg_m0.pth`` (random weights of ``micronet_m0_coco`` / ``micronet_m0_cityscapes``), an image
``000000000139.jpg`` with its person box in ``dets.json``, a folder ``images/`` and a video
``clip.mp4``. Blocks that would take long use tiny options instead (a sample set of a few images).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from micronet_dense.apis import init_model

REPO = Path(__file__).parents[1]
DOCUMENTS = [REPO / 'README.md', *sorted((REPO / 'docs').glob('*.md'))]
NEEDS = {
    'coco': 'the COCO 2017 keypoint set in data/coco',
    'cityscapes': 'the Cityscapes set in data/cityscapes',
    'official-weights': 'the released MicroNet ImageNet checkpoints',
    'gpus': 'several GPUs',
    'slurm': 'a Slurm cluster',
    'minutes': 'longer than a test may take (a whole training, the test suite, an install)',
    'onnxruntime-headers': "onnxruntime's C API header (the release archive's include/ folder)",
}
BLOCK = re.compile(
    r'(?:<!--\s*needs:\s*(?P<needs>[\w-]+)[^>]*-->\s*\n)?^```bash\n(?P<body>.*?)^```', re.S | re.M)


def command_blocks():
    """``(document, line, needs or None, body)`` of every bash block of the documents."""
    for path in DOCUMENTS:
        text = path.read_text(encoding='utf-8')
        for match in BLOCK.finditer(text):
            line = text.count('\n', 0, match.start('body'))
            yield path.relative_to(REPO), line, match.group('needs'), match.group('body')


BLOCKS = list(command_blocks())
RUNNABLE = [(doc, line, body) for doc, line, needs, body in BLOCKS if needs is None]


def test_every_mark_names_a_known_need():
    assert BLOCKS and RUNNABLE
    unknown = [(str(doc), line, needs) for doc, line, needs, _ in BLOCKS
               if needs is not None and needs not in NEEDS]
    assert not unknown, f'marks outside {sorted(NEEDS)}: {unknown}'


def test_readme_is_a_landing_page():
    readme = (REPO / 'README.md').read_text(encoding='utf-8')
    assert len(readme.splitlines()) <= 150
    linked = set(re.findall(r'\]\((docs/[\w.]+\.md)\)', readme))
    assert {str(doc) for doc, *_ in BLOCKS if str(doc).startswith('docs/')} <= linked


def test_blocks_are_found_after_a_mark():
    text = '<!-- needs: coco (why) -->\n```bash\nA\n```\n\n```bash\nB\n```\n'
    found = [(m.group('needs'), m.group('body')) for m in BLOCK.finditer(text)]
    assert found == [('coco', 'A\n'), (None, 'B\n')]


@pytest.fixture(scope='session')
def user_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp('user')
    for name in ('configs', 'tools', 'demo', 'benchmarks'):
        (folder / name).symlink_to(REPO / name)
    python = folder / '.venv' / 'bin' / 'python'  # also `python` on the PATH of the blocks
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    for config, checkpoint in (('micronet_m0_coco', 'pose_m0.pth'),
                               ('micronet_m0_cityscapes', 'seg_m0.pth')):
        torch.manual_seed(0)
        torch.save({'state_dict': init_model(config).state_dict()}, folder / checkpoint)
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), (7, 7), 2)
    cv2.imwrite(str(folder / '000000000139.jpg'), image)
    (folder / 'dets.json').write_text(json.dumps(
        [{'image_id': 139, 'bbox': [100, 40, 80, 180], 'score': 0.9, 'category_id': 1}]))
    (folder / 'images').mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / 'images' / f'street_{i}.png'), image[:128, :256])
    video = cv2.VideoWriter(str(folder / 'clip.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 5,
                            (160, 120))
    for i in range(3):
        video.write(np.ascontiguousarray(image[i:i + 120, :160]))
    video.release()
    return folder


@pytest.mark.parametrize('doc,line,body', RUNNABLE,
                         ids=[f'{doc}:{line}' for doc, line, _ in RUNNABLE])
def test_command_block_runs(doc, line, body, user_folder):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(PYTHONPATH=str(REPO), OMP_NUM_THREADS='1',
               PATH=f"{user_folder / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    run = subprocess.run(['bash', '-e', '-c', body], cwd=user_folder, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f'{doc}:{line}\n{body}\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}'
