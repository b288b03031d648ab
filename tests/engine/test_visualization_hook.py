"""tools/test.py --show-dir draws with the metainfo the loaded checkpoint was trained with."""
from types import SimpleNamespace

from micronet_dense.engine import PredictionVisualizationHook
from micronet_dense.visualization import DenseLocalVisualizer


def test_checkpoint_dataset_meta_wins_over_the_test_set():
    test_set = SimpleNamespace(metainfo=dict(classes=('road', 'sky'), palette=[[0, 0, 0]] * 2))
    visualizer = DenseLocalVisualizer(name='test_checkpoint_dataset_meta')
    runner = SimpleNamespace(test_dataloader=SimpleNamespace(dataset=test_set),
                             visualizer=visualizer)
    hook = PredictionVisualizationHook()
    hook.before_test(runner)
    assert visualizer.dataset_meta['classes'] == ('road', 'sky')
    trained = dict(classes=('disc', 'bar'), palette=[[1, 2, 3], [4, 5, 6]])
    hook.after_load_checkpoint(runner, dict(meta=dict(dataset_meta=trained)))
    hook.before_test(runner)
    assert visualizer.dataset_meta == trained
