"""Cityscapes semantic segmentation dataset (19 evaluation classes, fine annotations).

Expected layout under ``data_root`` (the official archives, plus label maps in
train ids produced by ``tools/dataset_converters/cityscapes.py``)::

    leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png
"""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset

from micronet_dense.datasets.augmentation_seeds import SeededAugmentationMixin
from micronet_dense.datasets.cityscapes_labels import TRAIN_CLASSES, TRAIN_PALETTE
from micronet_dense.registry import DATASETS
from micronet_dense.utils.file_listing import list_files

# Error messages name at most this many offending paths; the count says the rest.
_MAX_NAMED_PATHS = 5
_CONVERTER_HINT = ('label maps in train ids are produced from the official gtFine polygons by '
                   '`python tools/dataset_converters/cityscapes.py <cityscapes root>`')


def _name_paths(paths: Sequence[str]) -> str:
    """Join the first few ``paths`` for an error message, saying how many were left out."""
    named = ', '.join(paths[:_MAX_NAMED_PATHS])
    rest = len(paths) - _MAX_NAMED_PATHS
    return named + (f' (and {rest} more)' if rest > 0 else '')


@DATASETS.register_module()
class CityscapesDataset(SeededAugmentationMixin, BaseDataset):
    """Cityscapes images paired with their ``*_gtFine_labelTrainIds.png`` label maps.

    Samples are found either by listing ``data_prefix['img_path']`` recursively (sorted,
    so city by city) or, when ``ann_file`` is given, from a split list in the mmseg
    convention: one sample a line, written relative to the image folder and without
    suffix, e.g. ``aachen/aachen_000000_000019``.

    Each data info is ``dict(img_path=str, seg_map_path=str, ignore_index=int,
    num_classes=int)`` (plus ``sample_idx`` added by mmengine); ``LoadSegAnnotation``
    checks the label ids against the last two.

    Args:
        data_root: Root joined with relative ``data_prefix`` paths and ``ann_file``.
        data_prefix: ``img_path`` and ``seg_map_path`` folders of one split; None means
            ``dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')``.
        img_suffix: File-name ending of images.
        seg_map_suffix: File-name ending of label maps (train ids, 255 = ignore).
        ignore_index: Label value excluded from loss and metrics.
        pipeline: Transforms applied to each data info.
        test_mode: Fail instead of re-sampling when the pipeline returns None.
        ann_file: Optional split list; empty means "every image in the folder".
        **kwargs: Other ``mmengine.dataset.BaseDataset`` arguments (``indices``,
            ``serialize_data``, ``lazy_init``, ``max_refetch``, ``metainfo``).

    Raises:
        FileNotFoundError: When the image folder, the split list, an image named by the
            split list or a label map is missing, or when no image is found.
        ValueError: When ``data_prefix`` lacks a folder or the split list has no entry.
    """

    METAINFO = dict(classes=TRAIN_CLASSES, palette=list(TRAIN_PALETTE))

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 img_suffix: str = '_leftImg8bit.png',
                 seg_map_suffix: str = '_gtFine_labelTrainIds.png',
                 ignore_index: int = 255,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 ann_file: str = '',
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')
        missing_keys = {'img_path', 'seg_map_path'} - set(data_prefix)
        if missing_keys:
            raise ValueError(f'CityscapesDataset: data_prefix {data_prefix} lacks '
                           f'{sorted(missing_keys)}')
        self.img_suffix = img_suffix
        self.seg_map_suffix = seg_map_suffix
        self.ignore_index = ignore_index
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(data_prefix),
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Pair every image of the split with its label map; see the class docstring."""
        img_dir = self.data_prefix['img_path']
        seg_dir = self.data_prefix['seg_map_path']
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'Cityscapes image folder {img_dir} does not exist '
                                    f'(data_root={self.data_root!r}, data_prefix.img_path)')
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
                    num_classes=len(self._metainfo['classes'])))

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
                f'map: {_name_paths(missing_labels)}; {_CONVERTER_HINT}')
        return data_list

    def _list_images(self, img_dir: str) -> List[str]:
        """Sample names (relative path minus ``img_suffix``) of all images under ``img_dir``,
        following links only inside it (:func:`~micronet_dense.utils.file_listing.list_files`)."""
        return [name[:-len(self.img_suffix)] for name in list_files(img_dir, self.img_suffix)]

    @staticmethod
    def _read_split_list(ann_file: str) -> List[str]:
        """Non-blank lines of the split list ``ann_file``, in file order."""
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'Cityscapes split list {ann_file} does not exist')
        with open(ann_file, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
        if not names:
            raise ValueError(f'Cityscapes split list {ann_file} has no entry: the split would '
                             'be empty')
        return names
