import sys

import pytest

from micronet_dense.datasets.cityscapes_conversion import convert_cityscapes
from micronet_dense.utils.user_errors import (MissingDependencyError, UserError,
                                              exit_on_user_error, import_optional)


@pytest.mark.parametrize('error', [UserError('bad --shape'), FileNotFoundError('x.pth: missing')])
def test_user_errors_end_in_one_error_line(error, capsys):
    with pytest.raises(SystemExit) as exit_info:
        with exit_on_user_error():
            raise error
    assert exit_info.value.code == f'error: {error}'  # printed to stderr, exit status 1


def test_other_errors_keep_their_traceback():
    with pytest.raises(KeyError):
        with exit_on_user_error(ValueError):
            raise KeyError('a bug')
    with pytest.raises(SystemExit, match='error: bad value'):
        with exit_on_user_error(ValueError):
            raise ValueError('bad value')


def test_missing_cityscapesscripts_names_the_extra(monkeypatch, cityscapes_sample_root):
    monkeypatch.setitem(sys.modules, 'cityscapesscripts.preparation.json2labelImg', None)
    message = ("cityscapesscripts.preparation.json2labelImg is not installed; it comes with the "
               "'cityscapes' extra: pip install 'micronet_dense[cityscapes]'")
    with pytest.raises(MissingDependencyError) as error:
        convert_cityscapes(cityscapes_sample_root, progress=False)
    assert str(error.value) == message
    assert isinstance(error.value, ImportError)
    assert import_optional('json', 'none').dumps([1]) == '[1]'
