"""MicroNet's ONNX exports side by side with the models a user would pick instead.

The peer graphs (Lite-HRNet-18 for pose, LR-ASPP MobileNetV3-small for segmentation; random
weights, fixed input shape) live outside the repository: ``$MICRONET_PEERS_DIR``, by default
``../shared/peers`` next to the repository root. Without them the section reports that and returns
no rows. Every graph runs in one process with the same onnxruntime session options (all graph
optimisations, denormals flushed to zero) on one shared pool of 2 intra-op threads, timed in
interleaved rounds; each row carries ``peer`` and ``peer_ratio``, its median time over the
peer's, or for throughput its rate over the peer's. MicroNet's weights are random ones of
unit-scale outputs (no denormal arithmetic). Batch 32 uses a copy of the peer graph with a
symbolic batch axis (:func:`with_dynamic_batch`). ``--quick``: m0 and m3, fewer rounds.

Run alone: ``python benchmarks/peers.py [--quick] [--out rows.json]``.
"""
import multiprocessing
import os
import os.path as osp
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, NamedTuple, Tuple

import numpy as np

from micronet_dense.deployment.benchmark import flush_denormal, time_interleaved
from micronet_dense.deployment.onnx import INPUT_NAME, export_onnx, ort_session

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if __package__ in (None, ''):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, REPO)
from benchmarks.common import make_row, operators_available, shipped_model  # noqa: E402

PEERS_DIR_VARIABLE = 'MICRONET_PEERS_DIR'
THREADS = 2
# Key suffix of an arch exported with the project's onnxruntime operators.
OPERATORS_SUFFIX = '+operators'


class Peer(NamedTuple):
    name: str
    file: str


PEERS = {'pose': Peer('Lite-HRNet-18', 'litehrnet18.onnx'),
         'seg': Peer('LR-ASPP MobileNetV3-small', 'lraspp_mbv3s.onnx')}


class Case(NamedTuple):
    task: str
    shape: Tuple[int, int]
    batch_size: int
    archs: Tuple[str, ...]
    warmup: int
    iters: int


# Batch 32 times m3 alone with the peer: with m0's sessions in the same process as well, m3's
# throughput varied between runs by up to 2.5× (AMD EPYC), the peer's by much less.
CASES = [Case('pose', (256, 192), 1, ('m0', 'm1', 'm2', 'm3'), 5, 30),
         Case('seg', (1024, 2048), 1, ('m0', 'm1', 'm2', 'm3'), 1, 5),
         Case('pose', (256, 192), 32, ('m3',), 1, 5)]
QUICK_CASES = [Case('pose', (256, 192), 1, ('m0', 'm3'), 3, 10),
               Case('seg', (1024, 2048), 1, ('m3',), 1, 2),
               Case('pose', (256, 192), 32, ('m3',), 1, 2)]


def peers_dir() -> str:
    return os.environ.get(PEERS_DIR_VARIABLE, osp.join(REPO, '..', 'shared', 'peers'))


def with_dynamic_batch(model):
    """A copy of the ONNX ``model`` whose inputs and outputs have a symbolic first axis
    (``'batch'``) and whose constant Reshape targets keep that axis (a leading 1 becomes 0, "copy
    the input's axis"), for graphs exported with batch 1 fixed.
    """
    import onnx
    from onnx import numpy_helper
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = 'batch'
    del graph.value_info[:]
    constants = {node.output[0]: node for node in graph.node if node.op_type == 'Constant'}
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    for node in graph.node:
        if node.op_type != 'Reshape':
            continue
        name = node.input[1]
        tensor = (constants[name].attribute[0].t if name in constants else initializers.get(name))
        if tensor is None:
            continue
        target = numpy_helper.to_array(tensor).copy()
        if target.ndim == 1 and len(target) > 1 and target[0] == 1:
            target[0] = 0
            tensor.CopyFrom(numpy_helper.from_array(target, tensor.name))
    return model


def _micronet_export(task: str, arch: str, shape: Tuple[int, int], workdir: str,
                     operators: bool = False) -> str:
    path = osp.join(workdir, f'{task}_{arch}{"_operators" if operators else ""}.onnx')
    export_onnx(shipped_model(task, arch), path, shape, fast=True, operators=operators)
    return path


