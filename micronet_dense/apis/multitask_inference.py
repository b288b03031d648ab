"""Multi-task dense inference on one image: every task's prediction."""
from typing import Dict

import numpy as np
from torch import nn

from ._pipeline import ImageInput, base_results, predict, read_image, test_pipeline


def inference_multitask(model: nn.Module, image: ImageInput) -> Dict[str, np.ndarray]:
    """Every task's prediction at the image's resolution, by its data-sample field, with the
    model config's test pipeline and ``predict``: ``pred_sem_seg`` (H, W) uint8 class ids,
    ``pred_depth_map`` (H, W) float32 metres; a task predicting C > 1 channels gives (C, H, W).

    Args:
        model: a ``MultiTaskEstimator`` from :func:`init_model` (also a single-task depth model).
        image: an image path or a (H, W, 3) uint8 BGR array.
    """
    image, path = read_image(image)
    packed = test_pipeline(model.cfg)(base_results(image, path))
    sample = predict(model, [packed])[0]
    results = {}
    for task in model.tasks.values():
        data = sample.get(task.pred_field).data.numpy()
        data = data[0] if data.shape[0] == 1 else data
        # Class ids as uint8, as inference_segmentor gives them.
        results[task.pred_field] = data.astype(np.uint8) if data.dtype.kind in 'iu' else data
    return results
