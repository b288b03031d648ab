import cv2
import numpy as np
import pytest

from micronet_dense.datasets.transforms.loading import LoadImage, LoadSegAnnotation
from micronet_dense.registry import TRANSFORMS


def smooth_image(h: int = 48, w: int = 64) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    return np.dstack([xs * 3, ys * 4, (xs + ys) * 2]).astype(np.uint8)


def write_jpeg(path, img=None) -> bytes:
    ok, encoded = cv2.imencode('.jpg', smooth_image() if img is None else img)
    assert ok
    path.write_bytes(encoded.tobytes())
    return encoded.tobytes()


def test_registered():
    assert TRANSFORMS.get('LoadImage') is LoadImage
    assert TRANSFORMS.get('LoadSegAnnotation') is LoadSegAnnotation


def test_load_png_exactly(tmp_path):
    img = smooth_image()
    cv2.imwrite(str(tmp_path / 'a.png'), img)
    results = LoadImage()(dict(img_path=str(tmp_path / 'a.png')))
    np.testing.assert_array_equal(results['img'], img)
    assert results['img'].dtype == np.uint8
    assert results['img_shape'] == results['ori_shape'] == (48, 64)


def test_load_jpeg_like_imread(tmp_path):
    path = tmp_path / 'a.jpg'
    write_jpeg(path)
    results = LoadImage()(dict(img_path=path))
    np.testing.assert_array_equal(results['img'], cv2.imread(str(path), cv2.IMREAD_COLOR))


def test_grey_image_is_loaded_as_three_channels(tmp_path):
    cv2.imwrite(str(tmp_path / 'g.png'), smooth_image()[..., 0])
    assert LoadImage()(dict(img_path=str(tmp_path / 'g.png')))['img'].shape == (48, 64, 3)


def test_missing_image_names_the_path(tmp_path):
    path = str(tmp_path / 'missing.jpg')
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        LoadImage()(dict(img_path=path))


@pytest.mark.parametrize('content', [b'', b'this is not an image at all', b'\x89PNG\r\n\x1a\n'])
def test_corrupt_image_names_the_path(tmp_path, content):
    path = tmp_path / 'corrupt.png'
    path.write_bytes(content)
    with pytest.raises(ValueError, match='corrupt.png'):
        LoadImage()(dict(img_path=str(path)))


@pytest.mark.parametrize('keep', [0.5, 0.9, -2])
def test_truncated_jpeg_names_the_path(tmp_path, keep):
    data = write_jpeg(tmp_path / 'full.jpg')
    path = tmp_path / 'cut.jpg'
    path.write_bytes(data[:int(len(data) * keep)] if keep > 0 else data[:keep])
    # Detected from the markers, not left to the decoder: OpenCV 4 returns a
    # grey-padded image for a truncated JPEG where OpenCV 5 returns None.
    with pytest.raises(ValueError, match='cut.jpg is a truncated JPEG'):
        LoadImage()(dict(img_path=str(path)))


def test_jpeg_with_trailing_bytes_after_the_end_marker_loads(tmp_path):
    data = write_jpeg(tmp_path / 'full.jpg')
    path = tmp_path / 'padded.jpg'
    path.write_bytes(data + b'\x00' * 16)
    assert LoadImage()(dict(img_path=str(path)))['img'].shape == (48, 64, 3)


@pytest.mark.parametrize('keep', [0.5, 0.9, -20])
def test_truncated_png_names_the_path(tmp_path, keep):
    ok, encoded = cv2.imencode('.png', smooth_image())
    data = encoded.tobytes()
    path = tmp_path / 'cut.png'
    path.write_bytes(data[:int(len(data) * keep)] if keep > 0 else data[:keep])
    # libpng reports the missing data and imdecode returns None, so no marker check is needed.
    with pytest.raises(ValueError, match='cut.png cannot be decoded'):
        LoadImage()(dict(img_path=str(path)))


def test_load_seg_annotation(tmp_path):
    labels = (np.arange(48 * 64) % 19).astype(np.uint8).reshape(48, 64)
    labels[0, 0] = 255
    cv2.imwrite(str(tmp_path / 'l.png'), labels)
    results = LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'l.png'),
                                       img=np.zeros((48, 64, 3), np.uint8)))
    np.testing.assert_array_equal(results['gt_seg_map'], labels)
    assert results['gt_seg_map'].dtype == np.uint8


@pytest.mark.parametrize('label_img, message', [
    (np.zeros((48, 64, 3), np.uint8), 'single-channel'),
    (np.zeros((48, 64), np.uint16), 'uint8'),
    (np.zeros((40, 64), np.uint8), r'\(40, 64\)'),
])
def test_bad_seg_annotation_names_the_file(tmp_path, label_img, message):
    cv2.imwrite(str(tmp_path / 'bad_label.png'), label_img)
    with pytest.raises(ValueError, match=message) as error:
        LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'bad_label.png'),
                                 img=np.zeros((48, 64, 3), np.uint8), img_path='frame.png'))
    assert 'bad_label.png' in str(error.value)
    if label_img.shape == (40, 64):  # a size mismatch names both files and both sizes
        assert 'frame.png has (48, 64)' in str(error.value)


