"""exit_on_user_error: one ``error:`` line for a user's mistake, also from a dataloader worker;
import_optional: a missing optional dependency names the extra that installs it."""
import pytest
from torch.utils.data import DataLoader, Dataset

from micronet_dense.utils.checked_json import DataFileError
from micronet_dense.utils.user_errors import (MissingDependencyError, UserError,
                                              exit_on_user_error, import_optional)


@pytest.mark.parametrize('error', [UserError('bad --shape'), FileNotFoundError('x.pth: missing')])
def test_user_errors_end_in_one_error_line(error, capsys):
    with pytest.raises(SystemExit) as exit_info:
        with exit_on_user_error():
            raise error
    assert exit_info.value.code == f'error: {error}'  # printed to stderr, exit status 1


class RaisingDataset(Dataset):
    def __init__(self, error: Exception):
        self.error = error

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index):
        raise self.error


@pytest.mark.parametrize('error', [DataFileError("a.json: 'score' must be a number, got '0.9'"),
                                   FileNotFoundError('b.jpg: no such image')])
def test_an_error_of_a_dataloader_worker_is_its_message_alone(error):
    # torch re-raises it in the main process with the worker's traceback as its message.
    with pytest.raises(SystemExit) as exit_info:
        with exit_on_user_error():
            next(iter(DataLoader(RaisingDataset(error), num_workers=1)))
    assert exit_info.value.code == f'error: {error}'


def test_other_errors_keep_their_traceback():
    with pytest.raises(KeyError):
        with exit_on_user_error(ValueError):
            raise KeyError('a bug')
    with pytest.raises(SystemExit, match='error: bad value'):
        with exit_on_user_error(ValueError):
            raise ValueError('bad value')


def test_import_optional_returns_the_module_or_names_the_extra():
    assert import_optional('json', 'none').dumps([1]) == '[1]'
    with pytest.raises(MissingDependencyError) as error:
        import_optional('no_such_module', 'extra_name')
    assert str(error.value) == ("no_such_module is not installed; it comes with the 'extra_name' "
                                "extra: pip install 'micronet_dense[extra_name]'")
    assert isinstance(error.value, ImportError)
