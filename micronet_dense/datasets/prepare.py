"""Checks that a config's data is in place before a run starts, and generates the built-in sample
sets on first use, so a missing dataset stops a run within seconds with instructions. A pipeline
that loads depth (``LoadDepthFromDisparity``) also needs the Cityscapes ``disparity/`` and
``camera/`` folders of each split."""
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log

from .transforms.depth import DEPTH_DOWNLOAD_HINT

HOW_TO = {
    'CocoKeypointDataset': (
        'COCO 2017 keypoints go under {root}: train2017/, val2017/, annotations/'
        'person_keypoints_{{train,val}}2017.json and person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json (the SimpleBaseline person boxes). Without COCO, '
        'generate the sample set with `python tools/dataset_converters/make_coco_sample.py` and train '
        '`configs/pose/micronet_m0_coco_sample.py`, which generates it on first use. A keypoint set '
        'of your own: docs/transfer.md.'),
    'CityscapesDataset': (
        'Cityscapes goes under {root}: leftImg8bit/{{train,val}}/<city>/ and gtFine/{{train,val}}/<city>/ '
        'from leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip; then write the '
        '*_gtFine_labelTrainIds.png maps with `python tools/dataset_converters/cityscapes.py {root}`. '
        'Without Cityscapes, generate the sample set with '
        '`python tools/dataset_converters/make_cityscapes_sample.py` (then convert it the same way) or '
        'train `configs/seg/micronet_m0_cityscapes_sample.py`, which does both on first use.'),
    'BaseSegDataset': (
        'Images and label masks go under {root}, one folder of each per split, paired by name '
        '(docs/transfer.md); `python tools/dataset_converters/make_transfer_examples.py` writes a '
        'small example set in that layout.'),
}


class DatasetNotFoundError(FileNotFoundError):
    """A config's dataset is not where the config says."""


def _generate_sample(sample: dict) -> None:
    kind, root = sample['type'], sample['root']
    options = {k: v for k, v in sample.items() if k not in ('type', 'root')}
    if kind == 'coco_keypoints':
        from .samples.coco_keypoints import is_complete, make_coco_sample
        generated_with = {k: v for k, v in options.items() if k != 'progress'}
        if not is_complete(root, **generated_with):
            print_log(f'generating the COCO keypoint sample set in {root}', logger='current')
            make_coco_sample(root, **options)
    elif kind == 'cityscapes':
        from .cityscapes_conversion import convert_cityscapes, find_polygon_files
        from .samples.cityscapes import is_complete, make_cityscapes_sample
        if not is_complete(root):
            print_log(f'generating the Cityscapes sample set in {root}', logger='current')
            make_cityscapes_sample(root, **options)
        polygons = find_polygon_files(osp.join(root, 'gtFine'))
        if not all(osp.exists(p.replace('_polygons.json', '_labelTrainIds.png')) for p in polygons):
            # As for the real set, the train-id maps come from the polygons through the converter.
            convert_cityscapes(root)
    else:
        raise ValueError(f'sample_data.type must be "coco_keypoints" or "cityscapes", got {kind!r}')


def _missing_path(dataset: dict) -> Optional[str]:
    root = dataset.get('data_root', '')
    paths = [root]
    if dataset.get('ann_file'):
        paths.append(osp.join(root, dataset['ann_file']))
    paths += [osp.join(root, p) for p in dataset.get('data_prefix', {}).values()]
    if dataset.get('bbox_file'):
        paths.append(dataset['bbox_file'])
    return next((p for p in paths if p and not osp.exists(p)), None)


def _missing_depth_path(dataset: dict) -> Optional[str]:
    """The first of ``disparity/<split>`` and ``camera/<split>`` missing next to the
    ``leftImg8bit/<split>`` images of a dataset whose pipeline loads depth from disparity."""
    if not any(t.get('type') == 'LoadDepthFromDisparity' for t in dataset.get('pipeline', [])):
        return None
    root, images = dataset.get('data_root', ''), dataset.get('data_prefix', {}).get('img_path', '')
    parts = osp.normpath(images).split(osp.sep)
    if 'leftImg8bit' not in parts:  # not the Cityscapes layout: the transform names each file
        return None
    paths = [osp.join(root, *[kind if p == 'leftImg8bit' else p for p in parts])
             for kind in ('disparity', 'camera')]
    return next((p for p in paths if not osp.isdir(p)), None)


def ensure_dataset(cfg: Config, loaders=('train_dataloader', 'val_dataloader')) -> None:
    """Generates ``cfg.sample_data`` if the config asks for it, then checks the paths of ``loaders``
    (with the disparity and camera folders where a pipeline loads depth).

    Raises:
        DatasetNotFoundError: naming the missing path and saying where the dataset goes.
    """
    if cfg.get('sample_data'):
        _generate_sample(cfg.sample_data)
    for key in loaders:
        dataset = (cfg.get(key) or {}).get('dataset')
        if not dataset:
            continue
        missing = _missing_path(dataset)
        if missing:
            how = HOW_TO.get(dataset.get('type'), '').format(root=dataset.get('data_root', ''))
            raise DatasetNotFoundError(f'{key}: {missing} does not exist. {how}')
        missing = _missing_depth_path(dataset)
        if missing:
            raise DatasetNotFoundError(f'{key}: {missing} does not exist. {DEPTH_DOWNLOAD_HINT} '
                                       f'in {dataset.get("data_root") or "."}.')