def write_labels(path, values, shape=(4, 8)):
    labels = np.resize(np.array(values, np.uint8), shape)
    cv2.imwrite(str(path), labels)
    return labels


def test_label_ids_are_checked_against_the_classes(tmp_path):
    labels = write_labels(tmp_path / 'ok.png', list(range(19)) + [255])
    results = LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'ok.png'), num_classes=19,
                                       ignore_index=255))
    np.testing.assert_array_equal(results['gt_seg_map'], labels)
    # Without num_classes (no dataset to say it) the map is taken as it is.
    write_labels(tmp_path / 'ids.png', [0, 7, 26, 33, 255])
    loaded = LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'ids.png')))
    assert loaded['gt_seg_map'].max() == 255


@pytest.mark.parametrize('values, ignore_index, unknown', [
    ([0, 7, 26, 33, 255], 255, '[26, 33]'),  # a *_labelIds.png map
    ([0, 18, 19], 255, '[19]'),
    ([0, 1, 255], 19, '[255]'),  # 255 is a class id like any other when ignore_index is 19
])
def test_unknown_label_ids_name_the_file_and_the_values(tmp_path, values, ignore_index, unknown):
    write_labels(tmp_path / 'x_gtFine_labelTrainIds.png', values)
    with pytest.raises(ValueError) as error:
        LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'x_gtFine_labelTrainIds.png'),
                                 num_classes=19, ignore_index=ignore_index))
    assert (f'x_gtFine_labelTrainIds.png holds label ids {unknown}, outside the 19 classes '
            f'[0, 19) and the ignore index {ignore_index}') in str(error.value)


def test_missing_or_corrupt_seg_annotation(tmp_path):
    with pytest.raises(FileNotFoundError, match='nolabel.png'):
        LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'nolabel.png')))
    (tmp_path / 'junk.png').write_bytes(b'junk')
    with pytest.raises(ValueError, match='junk.png'):
        LoadSegAnnotation()(dict(seg_map_path=str(tmp_path / 'junk.png')))


def exif_orientation_segment(orientation: int) -> bytes:
    """A JPEG APP1 segment whose EXIF IFD0 holds only the Orientation tag (0x0112)."""
    tiff = (b'II*\x00' + (8).to_bytes(4, 'little') + (1).to_bytes(2, 'little')
            + (0x0112).to_bytes(2, 'little') + (3).to_bytes(2, 'little')  # SHORT
            + (1).to_bytes(4, 'little') + orientation.to_bytes(2, 'little') + b'\x00\x00'
            + (0).to_bytes(4, 'little'))
    payload = b'Exif\x00\x00' + tiff
    return b'\xff\xe1' + (len(payload) + 2).to_bytes(2, 'big') + payload


def test_exif_rotated_jpeg_is_decoded_in_stored_orientation(tmp_path):
    stored = write_jpeg(tmp_path / 'plain.jpg')  # 64 wide, 48 high
    data = stored[:2] + exif_orientation_segment(6) + stored[2:]  # 6: turn 90° clockwise to view
    path = tmp_path / 'rotated.jpg'
    path.write_bytes(data)
    # What OpenCV 5's IMREAD_COLOR does with the tag: the annotations' pixels move.
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == (64, 48, 3)
    results = LoadImage()(dict(img_path=str(path), ori_shape=(48, 64)))
    np.testing.assert_array_equal(results['img'],
                                  cv2.imread(str(tmp_path / 'plain.jpg'), cv2.IMREAD_COLOR))
    assert results['ori_shape'] == (48, 64)


@pytest.mark.parametrize('suffix', ['.png', '.jpg', '.bmp'])
def test_size_other_than_annotated_names_file_and_both_sizes(tmp_path, suffix):
    path = tmp_path / f'img{suffix}'
    cv2.imwrite(str(path), smooth_image())  # 64 x 48
    with pytest.raises(ValueError, match=rf'image .*img\{suffix} is 64x48 \(width x height, '
                                         rf'.*\) but its annotation lists 32x24'):
        LoadImage()(dict(img_path=str(path), ori_shape=(24, 32)))


def test_huge_image_listed_small_is_refused_before_decoding(tmp_path, monkeypatch):
    data = bytearray(write_jpeg(tmp_path / 'small.jpg'))
    frame = next(i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] == 0xC0)
    data[frame + 5:frame + 9] = (20000).to_bytes(2, 'big') * 2  # header: 20000 x 20000
    path = tmp_path / 'huge.jpg'
    path.write_bytes(bytes(data))

    def no_decoding(*args, **kwargs):
        raise AssertionError('the image was decoded')

    monkeypatch.setattr('mmcv.imfrombytes', no_decoding)
    with pytest.raises(ValueError, match=r'huge\.jpg is 20000x20000 \(width x height, its header; '
                                         r'not decoded\) but its annotation lists 320x240'):
        LoadImage()(dict(img_path=str(path), ori_shape=(240, 320)))


def test_is_mmcv_load_image_from_file():
    from mmcv.transforms import LoadImageFromFile
    assert issubclass(LoadImage, LoadImageFromFile)
    assert LoadImage().color_type == 'color_ignore_orientation'
