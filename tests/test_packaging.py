"""The package as a pip user gets it: a wheel installed into a fresh virtual environment works from
outside the repository with only its declared dependencies, and OpenCV is one consistent cv2."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).parents[1]
OPENCV_DISTRIBUTIONS = ('opencv-python', 'opencv-python-headless')
# One epoch of 2 iterations on a 4-image sample set, validated on 3 images.
TINY_TRAIN = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1', 'param_scheduler.1.T_max=1',
              'param_scheduler.1.end=1', 'sample_data.num_train_images=4',
              'sample_data.num_val_images=3', 'train_dataloader.batch_size=4',
              'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
              'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False']


def installed_opencv(python: str) -> dict:
    """``{distribution: version}`` of the OpenCV distributions installed for ``python``."""
    code = ('import importlib.metadata as m, json\nversions = {}\n'
            f'for name in {OPENCV_DISTRIBUTIONS!r}:\n'
            '    try:\n        versions[name] = m.version(name)\n'
            '    except m.PackageNotFoundError:\n        pass\n'
            'print(json.dumps(versions))')
    return json.loads(subprocess.run([python, '-c', code], capture_output=True, text=True,
                                     check=True).stdout)


def test_opencv_distributions_share_one_version():
    versions = installed_opencv(sys.executable)
    assert versions, 'no OpenCV distribution installed'
    assert len(set(versions.values())) == 1, versions
    # The cv2 package on disk is that release, whichever distribution wrote it last.
    assert next(iter(versions.values())).startswith(cv2.__version__), (versions, cv2.__version__)


def test_cv2_does_what_the_pipelines_need():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    ok, png = cv2.imencode('.png', image)
    assert ok and png[:8].tobytes() == b'\x89PNG\r\n\x1a\n'
    np.testing.assert_array_equal(cv2.imdecode(png, cv2.IMREAD_COLOR), image)  # lossless
    smooth = cv2.GaussianBlur(image, (9, 9), 3)
    ok, jpeg = cv2.imencode('.jpg', smooth, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok and jpeg[:2].tobytes() == b'\xff\xd8' and jpeg[-2:].tobytes() == b'\xff\xd9'
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    assert decoded.shape == image.shape and np.abs(decoded.astype(int) - smooth).mean() < 3
    # An affine warp by a pure translation of 5 px moves the pixels by 5 px (zero border).
    moved = cv2.warpAffine(image, np.float32([[1, 0, 5], [0, 1, 3]]), (64, 48),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    np.testing.assert_array_equal(moved[3:, 5:], image[:-3, :-5])
    assert not moved[:3].any() and not moved[:, :5].any()
    # Nearest-neighbour 2x upsampling repeats every pixel; bilinear keeps a constant image.
    np.testing.assert_array_equal(cv2.resize(image, (128, 96), interpolation=cv2.INTER_NEAREST),
                                  image.repeat(2, axis=0).repeat(2, axis=1))
    flat = np.full((48, 64, 3), 77, np.uint8)
    assert (cv2.resize(flat, (37, 21), interpolation=cv2.INTER_LINEAR) == 77).all()
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    expected = np.round(image @ np.array([0.114, 0.587, 0.299]))  # BT.601 weights of B, G, R
    assert np.abs(gray.astype(int) - expected).max() <= 1
    np.testing.assert_array_equal(cv2.flip(image, 1), image[:, ::-1])


def _run(args, cwd, env, check=True) -> subprocess.CompletedProcess:
    run = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)
    if check:
        assert run.returncode == 0, f'{args}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}'
    return run


def test_wheel_works_outside_the_repository(tmp_path):
    """Build the wheel, install it with torch into a new virtual environment (no system site
    packages, so nothing undeclared is found) and use it from a folder that is not
    the repository: a config by name, one epoch of sample training, the segmentation sample
    conversion, which first names the ``cityscapes`` extra it needs."""
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env['OMP_NUM_THREADS'] = '1'
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', tmp_path / 'dist', REPO],
         tmp_path, env)
    wheel, = (tmp_path / 'dist').glob('micronet_dense-*.whl')
    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', venv], tmp_path, env)
    python = str(venv / 'bin' / 'python')
    pip = [python, '-m', 'pip', '--disable-pip-version-check', '-q']
    # setuptools >= 82 (torch requires setuptools) has no pkg_resources: the package must not
    # need it, and installing it must not downgrade setuptools.
    _run([*pip, 'install', '--no-compile', 'torch==2.13.0', 'setuptools>=82', wheel], tmp_path, env)
    assert _run([python, '-c', 'import pkg_resources'], tmp_path, env, check=False).returncode == 1
    _run([*pip, 'check'], tmp_path, env)
    versions = installed_opencv(python)
    assert set(versions) == set(OPENCV_DISTRIBUTIONS) and len(set(versions.values())) == 1

    outside = tmp_path / 'outside'
    outside.mkdir()
    code = ("from micronet_dense.apis import init_model; "
            "m = init_model('micronet_m0_coco'); print(type(m).__name__, m.cfg.filename)")
    out = _run([python, '-c', code], outside, env).stdout
    assert out.startswith('TopdownPoseEstimator') and str(REPO) not in out
    assert '/.mim/configs/pose/micronet_m0_coco.py' in out
    # The operators' C and C++ sources ship, and the kernels compile from them.
    code = ('from micronet_dense.deployment.kernel_library import CSRC, KERNEL_SOURCES, '
            'compile_shared_library; print(compile_shared_library(KERNEL_SOURCES)); '
            'print(*sorted(p.name for p in CSRC.iterdir()))')
    library, sources = _run([python, '-c', code], outside,
                            dict(env, MICRONET_DENSE_CACHE=str(tmp_path))).stdout.split('\n')[:2]
    assert library.startswith(str(tmp_path)) and os.path.isfile(library)
    assert {'onnxruntime_operators.c', 'torch_operators.cpp', 'kernels.h'} <= set(sources.split())

    train = _run([python, REPO / 'tools' / 'train.py', 'micronet_m0_coco_sample', '--work-dir',
                  'work', '--cfg-options', *TINY_TRAIN], outside, env)
    assert 'Failed to search registry' not in train.stdout + train.stderr
    assert (outside / 'work' / 'epoch_1.pth').is_file()
    assert (outside / 'data' / 'coco_sample' / 'annotations').is_dir()

    make = [python, REPO / 'tools' / 'dataset_converters' / 'make_cityscapes_sample.py', '--out',
            'cityscapes', '--train-images', '1', '--val-images', '1', '--no-progress']
    _run(make, outside, env)
    convert = [python, REPO / 'tools' / 'dataset_converters' / 'cityscapes.py', 'cityscapes',
               '--no-progress']
    missing = _run(convert, outside, env, check=False)
    assert missing.returncode == 1 and missing.stderr.strip().splitlines() == [
        "error: cityscapesscripts.preparation.json2labelImg is not installed; it comes with the "
        "'cityscapes' extra: pip install 'micronet_dense[cityscapes]'"]
    _run([*pip, 'install', '--no-compile', f'micronet_dense[cityscapes] @ {wheel.as_uri()}'],
         tmp_path, env)
    assert json.loads(_run(convert, outside, env).stdout.splitlines()[-1]) == {'train': 1, 'val': 1}
    assert len(list((outside / 'cityscapes').rglob('*_gtFine_labelTrainIds.png'))) == 2
    _run([*pip, 'check'], tmp_path, env)


@pytest.mark.parametrize('name', ['micronet_m0_coco', 'micronet_m0_coco.py',
                                  'configs/pose/micronet_m0_coco.py', 'pose/micronet_m0_coco.py'])
def test_find_config_by_name_or_path(name, tmp_path, monkeypatch):
    from micronet_dense.utils.config_paths import find_config
    monkeypatch.chdir(tmp_path)  # not the repository: names resolve to the shipped configs
    assert Path(find_config(name)) == REPO / 'configs' / 'pose' / 'micronet_m0_coco.py'


def test_find_config_lists_the_names_when_unknown():
    from micronet_dense.utils.config_paths import find_config
    with pytest.raises(FileNotFoundError, match=r'micronet_m9_coco: .*micronet_m0_cityscapes, '):
        find_config('micronet_m9_coco')
