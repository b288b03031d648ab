"""Semantic segmentation from a folder of images and a folder of label maps (mmseg's
``BaseSegDataset`` conventions).

Layout under ``data_root``::

    <img_path>/<name><img_suffix>          e.g. images/train/0001.jpg
    <seg_map_path>/<name><seg_map_suffix>  e.g. masks/train/0001.png (grey levels = class ids)

``<name>`` may contain sub-folders. The class names and colours are the ``metainfo``:
``dict(classes=(...), palette=[[r, g, b], ...])``; without a palette each class gets a fixed
colour of :func:`default_palette`.
"""
import os
import os.path as osp
from typing import Callable, List, Mapping, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from micronet_dense.datasets.augmentation_seeds import SeededAugmentationMixin
from micronet_dense.registry import DATASETS

# Error messages name at most this many offending paths; the count says the rest.
_MAX_NAMED_PATHS = 5
# The seed of the default palette: the same classes get the same colours in every run and tool.
_PALETTE_SEED = 0


def _name_paths(paths: Sequence[str]) -> str:
    """Join the first few ``paths`` for an error message, saying how many were left out."""
    named = ', '.join(paths[:_MAX_NAMED_PATHS])
    rest = len(paths) - _MAX_NAMED_PATHS
    return named + (f' (and {rest} more)' if rest > 0 else '')


def default_palette(num_classes: int) -> List[List[int]]:
    """``num_classes`` RGB colours, the same for the same count (seeded, as mmseg draws them)."""
    rng = np.random.default_rng(_PALETTE_SEED)
    return rng.integers(0, 256, size=(num_classes, 3)).tolist()


