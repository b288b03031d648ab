"""Semantic segmentation inference on one image."""
import numpy as np
from torch import nn

from ._pipeline import ImageInput, base_results, predict, read_image, test_pipeline


def inference_segmentor(model: nn.Module, image: ImageInput) -> np.ndarray:
    """(H, W) uint8 class-id map (Cityscapes: train ids 0..18) at the image's resolution, with the
    model config's test pipeline and ``predict`` (``model.test_cfg``: whole or slide).

    Args:
        model: an ``EncoderDecoder`` from :func:`init_model`.
        image: an image path or a (H, W, 3) uint8 BGR array.
    """
    image, path = read_image(image)
    packed = test_pipeline(model.cfg)(base_results(image, path))
    sample = predict(model, [packed])[0]
    return sample.pred_sem_seg.data.reshape(image.shape[:2]).numpy().astype(np.uint8)
