"""Reading JSON files strictly and checking their values; errors name the file and the place.

Python's JSON reader accepts the non-standard constants ``NaN``, ``Infinity`` and ``-Infinity``;
a NaN coordinate or score then compares false with every threshold and passes checks that only
look at types. They are refused here while parsing.
"""
import json
import math
import os.path as osp
import re
from typing import Any, Sequence

from .user_errors import UserError

# A JSON string literal, or one of the constants outside strings.
_STRING_OR_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
# An object key: the last one before a constant names its field.
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


class DataFileError(UserError, ValueError):
    """A data file (annotations, detections, polygons, an image) that cannot be used as it is; the
    message names the file and the place."""


class _NonFiniteConstant(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NonFiniteConstant(name)


def _line_column(text: str, position: int) -> str:
    line = text.count('\n', 0, position) + 1
    column = position - text.rfind('\n', 0, position)
    return f'line {line} column {column}'


def load_json(path: str, what: str = 'JSON file') -> Any:
    """The parsed content of ``path``; ``what`` names the file in errors (``'annotation file'``).

    Raises:
        FileNotFoundError: ``path`` is not a file.
        DataFileError: not UTF-8, not valid (e.g. truncated) JSON, or holding ``NaN`` /
            ``Infinity``; the message names the file, line and column.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except UnicodeDecodeError as error:
        raise DataFileError(f'{what} {path} is not valid JSON (not UTF-8 text): {error}') from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DataFileError(f'{what} {path} is not valid JSON (truncated?): {error}') from None
    except _NonFiniteConstant as error:
        position = next(m for m in _STRING_OR_CONSTANT.finditer(text) if m.group(1)).start(1)
        keys = _KEY.findall(text, 0, position)
        field = f" (in '{keys[-1]}')" if keys else ''
        raise DataFileError(f'{what} {path}: {error} at {_line_column(text, position)}{field} is '
                            'not a number (JSON has no NaN or Infinity)') from None


def _is_number(value) -> bool:
    # bool is an int subclass, but true/false are not coordinates.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_fields(entry, fields: Sequence[str], path: str, where: str) -> None:
    """Raise unless ``entry`` is a JSON object holding every one of ``fields``."""
    if not isinstance(entry, dict):
        raise DataFileError(f'{path}: {where} must be a JSON object, got {type(entry).__name__}')
    missing = [field for field in fields if field not in entry]
    if missing:
        raise DataFileError(f'{path}: {where} lacks field(s) {missing}')


def check_number(value, path: str, where: str, low: float = -math.inf, high: float = math.inf,
                 integer: bool = False) -> float:
    """``value`` if it is a finite number in ``[low, high]`` (an integer if ``integer``)."""
    kind = 'an integer' if integer else 'a number'
    if not _is_number(value) or (integer and not isinstance(value, int)):
        raise DataFileError(f'{path}: {where} must be {kind}, got {value!r}')
    if not math.isfinite(value):
        raise DataFileError(f'{path}: {where} must be finite, got {value!r}')
    if not low <= value <= high:
        raise DataFileError(f'{path}: {where} = {value!r} is outside [{low:g}, {high:g}]')
    return value


def check_number_list(values, length: int, path: str, where: str) -> None:
    """Raise unless ``values`` is a list of ``length`` finite numbers."""
    if not isinstance(values, list) or len(values) != length:
        size = len(values) if isinstance(values, list) else type(values).__name__
        raise DataFileError(f'{path}: {where} must be a list of {length} numbers, got {size}')
    for i, value in enumerate(values):
        check_number(value, path, f'{where}[{i}]')
