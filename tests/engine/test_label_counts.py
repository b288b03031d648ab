"""The class / keypoint count is checked across head, datasets and metrics of a run config."""
import pytest
from mmengine.config import Config

from micronet_dense.engine.label_counts import check_label_counts
from micronet_dense.registry import register_all_modules
from micronet_dense.engine.config_check import ConfigError

register_all_modules()
SEG = 'configs/transfer/micronet_m0_shapes_seg.py'


@pytest.mark.parametrize('config', [SEG, 'configs/transfer/micronet_m0_birds.py',
                                    'configs/seg/micronet_m0_cityscapes.py',
                                    'configs/pose/micronet_m0_coco.py'])
def test_shipped_configs_agree(config):
    check_label_counts(Config.fromfile(config))


def test_head_dataset_and_metric_disagreeing_are_named_together():
    cfg = Config.fromfile(SEG)
    cfg.merge_from_dict({'model.decode_head.num_classes': 19, 'val_evaluator.num_classes': 5})
    with pytest.raises(ConfigError) as error:
        check_label_counts(cfg)
    message = str(error.value)
    assert message.startswith('the class count differs between model, data and metric')
    for place in ('model.decode_head.num_classes: 19',
                  'train_dataloader.dataset metainfo classes: 4',
                  'val_evaluator.num_classes: 5'):
        assert place in message


def test_the_dataset_metainfo_sets_the_count():
    cfg = Config.fromfile(SEG)
    cfg.merge_from_dict({'model.decode_head.num_classes': 3})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.metainfo = dict(classes=('a', 'b', 'c'))
    check_label_counts(cfg)
