"""Packaging for micronet_dense (docs/install.md). The configs ship inside the package as
``micronet_dense/.mim/configs`` (copied at build time; a source checkout reads ``configs/``)."""
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


def read_requirements(name: str) -> list:
    lines = (HERE / 'requirements' / f'{name}.txt').read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


class BuildWithConfigs(build_py):
    """``build_py`` that also copies ``configs/`` to ``micronet_dense/.mim/configs``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / 'micronet_dense' / '.mim' / 'configs'
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(HERE / 'configs', target,
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


# The test suite converts Cityscapes polygons and checks ONNX exports, so `tests` has both.
EXTRAS = {'cityscapes': read_requirements('cityscapes'), 'deploy': read_requirements('deploy')}
EXTRAS['tests'] = read_requirements('tests') + EXTRAS['cityscapes'] + EXTRAS['deploy']

setup(
    name='micronet_dense',
    version='0.1.0',
    description='Dense prediction (COCO pose, Cityscapes segmentation) with MicroNet backbones',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['micronet_dense', 'micronet_dense.*']),
    # The kernels' C and C++ sources (onnxruntime and PyTorch operators), compiled on first use.
    package_data={'micronet_dense.deployment': ['csrc/*.c', 'csrc/*.cpp', 'csrc/*.h']},
    cmdclass={'build_py': BuildWithConfigs},
    python_requires='>=3.10',
    install_requires=read_requirements('runtime'),
    extras_require=EXTRAS,
    license='Apache-2.0',
)
