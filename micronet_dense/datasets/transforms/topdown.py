"""Top-down pose transforms (mmpose 1.x / HRNet semantics) and ``PackPoseInputs``.

Per-instance arrays keep a leading instance axis ``N`` (``N == 1`` top-down):
``bbox`` (N, 4) xyxy, ``bbox_center``/``bbox_scale`` (N, 2) in pixels,
``keypoints`` (N, K, 2), ``keypoints_visible`` (N, K).

Albumentations is not used: the crop is one similarity transform that must map
image, keypoints and (at test time, inverted) predictions identically, and its
parameters (``input_center``, ``input_scale``) are what decoding needs; a
generic augmentation library would hide that matrix.
"""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmengine.structures import BaseDataElement

from micronet_dense.registry import KEYPOINT_CODECS, TRANSFORMS


def get_warp_matrix(center: Sequence[float],
                    scale: Sequence[float],
                    rot: float,
                    output_size: Tuple[int, int],
                    inv: bool = False) -> np.ndarray:
    """Affine matrix that crops a (rotated) box into an output of ``output_size``.

    The box centre goes to the output centre ``(w / 2, h / 2)``, the box width
    ``scale[0]`` spans the output width, and the content is rotated by ``rot``
    degrees counter-clockwise on screen (image y axis points down). As in HRNet
    only the width sets the zoom: ``scale`` is expected to have the output's
    aspect ratio already.

    Args:
        center: Box centre (x, y) in image pixels.
        scale: Box size (w, h) in image pixels.
        rot: Rotation in degrees.
        output_size: Output size (w, h).
        inv: Return the output-to-image matrix instead.

    Returns:
        (2, 3) float64 matrix for ``cv2.warpAffine`` / ``p' = M[:, :2] @ p + M[:, 2]``.
    """
    center = np.asarray(center, dtype=np.float64).reshape(2)
    box_width = float(np.asarray(scale, dtype=np.float64).reshape(-1)[0])
    out_w, out_h = output_size
    zoom = out_w / box_width
    cos, sin = np.cos(np.deg2rad(rot)), np.sin(np.deg2rad(rot))
    rotation = np.array([[cos, sin], [-sin, cos]])
    out_center = np.array([out_w * 0.5, out_h * 0.5])
    if inv:
        linear = rotation.T / zoom
        return np.hstack([linear, (center - linear @ out_center)[:, None]])
    linear = zoom * rotation
    return np.hstack([linear, (out_center - linear @ center)[:, None]])


def _fix_aspect_ratio(bbox_scale: np.ndarray, aspect_ratio: float) -> np.ndarray:
    """Enlarge (N, 2) box sizes (w, h) to ``w / h == aspect_ratio``."""
    w, h = bbox_scale[:, :1], bbox_scale[:, 1:]
    return np.where(w > h * aspect_ratio,
                    np.hstack([w, w / aspect_ratio]),
                    np.hstack([h * aspect_ratio, h])).astype(np.float32)


@TRANSFORMS.register_module()
class GetBBoxCenterScale(BaseTransform):
    """Convert xyxy boxes into centres and padded sizes.

    Required Keys:

    - bbox

    Added Keys:

    - bbox_center (N, 2) float32
    - bbox_scale (N, 2) float32, ``(w, h) * padding``

    Args:
        padding: Context factor applied to the box size.
    """

    def __init__(self, padding: float = 1.25) -> None:
        super().__init__()
        self.padding = padding

    def transform(self, results: Dict) -> Dict:
        bbox = np.asarray(results['bbox'], dtype=np.float32)
        results['bbox_center'] = (bbox[:, :2] + bbox[:, 2:]) * 0.5
        results['bbox_scale'] = (bbox[:, 2:] - bbox[:, :2]) * np.float32(self.padding)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(padding={self.padding})'


