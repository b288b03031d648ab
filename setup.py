"""Packaging for micronet_dense (see README "Set-up" for the supported install path)."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name: str) -> list:
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


setup(
    name='micronet_dense',
    version='0.1.0',
    description='Dense prediction (COCO pose, Cityscapes segmentation) with MicroNet backbones',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['micronet_dense', 'micronet_dense.*']),
    python_requires='>=3.9',
    install_requires=['torch>=2.1'] + read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'deploy': read_requirements('optional.txt'),
    },
    license='Apache-2.0',
)
