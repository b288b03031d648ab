"""One training run per work dir; a lock left by a killed run is taken over."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from micronet_dense.engine.work_dir_lock import LOCK_FILE, WorkDirLockedError, work_dir_lock
from tests.sample_runs import REPO, tool_env

HOLD_LOCK = ('import sys, time\n'
             'from micronet_dense.engine.work_dir_lock import work_dir_lock\n'
             'with work_dir_lock(sys.argv[1]):\n'
             '    print("locked", flush=True)\n'
             '    time.sleep(600)\n')


def hold_lock(work_dir: Path) -> subprocess.Popen:
    """Another process holding ``work_dir``, returned once it holds it."""
    holder = subprocess.Popen([sys.executable, '-c', HOLD_LOCK, str(work_dir)], cwd=REPO,
                              env=tool_env(), stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == 'locked'
    return holder


def test_second_run_fails_naming_the_first_and_a_killed_ones_lock_is_taken_over(
        tmp_path, log_lines):
    holder = hold_lock(tmp_path)
    try:
        with pytest.raises(WorkDirLockedError,
                           match=rf'work dir {tmp_path} is in use by another run \(pid '
                                 rf'{holder.pid} on host {socket.gethostname()}, started'):
            with work_dir_lock(str(tmp_path)):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released the dead process's lock; its note in the file tells it was killed.
    with work_dir_lock(str(tmp_path)):
        assert f'pid {os.getpid()} on host' in (tmp_path / LOCK_FILE).read_text()
    assert any(f'taking over the lock of a run that ended without releasing it (pid {holder.pid}'
               in line for line in log_lines)
    # A run that ended normally leaves nothing to take over.
    log_lines.clear()
    with work_dir_lock(str(tmp_path)):
        pass
    assert not any('taking over' in line for line in log_lines)


def test_processes_other_than_the_first_of_a_launch_do_not_lock(tmp_path, monkeypatch):
    monkeypatch.setenv('RANK', '1')
    with work_dir_lock(str(tmp_path)), work_dir_lock(str(tmp_path)):
        assert not (tmp_path / LOCK_FILE).exists()