@DATASETS.register_module()
class BaseSegDataset(SeededAugmentationMixin, BaseDataset):
    """Images paired with label maps by name (see the module docstring).

    Samples are found either by listing ``data_prefix['img_path']`` recursively (sorted) or,
    when ``ann_file`` is given, from a split list in the mmseg convention: one sample a line,
    written relative to the image folder and without suffix, e.g. ``city/0001``.

    Each data info is ``dict(img_path=str, seg_map_path=str, ignore_index=int,
    num_classes=int, reduce_zero_label=bool)`` (plus ``sample_idx`` added by mmengine);
    ``LoadSegAnnotation`` applies ``reduce_zero_label`` and checks the label ids against the
    class count and the ignore index.

    Args:
        data_root: Root joined with relative ``data_prefix`` paths and ``ann_file``.
        data_prefix: ``img_path`` and ``seg_map_path`` folders of one split.
        img_suffix: File-name ending of images.
        seg_map_suffix: File-name ending of label maps (single-channel uint8 class ids).
        reduce_zero_label: Label 0 means "unlabelled": it becomes ``ignore_index`` and every
            other id moves down by one (mmseg's convention, e.g. ADE20K).
        ignore_index: Label value excluded from loss and metrics.
        pipeline: Transforms applied to each data info.
        test_mode: Fail instead of re-sampling when the pipeline returns None.
        ann_file: Optional split list; empty means "every image in the folder".
        metainfo: ``dict(classes=..., palette=...)``; replaces the class's ``METAINFO``.
        **kwargs: Other ``mmengine.dataset.BaseDataset`` arguments (``indices``,
            ``serialize_data``, ``lazy_init``, ``max_refetch``).

    Raises:
        FileNotFoundError: When the image folder, the split list, an image named by the
            split list or a label map is missing, or when no image is found.
        ValueError: When ``data_prefix`` lacks a folder, the split list has no entry, or the
            metainfo has no classes or a palette of another length.
    """

    METAINFO: dict = dict()
    # Appended to the error about missing label maps (how a dataset's maps are made).
    MISSING_LABEL_HINT = 'each image needs a label map named <name><seg_map_suffix>'

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 ignore_index: int = 255,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 ann_file: str = '',
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(img_path='', seg_map_path='')
        missing_keys = {'img_path', 'seg_map_path'} - set(data_prefix)
        if missing_keys:
            raise ValueError(f'{type(self).__name__}: data_prefix {data_prefix} lacks '
                             f'{sorted(missing_keys)}')
        self.img_suffix = img_suffix
        self.seg_map_suffix = seg_map_suffix
        self.reduce_zero_label = reduce_zero_label
        self.ignore_index = ignore_index
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(data_prefix),
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[Mapping] = None) -> dict:
        # A given metainfo describes the label set as a whole: it replaces METAINFO (merged,
        # 4 given classes would be drawn with the first 4 colours of another set's palette).
        source = f'{cls.__name__} metainfo'
        metainfo = dict(cls.METAINFO if metainfo is None else metainfo)
        if not metainfo.get('classes'):
            raise ValueError(f'{source} has no classes: set metainfo=dict(classes=(...), '
                             'palette=[[r, g, b], ...]) in the dataset config')
        classes = tuple(metainfo['classes'])
        palette = list(metainfo.get('palette') or default_palette(len(classes)))
        if len(palette) != len(classes) or any(len(colour) != 3 for colour in palette):
            raise ValueError(f'{source}: the palette needs one [r, g, b] per class, got '
                             f'{len(palette)} colours for {len(classes)} classes')
        return {**metainfo, 'classes': classes, 'palette': palette}

    def load_data_list(self) -> List[dict]:
        """Pair every image of the split with its label map; see the class docstring."""
        img_dir = self.data_prefix['img_path']
        seg_dir = self.data_prefix['seg_map_path']
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'{type(self).__name__} image folder {img_dir} does not '
                                    f'exist (data_root={self.data_root!r}, data_prefix.img_path)')
        if self.ann_file:
            names = self._read_split_list(self.ann_file)
        else:
            names = self._list_images(img_dir)
            if not names:
                raise FileNotFoundError(f'No image ending in {self.img_suffix!r} found under '
                                        f'{img_dir}: the split would be empty')

        data_list = []
        for name in names:
            data_list.append(
                dict(
                    img_path=osp.join(img_dir, name + self.img_suffix),
                    seg_map_path=osp.join(seg_dir, name + self.seg_map_suffix),
                    ignore_index=self.ignore_index,
                    num_classes=len(self._metainfo['classes']),
                    reduce_zero_label=self.reduce_zero_label))

        missing_imgs = [info['img_path'] for info in data_list if not osp.isfile(info['img_path'])]
        if missing_imgs:
            raise FileNotFoundError(f'{len(missing_imgs)} image(s) listed in {self.ann_file} '
                                    f'do not exist: {_name_paths(missing_imgs)}')
        missing_labels = [
            info['seg_map_path'] for info in data_list if not osp.isfile(info['seg_map_path'])
        ]
        if missing_labels:
            raise FileNotFoundError(
                f'{len(missing_labels)} of {len(data_list)} images under {img_dir} have no label '
                f'map: {_name_paths(missing_labels)}; {self.MISSING_LABEL_HINT}')
        return data_list

    def _list_images(self, img_dir: str) -> List[str]:
        """Sample names (relative path minus ``img_suffix``) of all images under ``img_dir``."""
        names = []
        # followlinks: dataset folders are commonly symlinked into data/.
        for folder, _, files in os.walk(img_dir, followlinks=True):
            for file in files:
                if file.endswith(self.img_suffix):
                    rel_path = osp.relpath(osp.join(folder, file), img_dir)
                    names.append(rel_path[:-len(self.img_suffix)])
        return sorted(names)

    @classmethod
    def _read_split_list(cls, ann_file: str) -> List[str]:
        """Non-blank lines of the split list ``ann_file``, in file order."""
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'{cls.__name__} split list {ann_file} does not exist')
        with open(ann_file, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
        if not names:
            raise ValueError(f'{cls.__name__} split list {ann_file} has no entry: the split '
                             'would be empty')
        return names
