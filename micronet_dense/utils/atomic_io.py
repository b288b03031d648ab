"""Atomic file output: write to a temporary name next to the target, then rename, so a crash or a
kill never leaves a truncated result that a later run would read."""
import contextlib
import json
import os
import os.path as osp
import uuid
from typing import Any, Iterator

import cv2
import numpy as np


@contextlib.contextmanager
def atomic_output_path(path: str) -> Iterator[str]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` once written.

    The caller creates the temporary file; its name keeps the extension of ``path`` because
    image writers pick the format from it. On error it is removed and ``path`` is untouched.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # A fresh unique name rather than mkstemp, whose 0600 mode would stay on the result.
    tmp_path = osp.join(folder, f'.{osp.basename(path)}.{uuid.uuid4().hex}{osp.splitext(path)[1]}')
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_output_path(path) as tmp_path:
        with open(tmp_path, 'wb') as f:
            f.write(data)


def write_json_atomic(path: str, obj: Any, **dump_kwargs) -> None:
    """Write ``obj`` as JSON to ``path`` atomically."""
    with atomic_output_path(path) as tmp_path:
        with open(tmp_path, 'w') as f:
            # json.dumps encodes in C; json.dump streams through the pure-Python encoder,
            # several times slower on large result files (COCO keypoint results).
            f.write(json.dumps(obj, **dump_kwargs))


def write_image_atomic(path: str, image: np.ndarray) -> None:
    """Encode ``image`` ((H, W, 3) BGR or (H, W), uint8, or uint16 for PNG) in the format of
    ``path``'s extension and write it atomically."""
    ok, encoded = cv2.imencode(osp.splitext(path)[1] or '.png', image)
    if not ok:
        raise ValueError(f'OpenCV cannot encode an image of shape {image.shape} as {path}')
    write_bytes_atomic(path, encoded.tobytes())
