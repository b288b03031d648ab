"""The CPU this process runs on, by name: benchmark reports name it beside every figure, and
libraries built for it (``-march=native``) are cached under it; and its instruction-set flags."""
import platform


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` reports."""
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            return next(line.split(':', 1)[1].strip() for line in cpuinfo
                        if line.startswith('model name'))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def cpu_has(flag: str) -> bool:
    """Whether the CPU lists ``flag`` (e.g. ``'avx512_vnni'``) in ``/proc/cpuinfo``; False where
    there is no such file."""
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            return any(line.startswith('flags') and flag in line.split(':', 1)[1].split()
                       for line in cpuinfo)
    except OSError:
        return False
