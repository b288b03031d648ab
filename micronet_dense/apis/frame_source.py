"""Frames to run inference on: one image (path or array), a folder of images, or a video file."""
import os
import os.path as osp
from typing import Iterator, List, NamedTuple, Union

import cv2
import numpy as np

from ._pipeline import read_image

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')


class Frame(NamedTuple):
    """One image of a source; ``name`` is the file name (``frame_000042`` in a video)."""

    image: np.ndarray  # (H, W, 3) uint8 BGR
    name: str
    index: int  # position in the source, from 0


class FrameSource:
    """Iterates the frames of ``source`` in order: an image path or (H, W, 3) BGR array, a folder
    (its images sorted by name, not recursive) or a video (read with ``cv2.VideoCapture``).

    ``len()`` is the number of frames (the container's count for a video), ``fps`` the video's
    frame rate (None otherwise).
    """

    def __init__(self, source: Union[str, os.PathLike, np.ndarray]) -> None:
        self.source = source
        self.fps = None
        self.kind = 'array' if isinstance(source, np.ndarray) else self._file_kind(source)
        self._paths: List[str] = []
        self._length = 1
        if self.kind == 'folder':
            self._paths = sorted(osp.join(source, f) for f in os.listdir(source)
                                 if f.lower().endswith(IMAGE_EXTENSIONS))
            if not self._paths:
                raise FileNotFoundError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in {source}')
            self._length = len(self._paths)
        elif self.kind == 'video':
            capture = self._open_video()
            self.fps = capture.get(cv2.CAP_PROP_FPS) or None
            self._length = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            capture.release()

    @staticmethod
    def _file_kind(source) -> str:
        path = os.fspath(source)
        if osp.isdir(path):
            return 'folder'
        if not osp.isfile(path):
            raise FileNotFoundError(f'input not found: {path}')
        if path.lower().endswith(VIDEO_EXTENSIONS):
            return 'video'
        if path.lower().endswith(IMAGE_EXTENSIONS):
            return 'image'
        raise ValueError(f'{path}: unknown input type; expected an image '
                         f'({", ".join(IMAGE_EXTENSIONS)}), a video '
                         f'({", ".join(VIDEO_EXTENSIONS)}) or a folder of images')

    def _open_video(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(os.fspath(self.source))
        if not capture.isOpened():
            raise ValueError(f'OpenCV cannot open the video {self.source}')
        return capture

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Frame]:
        if self.kind == 'array':
            yield Frame(read_image(self.source)[0], 'image', 0)
        elif self.kind == 'image':
            yield Frame(read_image(self.source)[0], osp.basename(self.source), 0)
        elif self.kind == 'folder':
            for index, path in enumerate(self._paths):
                yield Frame(read_image(path)[0], osp.basename(path), index)
        else:
            capture = self._open_video()
            try:
                index = 0
                while True:
                    ok, image = capture.read()
                    if not ok:
                        break
                    yield Frame(image, f'frame_{index:06d}', index)
                    index += 1
            finally:
                capture.release()
