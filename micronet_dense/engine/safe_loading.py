"""Loading mmengine checkpoints with ``torch.load(weights_only=True)`` (the default since torch 2.6).

A checkpoint saved by mmengine's runner holds, besides tensors and plain containers, the message
hub's ``HistoryBuffer`` objects (numpy arrays inside) and — through ``HistoryBuffer.__getstate__`` —
its statistic functions, pickled as ``getattr(HistoryBuffer, 'min')``. Exactly those classes are
allow-listed here, and the pickle's ``getattr`` is served by a resolver that returns only those four
functions. Anything else (a crafted ``__reduce__``, another global, another attribute) is refused by
torch before any code runs. Nothing is switched off globally: the allow-list holds only inside
:func:`mmengine_checkpoint_globals`, which also makes mmengine's local checkpoint loader report a
refused file as :class:`UnsafeCheckpointError` naming it, and an empty, truncated or damaged one as
:class:`CheckpointLoadError` (torch's own messages name no file and suggest ``weights_only=False``,
which this project never does).
"""
import contextlib
import os.path as osp
import pickle
from typing import Iterator

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.runner.checkpoint import load_from_local as mmengine_load_from_local

from micronet_dense.utils.user_errors import UserError

_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
# How many mmengine_checkpoint_globals contexts are open (only the outermost sets up).
_context_depth = 0


def _history_buffer_statistic(obj, name: str):
    """Stands in for ``builtins.getattr`` while unpickling: only ``HistoryBuffer.<statistic>``."""
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) in a checkpoint: only HistoryBuffer statistics '
        f'({", ".join(_HISTORY_BUFFER_STATISTICS)}) are allowed')


def _numpy_dtype_classes() -> list:
    names = ['Float16DType', 'Float32DType', 'Float64DType', 'Int8DType', 'Int16DType', 'Int32DType',
             'Int64DType', 'UInt8DType', 'UInt16DType', 'UInt32DType', 'UInt64DType', 'BoolDType']
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    return [getattr(dtypes, n) for n in names if dtypes is not None and hasattr(dtypes, n)]


def _numpy_core():
    return np._core if hasattr(np, '_core') else np.core  # numpy 2 renamed the module


def mmengine_checkpoint_allowlist() -> list:
    """The globals of an mmengine checkpoint, in ``torch.serialization.safe_globals`` form."""
    core = _numpy_core().multiarray
    return [
        HistoryBuffer,
        (_history_buffer_statistic, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
        (core._reconstruct, f'{core.__name__}._reconstruct'),
        (core.scalar, f'{core.__name__}.scalar'),
        *_numpy_dtype_classes(),
    ]


class CheckpointLoadError(UserError, ValueError):
    """A checkpoint file that cannot be read: empty, truncated, damaged or not a checkpoint."""


class UnsafeCheckpointError(CheckpointLoadError, pickle.UnpicklingError):
    """A checkpoint whose pickle needs a global outside the allow-list; nothing of it was run."""


def _unpickler_reason(exc: Exception) -> str:
    """torch's reason for a refused pickle, without its advice to load with weights_only=False
    (which would run whatever the file holds)."""
    text = str(exc).split('WeightsUnpickler error:', 1)[-1].split('Check the documentation')[0]
    return ' '.join(text.split())


def load_from_local(filename: str, map_location=None):
    """mmengine's loader of local files, raising :class:`UnsafeCheckpointError` for a refused
    pickle and :class:`CheckpointLoadError` for an empty or damaged file. Named as mmengine's:
    its log line names the backend after ``load_from_``."""
    if osp.isfile(filename) and osp.getsize(filename) == 0:
        raise CheckpointLoadError(f'{filename}: empty file, not a checkpoint')
    try:
        return mmengine_load_from_local(filename, map_location)
    except pickle.UnpicklingError as exc:
        reason = ' '.join(line for line in str(exc).splitlines()
                          if 'GLOBAL' in line or 'refusing' in line)
        if not reason:  # not a refusal: a damaged file or a pickle of something else
            raise CheckpointLoadError(f'{filename}: not a checkpoint: {_unpickler_reason(exc)}'
                                      ) from None
        raise UnsafeCheckpointError(
            f'{filename}: refused to load: {reason} An mmengine checkpoint holds only tensors, '
            'containers, numpy arrays and message-hub buffers; this one would run other code when '
            'unpickled, and nothing of it was run.') from None
    except (RuntimeError, EOFError) as exc:  # torch's zip reader on a cut or damaged file
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointLoadError(f'{filename}: cannot be read as a checkpoint (truncated or '
                                  f'damaged file?): {first_line.split(". ")[0]}') from None


# How many mmengine_checkpoint_globals contexts are open (only the outermost sets up).
_context_depth = 0


@contextlib.contextmanager
def mmengine_checkpoint_globals() -> Iterator[None]:
    """Within this context ``torch.load(..., weights_only=True)`` accepts mmengine checkpoints,
    and mmengine's loads of local files raise :class:`UnsafeCheckpointError` for any other.
    Contexts nest: the outermost one sets up and restores (torch's ``safe_globals`` is not
    re-entrant: an inner exit would remove the outer's allow-list), e.g. a pretrained backbone
    read inside the tools' own context."""
    global _context_depth
    if _context_depth:
        yield
        return
    _context_depth += 1
    CheckpointLoader.register_scheme('', load_from_local, force=True)
    try:
        with torch.serialization.safe_globals(mmengine_checkpoint_allowlist()):
            yield
    finally:
        CheckpointLoader.register_scheme('', mmengine_load_from_local, force=True)
        _context_depth -= 1


def read_checkpoint(filename: str, map_location: str = 'cpu') -> dict:
    """Read any checkpoint of this project safely: ``tools/train.py`` checkpoints (``meta``,
    ``state_dict``, optimizer and message hub), converted official weights
    (``tools/model_converters``) or plain state dicts.

    ``torch.load(weights_only=True)`` with the allow-list above: tensors, containers, numpy
    arrays and mmengine's message-hub buffers load, anything else is refused before it runs.

    Example::

        checkpoint = read_checkpoint('work_dirs/my_pose/epoch_10.pth')
        checkpoint['meta']['dataset_meta']['keypoint_names']

    Raises:
        FileNotFoundError: no such file.
        CheckpointLoadError: empty, truncated or damaged, or not a checkpoint
            (:class:`UnsafeCheckpointError` if its pickle would run code; nothing was run).
    """
    with mmengine_checkpoint_globals():
        return CheckpointLoader.load_checkpoint(filename, map_location=map_location)
