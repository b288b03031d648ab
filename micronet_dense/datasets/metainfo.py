"""The metainfo a dataset config describes (class names and palette, keypoint set), without
building the dataset or reading its data."""
import copy
from typing import Mapping

from micronet_dense.registry import DATASETS


def dataset_metainfo(dataset_cfg: Mapping) -> dict:
    """``DATASETS[dataset_cfg['type']]``'s metainfo given the config's ``metainfo`` (if any),
    resolved as the dataset itself resolves it (``BaseDataset._load_metainfo``)."""
    dataset_type = dataset_cfg['type']
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    if cls is None:
        raise KeyError(f'dataset type {dataset_type!r} is not registered; registered: '
                       f'{", ".join(sorted(DATASETS.module_dict))}')
    # A classmethod of mmengine's BaseDataset, the one place a dataset resolves its metainfo.
    return cls._load_metainfo(copy.deepcopy(dataset_cfg.get('metainfo')))