@TRANSFORMS.register_module()
class TopdownRandomFlip(BaseTransform):
    """Randomly mirror the image, box and keypoints horizontally.

    Pixel centres are integers, so x maps to ``w - 1 - x`` (HRNet); left and
    right keypoints swap through ``flip_indices``.

    Required Keys:

    - img
    - bbox_center
    - bbox (optional)
    - keypoints (optional)
    - keypoints_visible (optional)
    - flip_indices (when keypoints are present)

    Modified Keys:

    - img
    - bbox_center
    - bbox
    - keypoints
    - keypoints_visible

    Added Keys:

    - flip (bool)

    Args:
        prob: Flip probability.
    """

    def __init__(self, prob: float = 0.5) -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'TopdownRandomFlip: prob must be in [0, 1], got {prob}')
        self.prob = prob

    @cache_randomness
    def _should_flip(self) -> bool:
        return bool(np.random.rand() < self.prob)

    def transform(self, results: Dict) -> Dict:
        results['flip'] = self._should_flip()
        if not results['flip']:
            return results
        last_x = results['img'].shape[1] - 1
        results['img'] = cv2.flip(results['img'], 1)
        center = results['bbox_center'].copy()
        center[:, 0] = last_x - center[:, 0]
        results['bbox_center'] = center
        if 'bbox' in results:
            bbox = results['bbox'].copy()
            bbox[:, [0, 2]] = last_x - results['bbox'][:, [2, 0]]
            results['bbox'] = bbox
        if 'keypoints' in results:
            flip_indices = list(results['flip_indices'])
            keypoints = results['keypoints'][:, flip_indices].copy()
            keypoints[..., 0] = last_x - keypoints[..., 0]
            results['keypoints'] = keypoints
            results['keypoints_visible'] = results['keypoints_visible'][:, flip_indices].copy()
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class TopdownRandomHalfBody(BaseTransform):
    """Randomly replace the box by one around the upper or the lower body.

    Applied to an instance with at least ``min_total_keypoints`` labelled
    keypoints, with probability ``prob``. If one half has too few labelled
    keypoints the other half is used, otherwise the upper body is chosen with
    probability ``upper_prioritized_prob``. The new box is centred on the mean
    of the chosen labelled keypoints and spans their extent times ``padding``
    (the instance box is kept if they all coincide).

    Required Keys:

    - keypoints
    - keypoints_visible
    - upper_body_ids
    - lower_body_ids
    - bbox_center
    - bbox_scale

    Modified Keys:

    - bbox_center
    - bbox_scale

    Args:
        min_total_keypoints: Minimum labelled keypoints of the instance.
        min_upper_keypoints: Minimum labelled upper-body keypoints to use the upper body.
        min_lower_keypoints: Minimum labelled lower-body keypoints to use the lower body.
        padding: Factor applied to the keypoints' extent.
        prob: Probability of applying the transform to an eligible instance.
        upper_prioritized_prob: Probability of the upper body when both halves qualify.
    """

    def __init__(self,
                 min_total_keypoints: int = 9,
                 min_upper_keypoints: int = 2,
                 min_lower_keypoints: int = 3,
                 padding: float = 1.5,
                 prob: float = 0.3,
                 upper_prioritized_prob: float = 0.7) -> None:
        super().__init__()
        self.min_total_keypoints = min_total_keypoints
        self.min_upper_keypoints = min_upper_keypoints
        self.min_lower_keypoints = min_lower_keypoints
        self.padding = padding
        self.prob = prob
        self.upper_prioritized_prob = upper_prioritized_prob

    @cache_randomness
    def _select_half_bodies(self, keypoints_visible: np.ndarray,
                            upper_body_ids: Sequence[int],
                            lower_body_ids: Sequence[int]) -> list:
        """Per instance, the labelled keypoint ids of the chosen half, or None."""
        selections = []
        for visible in keypoints_visible > 0:
            apply = visible.sum() >= self.min_total_keypoints and np.random.rand() < self.prob
            prefer_upper = np.random.rand() < self.upper_prioritized_prob
            upper = [i for i in upper_body_ids if visible[i]]
            lower = [i for i in lower_body_ids if visible[i]]
            upper_ok = len(upper) >= self.min_upper_keypoints
            lower_ok = len(lower) >= self.min_lower_keypoints
            if not apply or not (upper_ok or lower_ok):
                selections.append(None)
            elif upper_ok and lower_ok:
                selections.append(upper if prefer_upper else lower)
            else:
                selections.append(upper if upper_ok else lower)
        return selections

    def transform(self, results: Dict) -> Dict:
        selections = self._select_half_bodies(results['keypoints_visible'],
                                              results['upper_body_ids'],
                                              results['lower_body_ids'])
        center = results['bbox_center'].copy()
        scale = results['bbox_scale'].copy()
        for n, ids in enumerate(selections):
            if ids is None:
                continue
            points = results['keypoints'][n, ids]
            extent = points.max(axis=0) - points.min(axis=0)
            if not extent.any():
                # Coinciding keypoints span no box; keep the instance box.
                continue
            center[n] = points.mean(axis=0)
            scale[n] = extent * self.padding
        results['bbox_center'] = center
        results['bbox_scale'] = scale
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_total_keypoints={self.min_total_keypoints}, '
                f'min_upper_keypoints={self.min_upper_keypoints}, '
                f'min_lower_keypoints={self.min_lower_keypoints}, padding={self.padding}, '
                f'prob={self.prob}, upper_prioritized_prob={self.upper_prioritized_prob})')


