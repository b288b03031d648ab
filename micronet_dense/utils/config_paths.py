"""Configs by path or by name (``micronet_m0_coco``).

The configs ship inside the package, at ``micronet_dense/.mim/configs`` of an installed wheel (the
place OpenMMLab's ``mim`` looks), and sit in ``configs/`` next to the package in a source checkout
or an editable install.
"""
import os
from pathlib import Path
from typing import List, Union

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def config_root() -> Path:
    """The folder of the shipped configs (``pose/``, ``seg/``, ``imagenet/``, ``_base_/``)."""
    for root in (PACKAGE_DIR / '.mim' / 'configs', PACKAGE_DIR.parent / 'configs'):
        if (root / '_base_').is_dir():
            return root
    raise FileNotFoundError(f'no configs found: neither {PACKAGE_DIR / ".mim" / "configs"} '
                            f'nor {PACKAGE_DIR.parent / "configs"} exists (a broken install?)')


def config_names() -> List[str]:
    """Names of the shipped configs, e.g. ``micronet_m0_coco``, sorted."""
    return sorted(path.stem for path in config_root().glob('*/*.py')
                  if path.parent.name != '_base_')


def find_config(config: Union[str, os.PathLike]) -> str:
    """The path of ``config``: an existing file as it is, else the shipped config of that name
    (``micronet_m0_coco``, ``micronet_m0_coco.py``) or relative path (``configs/pose/...``).

    Raises:
        FileNotFoundError: neither a file nor a shipped config; the message lists the names.
    """
    path = Path(config)
    if path.is_file():
        return str(path)
    root = config_root()
    parts = path.parts[1:] if path.parts[:1] == ('configs',) else path.parts
    candidates = [root.joinpath(*parts)] if len(parts) > 1 else sorted(
        p for p in root.glob(f'*/{path.stem}.py') if p.parent.name != '_base_')
    if path.suffix in ('', '.py') and candidates and candidates[0].is_file():
        return str(candidates[0])
    raise FileNotFoundError(f'{config}: no such config file, and no shipped config of that name '
                            f'(shipped: {", ".join(config_names())})')
