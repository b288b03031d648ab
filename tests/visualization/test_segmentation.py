"""Segmentation overlay and legend against hand-computed colours."""
import numpy as np
import pytest

from micronet_dense.datasets.cityscapes_labels import TRAIN_CLASSES, TRAIN_PALETTE
from micronet_dense.visualization import draw_segmentation

# Official Cityscapes colours (RGB) of road, car and bicycle, from the cityscapesscripts table.
ROAD, CAR, BICYCLE = (128, 64, 128), (0, 0, 142), (119, 11, 32)


def bgr(rgb):
    return np.array(rgb[::-1])


def scene():
    image = np.full((240, 320, 3), 100, dtype=np.uint8)
    labels = np.full((240, 320), 255, dtype=np.uint8)
    labels[160:, :] = 0  # road
    labels[100:160, 200:] = 13  # car
    return image, labels


def count_colour(image, colour):
    return int((image == bgr(colour)).all(axis=-1).sum())


def test_overlay_blends_labelled_pixels_and_keeps_ignored_ones():
    image, labels = scene()
    out = draw_segmentation(image, labels, TRAIN_CLASSES, TRAIN_PALETTE, alpha=0.5)
    assert out.shape == image.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[200, 300], np.round(0.5 * 100 + 0.5 * bgr(ROAD)))
    np.testing.assert_array_equal(out[130, 300], np.round(0.5 * 100 + 0.5 * bgr(CAR)))
    np.testing.assert_array_equal(out[50, 300], [100, 100, 100])


def test_legend_shows_exactly_the_classes_present():
    image, labels = scene()
    out = draw_segmentation(image, labels, TRAIN_CLASSES, TRAIN_PALETTE)
    # Swatches are drawn in the exact palette colour, which the 50 % overlay never produces.
    assert count_colour(out, ROAD) >= 25 and count_colour(out, CAR) >= 25
    assert count_colour(out, BICYCLE) == 0
    plain = draw_segmentation(image, labels, TRAIN_CLASSES, TRAIN_PALETTE, legend=False)
    assert count_colour(plain, ROAD) == 0
    changed = (out != plain).any(axis=-1)
    rows, cols = np.nonzero(changed)
    assert rows.max() < 120 and cols.max() < 160  # the legend stays in the top-left corner


def test_bad_label_maps_are_rejected():
    image, labels = scene()
    with pytest.raises(ValueError, match='outside the palette'):
        draw_segmentation(image, np.where(labels == 13, 19, labels), TRAIN_CLASSES, TRAIN_PALETTE)
    with pytest.raises(ValueError, match='does not match'):
        draw_segmentation(image, labels[:100], TRAIN_CLASSES, TRAIN_PALETTE)
