"""Listing the files of a data folder, following symbolic links only inside it."""
import os
import os.path as osp
from typing import List, Set


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def list_files(root: str, suffix: str) -> List[str]:
    """Sorted paths, relative to ``root``, of the files under ``root`` whose names end in
    ``suffix``.

    ``root`` itself may be a link (datasets are often linked into ``data/``). Links below it are
    followed where they stay inside ``root``'s real path; a link leading out of it, and a folder
    reached twice (a link cycle, or a second link to one folder, which would list its files
    twice), are errors naming the link.

    Raises:
        ValueError: a link out of ``root``, a link cycle or a folder reached twice.
    """
    real_root = osp.realpath(root)
    found: List[str] = []
    visited: Set[str] = {real_root}

    def walk(folder: str, relative: str, ancestors: List[str]) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            path = osp.join(relative, entry.name)
            real = osp.realpath(entry.path)
            if entry.is_symlink() and not _inside(real, real_root):
                raise ValueError(f'{entry.path} links to {real}, outside the data folder '
                                 f'{root} ({real_root}); links are followed only inside it')
            if entry.is_dir():
                if real in ancestors:
                    raise ValueError(f'{entry.path} links back to {real}, a folder above it: '
                                     f'a link cycle under {root}')
                if real in visited:
                    raise ValueError(f'{entry.path} leads to {real}, a folder already listed '
                                     f'under {root}: its files would be counted twice')
                visited.add(real)
                walk(entry.path, path, ancestors + [real])
            elif entry.name.endswith(suffix):
                found.append(path)

    walk(root, '', [real_root])
    return sorted(found)