@TRANSFORMS.register_module()
class TopdownRandomBBoxTransform(BaseTransform):
    """Randomly shift, rescale and rotate the boxes (HRNet clipped-normal sampling).

    With ``z ~ N(0, 1)`` per quantity: shift ``clip(z, -1, 1) * shift_factor *
    bbox_scale``; scale ``clip(z, -1, 1) * (hi - lo) / 2 + (hi + lo) / 2`` for
    ``scale_factor = (lo, hi)`` (HRNet: ``clip(z * 0.35 + 1, 0.65, 1.35)``);
    rotation ``clip(z, -2, 2) * rotate_factor`` degrees. Each is applied with
    its own probability (otherwise shift 0, scale 1, rotation 0).

    Required Keys:

    - bbox_center
    - bbox_scale

    Modified Keys:

    - bbox_center
    - bbox_scale

    Added Keys:

    - bbox_rotation (N,) float32, degrees

    Args:
        shift_factor: Maximum shift as a fraction of the box size.
        shift_prob: Probability of shifting.
        scale_factor: ``(lo, hi)`` range of the scale multiplier.
        scale_prob: Probability of rescaling.
        rotate_factor: Standard deviation of the rotation in degrees.
        rotate_prob: Probability of rotating.
    """

    def __init__(self,
                 shift_factor: float = 0.0,
                 shift_prob: float = 0.0,
                 scale_factor: Tuple[float, float] = (0.65, 1.35),
                 scale_prob: float = 1.0,
                 rotate_factor: float = 45.0,
                 rotate_prob: float = 0.6) -> None:
        super().__init__()
        if not 0 < scale_factor[0] <= scale_factor[1]:
            raise ValueError(
                f'TopdownRandomBBoxTransform: scale_factor must be (lo, hi) with '
                f'0 < lo <= hi, got {scale_factor}')
        self.shift_factor = shift_factor
        self.shift_prob = shift_prob
        self.scale_factor = tuple(scale_factor)
        self.scale_prob = scale_prob
        self.rotate_factor = rotate_factor
        self.rotate_prob = rotate_prob

    @cache_randomness
    def _sample(self, num_boxes: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shift fractions (N, 2), scale multipliers (N, 1) and rotations (N,)."""
        z = np.random.randn(num_boxes, 4)
        shift = np.clip(z[:, :2], -1, 1) * self.shift_factor
        shift = np.where(np.random.rand(num_boxes, 1) < self.shift_prob, shift, 0.)
        lo, hi = self.scale_factor
        scale = np.clip(z[:, 2:3], -1, 1) * (hi - lo) / 2 + (hi + lo) / 2
        scale = np.where(np.random.rand(num_boxes, 1) < self.scale_prob, scale, 1.)
        rotation = np.clip(z[:, 3], -2, 2) * self.rotate_factor
        rotation = np.where(np.random.rand(num_boxes) < self.rotate_prob, rotation, 0.)
        return shift, scale, rotation

    def transform(self, results: Dict) -> Dict:
        bbox_scale = results['bbox_scale']
        shift, scale, rotation = self._sample(bbox_scale.shape[0])
        results['bbox_center'] = (results['bbox_center'] + shift * bbox_scale).astype(np.float32)
        results['bbox_scale'] = (bbox_scale * scale).astype(np.float32)
        results['bbox_rotation'] = rotation.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(shift_factor={self.shift_factor}, '
                f'shift_prob={self.shift_prob}, scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, rotate_factor={self.rotate_factor}, '
                f'rotate_prob={self.rotate_prob})')


@TRANSFORMS.register_module()
class TopdownAffine(BaseTransform):
    """Crop the (single) instance box into the network input by an affine warp.

    The box size is first enlarged to the input aspect ratio; the image is
    warped with ``get_warp_matrix`` (bilinear, zero border) and the keypoints
    are mapped with the same matrix into ``transformed_keypoints`` (keypoints
    that land outside the input are zero-weighted later by the codec). The
    image-space ``keypoints`` are kept for evaluation. Predictions map back
    with ``get_warp_matrix(input_center, input_scale, 0, input_size, inv=True)``.

    Required Keys:

    - img
    - bbox_center
    - bbox_scale
    - bbox_rotation (optional, degrees; default 0)
    - keypoints (optional)

    Modified Keys:

    - img
    - img_shape
    - bbox_scale (aspect ratio fixed)

    Added Keys:

    - input_size (w, h)
    - input_center (2,) float32
    - input_scale (2,) float32
    - transformed_keypoints (N, K, 2) float32 (when keypoints are present)

    Args:
        input_size: Network input size (w, h).
    """

    def __init__(self, input_size: Tuple[int, int] = (192, 256)) -> None:
        super().__init__()
        self.input_size = (int(input_size[0]), int(input_size[1]))

    def transform(self, results: Dict) -> Dict:
        if len(results['bbox_center']) != 1:
            raise ValueError(
                f'TopdownAffine: top-down samples hold one instance, got '
                f'{len(results["bbox_center"])} ({results.get("img_path")})')
        w, h = self.input_size
        bbox_scale = _fix_aspect_ratio(results['bbox_scale'], w / h)
        if not (np.isfinite(results['bbox_center']).all() and np.isfinite(bbox_scale).all()
                and (results['bbox_scale'] >= 0).all() and (bbox_scale > 0).all()):
            # One positive side defines the crop (the other follows the aspect ratio); a
            # point or a reversed box does not, and would warp with an infinite zoom.
            raise ValueError(
                f'TopdownAffine: box of centre {results["bbox_center"][0].tolist()} and size '
                f'{results["bbox_scale"][0].tolist()} has no area to crop '
                f'(id {results.get("id")}, {results.get("img_path")})')
        center = results['bbox_center'][0].astype(np.float32)
        rotation = float(results['bbox_rotation'][0]) if 'bbox_rotation' in results else 0.
        warp = get_warp_matrix(center, bbox_scale[0], rotation, (w, h))
        results['img'] = cv2.warpAffine(results['img'], warp, (w, h), flags=cv2.INTER_LINEAR)
        if 'keypoints' in results:
            keypoints = results['keypoints'] @ warp[:, :2].T + warp[:, 2]
            results['transformed_keypoints'] = keypoints.astype(np.float32)
        results['img_shape'] = (h, w)
        results['bbox_scale'] = bbox_scale
        results['input_size'] = (w, h)
        results['input_center'] = center
        results['input_scale'] = bbox_scale[0]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(input_size={self.input_size})'


@TRANSFORMS.register_module()
class GenerateHeatmapTarget(BaseTransform):
    """Encode the input-space keypoints into heatmap targets with a keypoint codec.

    Required Keys:

    - transformed_keypoints (N, K, 2)
    - keypoints_visible (N, K)
    - dataset_keypoint_weights (K,) (with ``use_dataset_keypoint_weights``: the keypoint set's
      ``joint_weights``, which the dataset adds to each sample)

    Added Keys:

    - heatmaps (K, h, w) float32
    - keypoint_weights (N, K) float32

    Args:
        encoder: Config of a ``KEYPOINT_CODECS`` codec; defaults to
            ``MSRAHeatmap`` 192x256 -> 48x64, sigma 2.
        use_dataset_keypoint_weights: Multiply the keypoint weights by the keypoint set's
            ``joint_weights`` (mmpose's option of the same name; off in the paper's recipe).
    """

    def __init__(self, encoder: Optional[dict] = None,
                 use_dataset_keypoint_weights: bool = False) -> None:
        super().__init__()
        self.encoder_cfg = encoder or dict(
            type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2.0)
        self.encoder = KEYPOINT_CODECS.build(self.encoder_cfg)
        self.use_dataset_keypoint_weights = use_dataset_keypoint_weights

    def transform(self, results: Dict) -> Dict:
        encoded = self.encoder.encode(results['transformed_keypoints'],
                                      results['keypoints_visible'])
        results['heatmaps'] = encoded['heatmaps']
        results['keypoint_weights'] = encoded['keypoint_weights']
        if self.use_dataset_keypoint_weights:
            results['keypoint_weights'] = results['keypoint_weights'] * np.asarray(
                results['dataset_keypoint_weights'], dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(encoder={self.encoder_cfg}, '
                f'use_dataset_keypoint_weights={self.use_dataset_keypoint_weights})')


def _first_instance_vector(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float32).reshape(-1)


# Per-instance arrays are stored (1, ...) in the pipeline; the sample holds one instance.
_META_CONVERTERS = {
    'bbox': _first_instance_vector,
    'input_center': _first_instance_vector,
    'input_scale': _first_instance_vector,
    'bbox_score': lambda value: float(np.asarray(value).reshape(())),
    'flip_indices': list,
}


@TRANSFORMS.register_module()
class PackPoseInputs(BaseTransform):
    """Pack a top-down sample into ``inputs`` and a ``BaseDataElement``.

    Required Keys:

    - img (H, W, 3) uint8 BGR
    - the ``meta_keys`` present in the results

    Optional Keys:

    - keypoints, keypoints_visible: packed as metainfo ``gt_keypoints`` (K, 2)
      float32 image pixels and ``gt_keypoints_visible`` (K,) float32
    - heatmaps, keypoint_weights: packed as data fields

    Added Keys (of the returned dict, which replaces the results):

    - inputs: torch.uint8 (3, H, W), BGR, contiguous
    - data_samples: ``BaseDataElement`` with metainfo ``meta_keys`` (``bbox``
      (4,) float32 xyxy, ``bbox_score`` float, ``input_center`` /
      ``input_scale`` (2,) float32, ``input_size`` (w, h), ...) and fields
      ``heatmaps`` torch.float32 (K, h, w), ``keypoint_weights`` torch.float32 (K,)

    Args:
        meta_keys: Result keys copied into the metainfo when present.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('id', 'img_id', 'img_path', 'category_id',
                                             'ori_shape', 'img_shape', 'input_size',
                                             'input_center', 'input_scale', 'bbox',
                                             'bbox_score', 'flip', 'flip_indices')) -> None:
        super().__init__()
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if img.ndim != 3:
            raise ValueError(
                f'PackPoseInputs: expected an (H, W, C) image, got shape {img.shape} '
                f'({results.get("img_path")})')
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))

        metainfo = {
            key: _META_CONVERTERS[key](results[key]) if key in _META_CONVERTERS else results[key]
            for key in self.meta_keys if key in results
        }
        if 'keypoints' in results:
            metainfo['gt_keypoints'] = np.asarray(results['keypoints'][0], dtype=np.float32)
            metainfo['gt_keypoints_visible'] = np.asarray(results['keypoints_visible'][0],
                                                          dtype=np.float32)
        data_sample = BaseDataElement(metainfo=metainfo)
        if 'heatmaps' in results:
            data_sample.heatmaps = torch.from_numpy(np.asarray(results['heatmaps'],
                                                               dtype=np.float32))
        if 'keypoint_weights' in results:
            data_sample.keypoint_weights = torch.from_numpy(
                np.asarray(results['keypoint_weights'][0], dtype=np.float32))
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
