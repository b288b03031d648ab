"""A vis backend that writes each image it is given to a folder (``tools/test.py --show-dir``)."""
import os
import os.path as osp

import numpy as np
from mmengine.visualization.vis_backend import BaseVisBackend, force_init_env

from micronet_dense.registry import VISBACKENDS
from micronet_dense.utils.atomic_io import write_image_atomic


@VISBACKENDS.register_module()
class ImageFolderVisBackend(BaseVisBackend):
    """Writes every image the visualizer adds to ``save_dir/<name>.png``, atomically; scalars and
    configs are left to the other backends.

    Unlike ``LocalVisBackend`` (``vis_image/<name>_<step>.png``) a name is one file: test images
    keep their own names.
    """

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)

    @property
    def experiment(self) -> 'ImageFolderVisBackend':
        return self

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        """``image``: (H, W, 3) uint8 RGB, as mmengine's visualizer hands it to its backends."""
        write_image_atomic(osp.join(self._save_dir, f'{name}.png'),
                           np.ascontiguousarray(image[..., ::-1]))
