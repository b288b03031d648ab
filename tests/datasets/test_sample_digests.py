"""The generated sample sets are byte-for-byte what the recorded generator wrote.

``tests/data/sample_digests.json`` holds, for small sets of both generators (several seeds and
sizes), the SHA-256 of every file and of every image array handed to ``cv2.imencode`` (in call
order). Array digests do not depend on the encoder, so they are checked under any OpenCV; file
digests are checked under the OpenCV version that recorded them (another version may encode the
same pixels into other JPEG/PNG bytes). Record anew, after checking a change keeps the outputs,
with ``python -m tests.datasets.test_sample_digests``.
"""
import hashlib
import json
import os
from pathlib import Path

import cv2
import pytest

from micronet_dense.datasets.samples.cityscapes import make_cityscapes_sample
from micronet_dense.datasets.samples.coco_keypoints import make_coco_sample

DIGESTS_PATH = Path(__file__).resolve().parents[1] / 'data' / 'sample_digests.json'
SAMPLE_SETS = {
    'coco_seed0_320x240': (make_coco_sample,
                           dict(num_train_images=3, num_val_images=2, seed=0)),
    'coco_seed7_96x128': (make_coco_sample,
                          dict(num_train_images=4, num_val_images=2, seed=7, image_size=(96, 128))),
    'cityscapes_seed0': (make_cityscapes_sample, dict(num_train=2, num_val=1, seed=0)),
    'cityscapes_seed5': (make_cityscapes_sample, dict(num_train=1, num_val=3, seed=5)),
    'cityscapes_seed1_full_resolution': (make_cityscapes_sample,
                                         dict(num_train=1, num_val=1, seed=1,
                                              full_resolution=True)),
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sample_set_digests(name: str, out_dir: Path, monkeypatch) -> dict:
    """SHA-256 of each file (by path under ``out_dir``) and of each encoded image array."""
    arrays = []
    imencode = cv2.imencode

    def recording_imencode(ext, image, *args):
        arrays.append(_sha256(f'{ext} {image.dtype} {image.shape} '.encode() + image.tobytes()))
        return imencode(ext, image, *args)

    generate, kwargs = SAMPLE_SETS[name]
    with monkeypatch.context() as patch:
        patch.setattr(cv2, 'imencode', recording_imencode)
        generate(str(out_dir), progress=False, **kwargs)
    files = {}
    for folder, _, names in os.walk(out_dir):
        for file_name in names:
            path = Path(folder) / file_name
            files[path.relative_to(out_dir).as_posix()] = _sha256(path.read_bytes())
    return dict(files=dict(sorted(files.items())), arrays=arrays)


@pytest.fixture(scope='module')
def recorded() -> dict:
    with open(DIGESTS_PATH, encoding='utf-8') as f:
        return json.load(f)


@pytest.mark.parametrize('name', sorted(SAMPLE_SETS))
def test_sample_set_matches_recorded_digests(name, recorded, tmp_path, monkeypatch):
    digests = sample_set_digests(name, tmp_path, monkeypatch)
    expected = recorded['sets'][name]
    assert digests['arrays'] == expected['arrays']
    assert sorted(digests['files']) == sorted(expected['files'])
    if cv2.__version__ == recorded['opencv']:
        assert digests['files'] == expected['files']


def test_digests_tell_sample_sets_apart(recorded):
    """Each recorded set is distinct, so a generator ignoring a seed or a size would fail."""
    array_lists = [tuple(entry['arrays']) for entry in recorded['sets'].values()]
    assert len(set(array_lists)) == len(array_lists) == len(SAMPLE_SETS)


def _record() -> None:
    import tempfile
    sets = {}
    for name in sorted(SAMPLE_SETS):
        with tempfile.TemporaryDirectory() as out_dir:
            sets[name] = sample_set_digests(name, Path(out_dir), pytest.MonkeyPatch())
    with open(DIGESTS_PATH, 'w', encoding='utf-8') as f:
        json.dump(dict(opencv=cv2.__version__, sets=sets), f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    _record()
