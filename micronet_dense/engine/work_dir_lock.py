"""One training run per work dir: an advisory lock file naming the run that holds it.

Two runs in one work dir would interleave their logs and overwrite each other's checkpoints and
``last_checkpoint``. The lock is ``fcntl.flock`` on ``WORK_DIR/.train.lock``: the kernel releases
it when the holding process ends in any way (also SIGKILL), so a lock left by a killed run is
never mistaken for a live one; the file's text (pid, host, start time) names the holder in the
error a second run gets, and a text left behind tells that the previous run was killed.
"""
import contextlib
import fcntl
import os
import os.path as osp
import socket
import time
from typing import Iterator

from mmengine.logging import print_log

from micronet_dense.utils.user_errors import UserError

LOCK_FILE = '.train.lock'


class WorkDirLockedError(UserError, RuntimeError):
    """Another live run holds the work dir."""


def _holder() -> str:
    started = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime())
    return f'pid {os.getpid()} on host {socket.gethostname()}, started {started}'


@contextlib.contextmanager
def work_dir_lock(work_dir: str) -> Iterator[None]:
    """Hold ``work_dir`` for this process while the context runs. Of a distributed launch only
    the first process (``RANK`` or ``SLURM_PROCID`` 0) takes the lock.

    Raises:
        WorkDirLockedError: a live process holds it; the message names its pid and host.
    """
    if int(os.environ.get('RANK', os.environ.get('SLURM_PROCID', 0))) != 0:
        yield
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    with open(path, 'a+', encoding='utf-8') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or 'a process that is just starting'
            raise WorkDirLockedError(
                f'work dir {work_dir} is in use by another run ({holder}); wait for it to end or '
                'choose another --work-dir') from None
        lock.seek(0)
        previous = lock.read().strip()
        if previous:
            print_log(f'{path}: taking over the lock of a run that ended without releasing it '
                      f'({previous}; killed?)', logger='current')
        lock.seek(0)
        lock.truncate()
        lock.write(_holder() + '\n')
        lock.flush()
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()
