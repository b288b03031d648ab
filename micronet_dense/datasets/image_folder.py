"""ImageFolder-style classification dataset (``root/<class name>/<image>``), for ImageNet pretraining."""
import os.path as osp
from pathlib import Path
from typing import List

from mmengine.dataset import BaseDataset

from micronet_dense.datasets.augmentation_seeds import SeededAugmentationMixin
from micronet_dense.registry import DATASETS

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


@DATASETS.register_module()
class ImageFolderDataset(SeededAugmentationMixin, BaseDataset):
    """Classes are the sorted sub-folder names of ``data_root/data_prefix['img_path']``.

    data_info: ``img_path`` (str), ``gt_label`` (int).
    """

    def __init__(self, data_root: str = '', data_prefix: dict = dict(img_path=''), **kwargs) -> None:
        super().__init__(data_root=data_root, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = Path(self.data_prefix['img_path'])
        if not root.is_dir():
            raise FileNotFoundError(f'image folder {root} does not exist')
        classes = sorted(p.name for p in root.iterdir() if p.is_dir())
        if not classes:
            raise ValueError(f'{root} has no class sub-folders (expected {root}/<class>/<image>)')
        self._metainfo['classes'] = tuple(classes)
        data_list = [dict(img_path=osp.join(str(root), name, f.name), gt_label=label)
                     for label, name in enumerate(classes)
                     for f in sorted((root / name).iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
        if not data_list:
            raise ValueError(f'no images ({", ".join(IMAGE_SUFFIXES)}) found under {root}')
        return data_list
