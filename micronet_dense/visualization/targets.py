"""Drawing of a transformed training sample with its targets (``tools/misc/browse_dataset.py``)."""
import numpy as np

from .pose import draw_heatmaps, draw_pose
from .segmentation import draw_segmentation


def draw_transformed_sample(results: dict, dataset_meta: dict) -> np.ndarray:
    """The pipeline's image with its targets, from the results before the final ``Pack*``.

    Segmentation (``gt_seg_map``): the label map as a palette overlay with a legend. Top-down
    pose (``transformed_keypoints``): the crop with the summed heatmap target overlaid (when the
    pipeline makes one) and the labelled keypoints and skeleton in green (visibility as score).
    Otherwise the image alone.

    Returns:
        (H, W, 3) uint8 BGR.
    """
    image = results['img']
    if 'gt_seg_map' in results:
        return draw_segmentation(image, results['gt_seg_map'], dataset_meta['classes'],
                                 dataset_meta['palette'])
    if 'transformed_keypoints' in results:
        if 'heatmaps' in results:
            image = draw_heatmaps(image, results['heatmaps'])
        visible = (np.asarray(results['keypoints_visible']) > 0).astype(np.float32)
        return draw_pose(image, results['transformed_keypoints'], visible,
                         dataset_meta['skeleton'], kpt_thr=0.5)
    return image.copy()
