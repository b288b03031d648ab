"""Cityscapes semantic segmentation dataset (19 evaluation classes, fine annotations).

Expected layout under ``data_root`` (the official archives, plus label maps in
train ids produced by ``tools/dataset_converters/cityscapes.py``)::

    leftImg8bit/{train,val,test}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    gtFine/{train,val,test}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png
"""
from typing import Callable, Optional, Sequence, Union

from micronet_dense.datasets.cityscapes_labels import TRAIN_CLASSES, TRAIN_PALETTE
from micronet_dense.datasets.seg_dataset import BaseSegDataset
from micronet_dense.registry import DATASETS


@DATASETS.register_module()
class CityscapesDataset(BaseSegDataset):
    """Cityscapes images paired with their ``*_gtFine_labelTrainIds.png`` label maps: a
    :class:`BaseSegDataset` with Cityscapes' folders, suffixes, 19 classes and palette.

    Args:
        data_prefix: ``img_path`` and ``seg_map_path`` folders of one split; None means
            ``dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')``.
        img_suffix: File-name ending of images.
        seg_map_suffix: File-name ending of label maps (train ids, 255 = ignore).
        **kwargs: :class:`BaseSegDataset` arguments (``data_root``, ``ann_file``,
            ``pipeline``, ``test_mode``, ``ignore_index``, ...).
    """

    METAINFO = dict(classes=TRAIN_CLASSES, palette=list(TRAIN_PALETTE))
    MISSING_LABEL_HINT = ('label maps in train ids are produced from the official gtFine polygons '
                          'by `python tools/dataset_converters/cityscapes.py <cityscapes root>`')

    def __init__(self,
                 data_prefix: Optional[dict] = None,
                 img_suffix: str = '_leftImg8bit.png',
                 seg_map_suffix: str = '_gtFine_labelTrainIds.png',
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')
        super().__init__(data_prefix=data_prefix, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, pipeline=pipeline, **kwargs)
