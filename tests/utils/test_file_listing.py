"""list_files: links followed inside the data folder only, cycles and repeats refused."""
import os

import pytest

from micronet_dense.utils.file_listing import list_files


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def test_lists_recursively_sorted_by_suffix(tmp_path):
    for name in ('b/x.png', 'a/y.png', 'a/z.txt', 'c.png'):
        touch(tmp_path / name)
    assert list_files(str(tmp_path), '.png') == ['a/y.png', 'b/x.png', 'c.png']


def test_follows_links_inside_and_a_linked_root(tmp_path):
    touch(tmp_path / 'store' / 'city' / 'a.png')
    touch(tmp_path / 'data' / 'other' / 'b.png')
    os.symlink(tmp_path / 'store', tmp_path / 'root_link')
    assert list_files(str(tmp_path / 'root_link'), '.png') == ['city/a.png']
    os.symlink(tmp_path / 'data' / 'other', tmp_path / 'data' / 'alias')
    # 'alias' and 'other' are one folder: listing both would count b.png twice.
    with pytest.raises(ValueError, match=r'other, a folder already listed under .*data'):
        list_files(str(tmp_path / 'data'), '.png')


def test_link_out_of_the_root_is_an_error(tmp_path):
    touch(tmp_path / 'elsewhere' / 'c.png')
    touch(tmp_path / 'root' / 'a.png')
    os.symlink(tmp_path / 'elsewhere', tmp_path / 'root' / 'escape')
    with pytest.raises(ValueError, match=r'root/escape links to .*elsewhere, outside the data '
                                         r'folder'):
        list_files(str(tmp_path / 'root'), '.png')
