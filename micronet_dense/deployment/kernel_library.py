"""MicroNet's C kernels (``csrc/``) and their build into cached shared libraries.

The kernels (``kernels.h``) are plain C without dependencies; the onnxruntime operators
(:mod:`.onnxruntime_operators`) and the PyTorch operators (:mod:`.torch_operators`) are thin glue
around them. A library is compiled once per source, header, compiler, flags and CPU into
``$MICRONET_DENSE_CACHE`` (default ``~/.cache/micronet_dense``): C with ``$CC`` (default ``cc``),
C++ with ``$CXX`` (default ``c++``).
"""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

from micronet_dense.utils.cpu import cpu_name
from micronet_dense.utils.user_errors import UserError

CACHE_VARIABLE = 'MICRONET_DENSE_CACHE'
CSRC = Path(__file__).parent / 'csrc'
KERNEL_SOURCES = ('dynamic_shift_max_kernel.c', 'resize_bilinear_kernel.c',
                  'micro_factorized_depthwise_kernel.c', 'quantized_pointwise_kernel.c')
# -march=native: the library is built where it runs (its cache key names the CPU), and the
# kernels' loops gain from the CPU's widest vectors (m3 pose 7-10 % faster on AMD EPYC).
CFLAGS = ('-O3', '-march=native', '-shared', '-fPIC')
STANDARDS = {'.c': ('CC', 'cc', '-std=c11'), '.cpp': ('CXX', 'c++', '-std=c++20')}


class OperatorUnavailable(UserError):
    """An operator library cannot be built here (no compiler, or a header is missing)."""


def compile_shared_library(sources: Sequence[str], include_dirs: Sequence[str] = (),
                           extra_args: Sequence[str] = (), fingerprint: Sequence[str] = ()) -> str:
    """Compile ``sources`` (names in ``csrc/``, all C or all C++) into a shared library and return
    its path.

    Args:
        include_dirs: further header folders (``csrc/`` is always one).
        extra_args: further compiler and linker arguments, after the sources.
        fingerprint: what else the build depends on (e.g. a header's text, a version), for the
            cache key.

    The library is cached under a name made of the sources', the headers', the compiler's, the
    arguments', the fingerprint's and the CPU's digest, and written to a temporary file that is
    renamed into place, so that concurrent builds never load a half-written file.
    """
    variable, default, standard = STANDARDS[Path(sources[0]).suffix]
    compiler = os.environ.get(variable, default)
    if shutil.which(compiler) is None:
        raise OperatorUnavailable(f'no compiler: {compiler!r} is not on PATH (set ${variable})')
    flags = (*CFLAGS, standard)
    digest = hashlib.sha256(' '.join((compiler, *flags, *include_dirs, *extra_args, *fingerprint,
                                      cpu_name())).encode())
    for path in [CSRC / name for name in sources] + sorted(CSRC.glob('*.h')):
        digest.update(path.read_bytes())
    cache = Path(os.environ.get(CACHE_VARIABLE, Path.home() / '.cache' / 'micronet_dense'))
    target = cache / 'kernels' / f'{Path(sources[-1]).stem}-{digest.hexdigest()[:16]}.so'
    if target.exists():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.so', dir=target.parent)
    os.close(fd)
    command = [compiler, *flags, *(f'-I{d}' for d in (str(CSRC), *include_dirs)),
               *(str(CSRC / name) for name in sources), *extra_args, '-o', tmp]
    try:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise OperatorUnavailable(f'compiling {", ".join(sources)} failed:\n{result.stderr}')
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return str(target)