def _peer_path(task: str, batch_size: int, workdir: str) -> str:
    import onnx
    path = osp.join(peers_dir(), PEERS[task].file)
    if batch_size == 1:
        return path
    dynamic = osp.join(workdir, f'peer_{task}_dynamic_batch.onnx')
    onnx.save(with_dynamic_batch(onnx.load(path)), dynamic)
    return dynamic


def _time_on_one_thread_pool(case: Case, paths: Dict[str, str]) -> Dict[str, dict]:
    """Interleaved statistics of the graphs at ``paths``, every session on one shared pool of
    ``THREADS`` threads (run in a fresh process: the pool is process-wide)."""
    import onnxruntime
    onnxruntime.set_global_thread_pool_sizes(THREADS, 1)
    inputs = np.random.default_rng(0).standard_normal(
        (case.batch_size, 3, *case.shape)).astype(np.float32)
    runners = {}
    for name, path in paths.items():
        session = ort_session(path, threads=None, flush_denormal=True)
        runners[name] = (lambda s: lambda: s.run(None, {INPUT_NAME: inputs}))(session)
    with flush_denormal():
        return time_interleaved(runners, case.warmup, case.iters, case.batch_size, progress=True)


def time_case(case: Case, workdir: str, operators: bool = False) -> Dict[str, dict]:
    """Interleaved onnxruntime statistics of the peer (key ``'peer'``) and each MicroNet arch
    (key: the arch), and with ``operators`` also each arch's export with the project's onnxruntime
    operators (key: arch + :data:`OPERATORS_SUFFIX`).

    The sessions share one thread pool, as the models of one application would: with a pool
    each, an idle session's spinning threads take the cores from the one being timed (on 2
    cores that tripled every figure and moved the ratios by up to 50 %).
    """
    paths = {'peer': _peer_path(case.task, case.batch_size, workdir)}
    for arch in case.archs:
        paths[arch] = _micronet_export(case.task, arch, case.shape, workdir)
        if operators:
            paths[arch + OPERATORS_SUFFIX] = _micronet_export(case.task, arch, case.shape,
                                                              workdir, operators=True)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn')) as child:
        return child.submit(_time_on_one_thread_pool, case, paths).result()


def case_rows(case: Case, stats: Dict[str, dict]) -> List[dict]:
    """Rows of one case; the peer's own row has ``peer_ratio`` 1."""
    peer = PEERS[case.task].name
    size = f'{case.shape[0]}x{case.shape[1]}'
    setting = (f'onnxruntime, {THREADS} threads (one shared pool), batch {case.batch_size}, '
               f'{case.iters} interleaved rounds')
    # Batch 1 compares median latencies, batch 32 throughputs (persons, i.e. crops, per second).
    key, unit, what = (('p50_ms', 'ms', ', p50') if case.batch_size == 1 else
                       ('throughput', 'samples/s', ', persons per second'))
    rows = []
    for name, result in stats.items():
        arch = name[:-len(OPERATORS_SUFFIX)] if name.endswith(OPERATORS_SUFFIX) else name
        model = peer if name == 'peer' else f'MicroNet-{arch.upper()} fused' + (
            ' + operators' if arch != name else '')
        rows.append(make_row(f'peers/{case.task}_{size}_b{case.batch_size}/{model}', setting + what,
                             result[key], unit, threads=THREADS, peer=peer,
                             peer_ratio=result[key] / stats['peer'][key]))
    return rows


def run(quick: bool = False) -> List[dict]:
    missing = [peer.file for peer in PEERS.values()
               if not osp.exists(osp.join(peers_dir(), peer.file))]
    if missing:
        print(f'[benchmarks] peers: {", ".join(missing)} not found in {peers_dir()}; set '
              f'{PEERS_DIR_VARIABLE} to the folder of the peer graphs. Peer rows skipped.')
        return []
    rows = []
    operators = operators_available('peers')
    with tempfile.TemporaryDirectory() as workdir:
        for case in QUICK_CASES if quick else CASES:
            rows += case_rows(case, time_case(case, workdir, operators))
    return rows


if __name__ == '__main__':
    from benchmarks._standalone import main
    main(run, __doc__.split('\n')[0])
