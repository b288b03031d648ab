"""The peer section: a fixed-batch graph made batch-dynamic, ratios to the peer, the peer table,
and a clear skip without the peer graphs."""
import numpy as np
import pytest

from benchmarks import peers, run

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')


def _fixed_batch_shuffle_graph(channels=6, groups=2, size=3):
    """A channel shuffle as Lite-HRNet's export writes it: Reshape to a constant (1, G, C/G, H, W),
    Transpose, Reshape to a constant (1, C, H, W)."""
    from onnx import TensorProto, helper, numpy_helper
    split = numpy_helper.from_array(np.array([1, groups, channels // groups, size, size]), 'split')
    merge = helper.make_node('Constant', [], ['merge'], value=numpy_helper.from_array(
        np.array([1, channels, size, size]), 'merge_value'))
    nodes = [helper.make_node('Reshape', ['input', 'split'], ['grouped']),
             helper.make_node('Transpose', ['grouped'], ['swapped'], perm=[0, 2, 1, 3, 4]),
             merge, helper.make_node('Reshape', ['swapped', 'merge'], ['output'])]
    shape = [1, channels, size, size]
    graph = helper.make_graph(nodes, 'shuffle',
                              [helper.make_tensor_value_info('input', TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info('output', TensorProto.FLOAT, shape)],
                              [split])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    return model


def test_dynamic_batch_copy_runs_each_sample_as_the_fixed_graph(tmp_path):
    from micronet_dense.deployment.onnx import ort_session
    fixed = _fixed_batch_shuffle_graph()
    path = tmp_path / 'dynamic.onnx'
    onnx.save(peers.with_dynamic_batch(fixed), path)
    assert fixed.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 1  # a copy was edited
    x = np.random.default_rng(0).standard_normal((5, 6, 3, 3)).astype(np.float32)
    actual = ort_session(str(path)).run(None, {'input': x})[0]
    # Channel shuffle by hand: output channel j*G + i is input channel i*(C/G) + j, G=2, C/G=3.
    expected = x[:, [0, 3, 1, 4, 2, 5]]
    np.testing.assert_array_equal(actual, expected)


def test_a_case_times_the_peer_and_each_arch_on_one_shared_thread_pool(tmp_path, monkeypatch):
    from onnx import TensorProto, helper
    shape = [1, 3, 256, 192]
    graph = helper.make_graph([helper.make_node('Relu', ['input'], ['output'])], 'peer',
                              [helper.make_tensor_value_info('input', TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info('output', TensorProto.FLOAT, shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / peers.PEERS['pose'].file)
    monkeypatch.setenv(peers.PEERS_DIR_VARIABLE, str(tmp_path))
    stats = peers.time_case(peers.Case('pose', (256, 192), 1, ('m0',), 0, 2), str(tmp_path))
    assert set(stats) == {'peer', 'm0'}
    # The one-op peer is faster than the whole MicroNet-M0 graph.
    assert 0 < stats['peer']['p50_ms'] < stats['m0']['p50_ms']
    # A session on the shared pool needs that pool: this process has none.
    from micronet_dense.deployment.onnx import ort_session
    with pytest.raises(Exception, match='GlobalThreadPools'):
        ort_session(tmp_path / peers.PEERS['pose'].file, threads=None)


def test_rows_are_ratios_to_the_peer():
    latency = peers.case_rows(peers.Case('pose', (256, 192), 1, ('m0',), 0, 3),
                              {'peer': dict(p50_ms=20.0, throughput=50.0),
                               'm0': dict(p50_ms=5.0, throughput=200.0)})
    assert [(r['value'], r['unit'], r['peer_ratio']) for r in latency] == [(20.0, 'ms', 1.0),
                                                                         (5.0, 'ms', 0.25)]
    assert latency[1]['peer'] == 'Lite-HRNet-18' and 'MicroNet-M0' in latency[1]['benchmark']
    operator = peers.case_rows(peers.Case('seg', (1024, 2048), 1, ('m3',), 0, 3),
                               {'peer': dict(p50_ms=600.0), 'm3': dict(p50_ms=200.0),
                                'm3' + peers.OPERATORS_SUFFIX: dict(p50_ms=150.0)})
    assert [(r['benchmark'].split('/')[-1], r['peer_ratio']) for r in operator[1:]] == [
        ('MicroNet-M3 fused', 1 / 3), ('MicroNet-M3 fused + operators', 0.25)]
    batch = peers.case_rows(peers.Case('pose', (256, 192), 32, ('m3',), 0, 3),
                            {'peer': dict(p50_ms=640.0, throughput=50.0),
                             'm3': dict(p50_ms=320.0, throughput=100.0)})
    assert [(r['value'], r['unit'], r['peer_ratio']) for r in batch] == [(50.0, 'samples/s', 1.0),
                                                                       (100.0, 'samples/s', 2.0)]


def test_missing_peer_graphs_skip_the_section_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(peers.PEERS_DIR_VARIABLE, str(tmp_path))
    assert peers.run(quick=True) == []
    message = capsys.readouterr().out
    assert 'litehrnet18.onnx' in message and str(tmp_path) in message
    assert peers.PEERS_DIR_VARIABLE in message


def test_markdown_has_a_peer_table_naming_the_cpu():
    row = dict(benchmark='peers/pose_256x192_b1/MicroNet-M3 fused', setting='onnxruntime',
               value=10.0, unit='ms', threads=2, peer='Lite-HRNet-18', peer_ratio=0.5,
               reference_ratio=4.0)
    results = dict(date='today', quick=False, reference={},
                   machine=dict(cpu='Test CPU 9000', logical_cpus=2, torch='x'),
                   sections={'peers': [row]})
    markdown = run.to_markdown(results)
    assert 'on Test CPU 9000, in the same process' in markdown
    assert ('| peers/pose_256x192_b1/MicroNet-M3 fused | onnxruntime | 10 | ms | Lite-HRNet-18 '
            '| 0.5 |') in markdown
