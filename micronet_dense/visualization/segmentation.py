"""Drawing of semantic segmentation: palette overlays with a legend of the classes present."""
from typing import Sequence, Tuple

import cv2
import numpy as np

_LEGEND_BACKGROUND = 0.35  # the legend box keeps this share of the image under it


def _bgr_palette(palette: Sequence[Sequence[int]]) -> np.ndarray:
    """(C, 3) uint8 BGR from a list of RGB colours (the dataset metainfo's ``palette``)."""
    return np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[:, ::-1]


def _present_classes(label_map: np.ndarray, num_classes: int, ignore_index: int) -> np.ndarray:
    labels = np.unique(label_map)
    labels = labels[labels != ignore_index]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'label map holds ids {labels.tolist()}, outside the palette of '
                         f'{num_classes} classes (ignore index {ignore_index})')
    return labels


def draw_segmentation(image: np.ndarray, label_map: np.ndarray, classes: Sequence[str],
                      palette: Sequence[Sequence[int]], alpha: float = 0.5,
                      ignore_index: int = 255, legend: bool = True) -> np.ndarray:
    """Blend each labelled pixel with its class colour and draw a legend of the classes present.

    ``out = (1 - alpha) * image + alpha * colour`` where ``label_map != ignore_index``; ignored
    pixels keep the image. The legend sits in the top-left corner: one swatch in the exact palette
    colour and the class name per class present, in train-id order.

    Args:
        image: (H, W, 3) uint8 BGR.
        label_map: (H, W) integer class ids (train ids for Cityscapes).
        classes, palette: the dataset metainfo's class names and RGB colours.

    Returns:
        (H, W, 3) uint8 BGR.
    """
    label_map = np.asarray(label_map)
    if label_map.shape != image.shape[:2]:
        raise ValueError(f'label map of shape {label_map.shape} does not match the image of '
                         f'shape {image.shape[:2]}')
    colours = _bgr_palette(palette)
    present = _present_classes(label_map, len(colours), ignore_index)
    labelled = label_map != ignore_index
    overlay = image.astype(np.float32)
    colour_map = colours[np.where(labelled, label_map, 0)].astype(np.float32)
    overlay[labelled] = (1 - alpha) * overlay[labelled] + alpha * colour_map[labelled]
    canvas = np.round(overlay).astype(np.uint8)
    if legend and present.size:
        draw_legend(canvas, [classes[c] for c in present], colours[present])
    return canvas


def _legend_layout(image_shape: Tuple[int, int], num_rows: int) -> Tuple[int, int, float]:
    """Row height, rows per column and font scale for ``num_rows`` entries."""
    row = max(12, image_shape[0] // 24)
    per_column = max(1, (image_shape[0] - 4) // row)
    return row, min(num_rows, per_column), row / 34


def draw_legend(canvas: np.ndarray, names: Sequence[str], colours: np.ndarray) -> None:
    """Draw swatches (exact ``colours``, BGR) and ``names`` in a darkened top-left box, in place;
    entries that do not fit in one column continue in the next."""
    row, per_column, font_scale = _legend_layout(canvas.shape[:2], len(names))
    swatch = row - 4
    text_width = max(cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)[0][0]
                     for name in names)
    column = swatch + text_width + 10
    num_columns = -(-len(names) // per_column)
    box_h = min(canvas.shape[0], per_column * row + 4)
    box_w = min(canvas.shape[1], num_columns * column + 4)
    canvas[:box_h, :box_w] = np.round(canvas[:box_h, :box_w] * _LEGEND_BACKGROUND).astype(np.uint8)
    for i, (name, colour) in enumerate(zip(names, colours)):
        x = 4 + (i // per_column) * column
        y = 4 + (i % per_column) * row
        canvas[y:y + swatch, x:x + swatch] = colour
        cv2.putText(canvas, name, (x + swatch + 4, y + swatch - 1), cv2.FONT_HERSHEY_SIMPLEX,
                    font_scale, (255, 255, 255), 1, cv2.LINE_AA)
