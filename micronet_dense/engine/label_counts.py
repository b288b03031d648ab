"""The class / keypoint count of a run config, checked across head, datasets and metrics before
the runner is built.

A segmentation config states its class count in the dataset metainfo (``classes``), the decode
head (``num_classes``) and possibly the metric (``IoUMetric.num_classes``); a pose config its
keypoint count in the dataset metainfo (the keypoint set), the head (``num_keypoints``) and the
metric's annotation file (the category's ``keypoints``). mmengine would find a disagreement at
the first validation, or as a shape error in the loss; here it is one error naming every place.
"""
import json
import os.path as osp
from typing import Iterator, List, Mapping, Tuple

from micronet_dense.datasets.metainfo import dataset_metainfo
from micronet_dense.engine.config_check import ConfigError

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_EVALUATORS = ('val_evaluator', 'test_evaluator')


def _datasets(cfg: Mapping) -> Iterator[Tuple[str, Mapping]]:
    for loader in _LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset')
        if isinstance(dataset, Mapping) and 'type' in dataset:
            yield f'{loader}.dataset', dataset


def _metrics(cfg: Mapping) -> Iterator[Tuple[str, Mapping]]:
    for evaluator in _EVALUATORS:
        metrics = cfg.get(evaluator)
        if isinstance(metrics, Mapping):
            yield evaluator, metrics
        elif isinstance(metrics, (list, tuple)):
            yield from ((f'{evaluator}[{i}]', m) for i, m in enumerate(metrics)
                        if isinstance(m, Mapping))


def _annotated_keypoint_count(ann_file: str, category_id: int) -> Tuple[str, int]:
    """(description, count) of the keypoints of ``category_id`` in a COCO-format file."""
    with open(ann_file, encoding='utf-8') as f:
        categories = json.load(f).get('categories', [])
    for category in categories:
        if isinstance(category, Mapping) and category.get('id') == category_id:
            return f'category {category_id} of {ann_file}', len(category.get('keypoints', []))
    return f'{ann_file}, which has no category {category_id},', 0


def _declared_counts(cfg: Mapping) -> Tuple[str, List[Tuple[str, int]]]:
    """('class' or 'keypoint', [(place, count), ...]) of every place that states one."""
    model = cfg.get('model') or {}
    places: List[Tuple[str, int]] = []
    kind = None
    for path, dataset in _datasets(cfg):
        meta = dataset_metainfo(dataset)
        if 'num_keypoints' in meta:
            kind = 'keypoint'
            places.append((f'{path} metainfo ({meta["dataset_name"]})', meta['num_keypoints']))
            category_id = meta['category_id']
        elif meta.get('classes'):
            kind = 'class'
            places.append((f'{path} metainfo classes', len(meta['classes'])))
    if kind == 'keypoint':
        head = model.get('head') or {}
        if 'num_keypoints' in head:
            places.insert(0, ('model.head.num_keypoints', head['num_keypoints']))
        for path, metric in _metrics(cfg):
            if isinstance(metric.get('ann_file'), str) and osp.isfile(metric['ann_file']):
                where, count = _annotated_keypoint_count(metric['ann_file'], category_id)
                places.append((f'{path}.ann_file: {where}', count))
    elif kind == 'class':
        head = model.get('decode_head') or {}
        if 'num_classes' in head:
            places.insert(0, ('model.decode_head.num_classes', head['num_classes']))
        for path, metric in _metrics(cfg):
            if metric.get('num_classes') is not None:
                places.append((f'{path}.num_classes', metric['num_classes']))
    return kind, places


def check_label_counts(cfg: Mapping) -> None:
    """Raise :class:`ConfigError` naming every place if the head, the datasets and the metrics
    of ``cfg`` do not state the same class (keypoint) count; places that state none are skipped.

    Needs the project's modules registered; reads the metrics' annotation files that exist.
    """
    kind, places = _declared_counts(cfg)
    if len({count for _, count in places}) <= 1:
        return
    listing = '\n  '.join(f'{place}: {count}' for place, count in places)
    raise ConfigError(f'the {kind} count differs between model, data and metric:\n  {listing}\n'
                      f'Describe the {kind}s once, in the dataset metainfo, and make the head '
                      'and the metric (or its annotation file) agree with it')
