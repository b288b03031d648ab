"""The CPU's name: the first ``model name`` of /proc/cpuinfo, else the platform's word for it;
its flags: the words of the ``flags`` lines."""
import builtins
import io

from micronet_dense.utils import cpu


def test_model_name_from_cpuinfo(monkeypatch):
    text = 'processor\t: 0\nvendor_id\t: X\nmodel name\t: Some CPU 9000\nmodel name\t: other\n'
    monkeypatch.setattr(builtins, 'open', lambda path, *a, **k: io.StringIO(text))
    assert cpu.cpu_name() == 'Some CPU 9000'


def test_without_cpuinfo_the_platform_names_it(monkeypatch):
    def missing(path, *args, **kwargs):
        raise FileNotFoundError(path)
    monkeypatch.setattr(builtins, 'open', missing)
    monkeypatch.setattr(cpu.platform, 'processor', lambda: '')
    monkeypatch.setattr(cpu.platform, 'machine', lambda: 'aarch64')
    assert cpu.cpu_name() == 'aarch64'
    text = 'processor\t: 0\nBogoMIPS\t: 50\n'  # no model name (many ARM kernels)
    monkeypatch.setattr(builtins, 'open', lambda path, *a, **k: io.StringIO(text))
    assert cpu.cpu_name() == 'aarch64'


def test_flags_are_whole_words_of_the_flags_line(monkeypatch):
    text = 'model name\t: avx512_vnni inside\nflags\t\t: fpu avx2 avx512f avx512_vnnix\n'
    monkeypatch.setattr(builtins, 'open', lambda path, *a, **k: io.StringIO(text))
    assert cpu.cpu_has('avx2') and cpu.cpu_has('avx512f')
    assert not cpu.cpu_has('avx512_vnni')  # only a longer flag and the model name have it
