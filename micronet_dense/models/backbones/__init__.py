"""Backbones."""
from .micronet import ARCH_COMPLEXITY, ARCH_ROWS, ARCH_SETTINGS, MicroNet, arch_block_configs

__all__ = ['MicroNet', 'ARCH_ROWS', 'ARCH_SETTINGS', 'ARCH_COMPLEXITY', 'arch_block_configs']
