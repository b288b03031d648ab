"""Properties of the segmentation transforms: image and label map stay aligned.

The image is drawn from the label map (each class has its own colour, over blocks of pixels),
so after random resizing, cropping, flipping and padding every pixel inside a block must still
show its class's colour; the label map itself may only hold the original ids and, where padded,
the ignore index.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from mmcv.transforms import RandomFlip, RandomResize

from micronet_dense.datasets.cityscapes_labels import TRAIN_PALETTE
from micronet_dense.datasets.transforms.segmentation import (PhotoMetricDistortion, SegPad,
                                                             SegRandomCrop)

PALETTE = np.array(TRAIN_PALETTE, dtype=np.uint8)  # 19 distinct colours
IGNORE_INDEX = 255
PAD_VALUE = 0
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def blocky_samples(draw):
    """Label map of square blocks of random class ids (some ignored), and its colour image."""
    block = draw(st.integers(6, 16))
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    ids = np.array(draw(st.lists(st.sampled_from(list(range(len(PALETTE))) + [IGNORE_INDEX]),
                                 min_size=rows * cols, max_size=rows * cols)), dtype=np.uint8)
    label = np.kron(ids.reshape(rows, cols), np.ones((block, block), dtype=np.uint8))
    # Cut the last block row/column short so that sizes are not multiples of the block.
    label = label[:label.shape[0] - draw(st.integers(0, block - 1)) or None,
                  :label.shape[1] - draw(st.integers(0, block - 1)) or None]
    return dict(img=colours(label), gt_seg_map=label, img_path='frame.png')


def colours(label: np.ndarray) -> np.ndarray:
    """(H, W, 3) image of the class colours; ignored pixels are white."""
    img = np.full(label.shape + (3, ), 255, dtype=np.uint8)
    labelled = label != IGNORE_INDEX
    img[labelled] = PALETTE[label[labelled]]
    return img


def uniform_neighbourhood(label: np.ndarray, radius: int) -> np.ndarray:
    """Where the (2r+1)^2 window around a pixel lies in the map and holds one value."""
    h, w = label.shape
    mask = np.zeros((h, w), dtype=bool)
    if h <= 2 * radius or w <= 2 * radius:
        return mask
    core = label[radius:h - radius, radius:w - radius]
    same = np.ones_like(core, dtype=bool)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            same &= label[radius + dy:h - radius + dy, radius + dx:w - radius + dx] == core
    mask[radius:h - radius, radius:w - radius] = same
    return mask


@PROPERTY_SETTINGS
@given(sample=blocky_samples(), seed=st.integers(0, 2**32 - 1),
       scale=st.tuples(st.integers(8, 96), st.integers(8, 96)), keep_ratio=st.booleans(),
       crop_size=st.tuples(st.integers(4, 64), st.integers(4, 64)),
       cat_max_ratio=st.sampled_from([0.75, 1.0]))
def test_resize_crop_flip_pad_keep_image_and_label_aligned(sample, seed, scale, keep_ratio,
                                                           crop_size, cat_max_ratio):
    np.random.seed(seed)
    original_ids = set(np.unique(sample['gt_seg_map']))
    results = RandomResize(scale=scale, ratio_range=(0.5, 2.0), keep_ratio=keep_ratio)(sample)
    # Output pixels per input pixel; a block edge moves by up to 1.5 input pixels between the
    # nearest-neighbour label and the bilinear image sampling.
    zoom = max(results['scale_factor'])
    for transform in (SegRandomCrop(crop_size=crop_size, cat_max_ratio=cat_max_ratio,
                                    ignore_index=IGNORE_INDEX),
                      RandomFlip(prob=0.5, direction='horizontal'),
                      SegPad(size=crop_size, pad_val=PAD_VALUE, seg_pad_val=IGNORE_INDEX)):
        results = transform(results)
    img, label = results['img'], results['gt_seg_map']
    assert img.dtype == np.uint8 and label.dtype == np.uint8
    assert img.shape == label.shape + (3, )
    assert label.shape[0] >= crop_size[0] and label.shape[1] >= crop_size[1]
    real_h, real_w = results['img_shape']
    assert (real_h, real_w) == (min(crop_size[0], real_h), min(crop_size[1], real_w))
    # The padding is padding in both.
    padded = np.ones(label.shape, dtype=bool)
    padded[:real_h, :real_w] = False
    assert (label[padded] == IGNORE_INDEX).all() and (img[padded] == PAD_VALUE).all()
    # Nearest-neighbour resizing invents no label id.
    assert set(np.unique(label[:real_h, :real_w])) <= original_ids
    # Inside a block the image shows the colour of the block's class.
    real_label = label[:real_h, :real_w]
    inside = uniform_neighbourhood(real_label, radius=int(np.ceil(1.5 * zoom)) + 1)
    expected = colours(real_label)
    difference = np.abs(img[:real_h, :real_w].astype(int) - expected.astype(int)).max(axis=-1)
    assert (difference[inside] <= 1).all()


@PROPERTY_SETTINGS
@given(sample=blocky_samples(), seed=st.integers(0, 2**32 - 1))
def test_photometric_distortion_leaves_the_label_map_alone(sample, seed):
    np.random.seed(seed)
    label = sample['gt_seg_map'].copy()
    results = PhotoMetricDistortion()(sample)
    np.testing.assert_array_equal(results['gt_seg_map'], label)
    assert results['img'].shape == label.shape + (3, ) and results['img'].dtype == np.uint8
