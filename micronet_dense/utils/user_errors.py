"""How the tools and demos report a user's mistake: one ``error:`` line, no traceback.

A missing file, a bad argument, a refused checkpoint or a missing optional dependency is the
user's to fix and the message says how; a traceback would only bury it. Anything else (a bug)
still ends in a traceback.
"""
import contextlib
import importlib
import re
import sys
from types import ModuleType
from typing import Iterator, Type


class UserError(Exception):
    """A mistake of the user's whose message says what is wrong and where (file, argument)."""


class MissingDependencyError(UserError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


# Errors that name the user's file or argument; a tool or demo adds those of its own inputs.
USER_ERRORS = (UserError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
               PermissionError)


# How torch's DataLoader re-raises an exception of a worker process: its message is the traceback.
_WORKER_TRACEBACK = re.compile(r'Caught \w+ in DataLoader worker process \d+\.\nOriginal Traceback')


def _original_message(exc: BaseException) -> str:
    """The message of ``exc``; of one re-raised from a dataloader worker, whose message is then the
    worker's traceback, the original message alone."""
    text = str(exc)
    if not _WORKER_TRACEBACK.match(text):
        return text
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == 'builtins' else (
        f'{kind.__module__}.{kind.__qualname__}')
    _, found, message = text.rpartition(f'\n{name}: ')  # the traceback's last entry
    return message.strip() if found else text.strip().splitlines()[-1]


@contextlib.contextmanager
def exit_on_user_error(*more: Type[BaseException]) -> Iterator[None]:
    """Within this context a :data:`USER_ERRORS` (or ``more``) exception ends the program with
    ``error: <message>`` on stderr and exit status 1, also when a dataloader worker raised it."""
    try:
        yield
    except (*USER_ERRORS, *more) as exc:
        sys.exit(f'error: {_original_message(exc)}')


def import_optional(module: str, extra: str) -> ModuleType:
    """``module``, or :class:`MissingDependencyError` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f'{module} is not installed; it comes with the {extra!r} extra: '
            f"pip install 'micronet_dense[{extra}]'") from None
