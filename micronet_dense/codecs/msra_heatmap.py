"""MSRA Gaussian-heatmap keypoint codec (SimpleBaseline / HRNet), optionally with DARK.

Coordinate convention (the "biased", non-UDP one of HRNet): heatmap pixel ``i``
corresponds to input pixel ``i * stride`` with ``stride = input_size /
heatmap_size`` per axis, and integer coordinates are pixel centres.
"""
from typing import Dict, Optional, Sequence, Tuple, TypeVar

import cv2
import numpy as np
import torch

from micronet_dense.registry import KEYPOINT_CODECS

Heatmaps = TypeVar('Heatmaps', np.ndarray, torch.Tensor)


@KEYPOINT_CODECS.register_module()
class MSRAHeatmap:
    """Encode keypoints as unnormalised Gaussian heatmaps and decode them back.

    Args:
        input_size: Network input size ``(w, h)`` in pixels.
        heatmap_size: Heatmap size ``(w, h)``.
        sigma: Gaussian standard deviation in heatmap pixels.
        unbiased: Use DARK (Zhang et al., CVPR 2020): Gaussians centred at the
            sub-pixel keypoint and decoding by a second-order Taylor expansion
            of the log-heatmap. ``False`` is HRNet: centres rounded to the grid
            and a quarter-pixel shift towards the higher neighbour.
        blur_kernel_size: Odd size of the Gaussian kernel that smooths the
            heatmaps before DARK decoding (unused when ``unbiased=False``).
    """

    def __init__(self,
                 input_size: Tuple[int, int] = (192, 256),
                 heatmap_size: Tuple[int, int] = (48, 64),
                 sigma: float = 2.0,
                 unbiased: bool = False,
                 blur_kernel_size: int = 11) -> None:
        if sigma <= 0:
            raise ValueError(f'MSRAHeatmap: sigma must be positive, got {sigma}')
        if blur_kernel_size < 1 or blur_kernel_size % 2 == 0:
            raise ValueError(
                f'MSRAHeatmap: blur_kernel_size must be a positive odd integer, '
                f'got {blur_kernel_size}')
        self.input_size = tuple(input_size)
        self.heatmap_size = tuple(heatmap_size)
        self.sigma = float(sigma)
        self.unbiased = unbiased
        self.blur_kernel_size = blur_kernel_size
        self.scale_factor = (np.array(input_size, dtype=np.float32) /
                             np.array(heatmap_size, dtype=np.float32))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'heatmap_size={self.heatmap_size}, sigma={self.sigma}, '
                f'unbiased={self.unbiased})')

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """Render the heatmap targets of ``N`` instances (``N == 1`` in top-down).

        Args:
            keypoints: (N, K, 2) float, input-image pixel coordinates.
            keypoints_visible: (N, K) visibility; > 0 means labelled. Defaults
                to all visible.

        Returns:
            dict with ``heatmaps`` (K, h, w) float32 (peak 1, instances merged
            by maximum) and ``keypoint_weights`` (N, K) float32, which is 0 for
            unlabelled keypoints and for Gaussians lying wholly off the heatmap.
        """
        keypoints = np.asarray(keypoints, dtype=np.float32)
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2:
            raise ValueError(
                f'MSRAHeatmap.encode: keypoints must be (N, K, 2), got {keypoints.shape}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.shape != keypoints.shape[:2]:
            raise ValueError(
                f'MSRAHeatmap.encode: keypoints_visible must be {keypoints.shape[:2]}, '
                f'got {keypoints_visible.shape}')

        w, h = self.heatmap_size
        heatmaps = np.zeros((keypoints.shape[1], h, w), dtype=np.float32)
        keypoint_weights = (keypoints_visible > 0).astype(np.float32)
        radius = 3 * self.sigma
        centres = keypoints / self.scale_factor  # (N, K, 2) heatmap pixels
        if not self.unbiased:
            # HRNet's int(x / stride + 0.5): truncation, not floor.
            centres = np.trunc(centres + 0.5)
        off_heatmap = ((centres - radius > (w - 1, h - 1)).any(-1) |
                       (centres + radius < 0).any(-1))
        keypoint_weights[off_heatmap] = 0
        grid_x = np.arange(w, dtype=np.float32)
        grid_y = np.arange(h, dtype=np.float32)
        # All keypoints of an instance at once, on the whole heatmap; HRNet's Gaussian is then
        # cut to the 3-sigma window of its rounded centre. DARK needs the whole Gaussian so
        # that its log stays quadratic around the peak after blurring.
        for n in range(keypoints.shape[0]):
            labelled = np.flatnonzero(keypoint_weights[n] > 0)
            mu = centres[n, labelled]  # (k, 2)
            xs = grid_x - mu[:, :1]  # (k, w)
            ys = grid_y - mu[:, 1:]  # (k, h)
            gaussians = np.exp(-(xs[:, None, :]**2 + ys[:, :, None]**2) / (2 * self.sigma**2))
            if not self.unbiased:
                in_x = (grid_x >= np.ceil(mu[:, :1] - radius)) & (
                    grid_x <= np.floor(mu[:, :1] + radius))
                in_y = (grid_y >= np.ceil(mu[:, 1:] - radius)) & (
                    grid_y <= np.floor(mu[:, 1:] + radius))
                gaussians = np.where(in_y[:, :, None] & in_x[:, None, :], gaussians, 0)
            heatmaps[labelled] = np.maximum(heatmaps[labelled], gaussians)
        return dict(heatmaps=heatmaps, keypoint_weights=keypoint_weights)

    def decode(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Locate the keypoints of one instance.

        Args:
            heatmaps: (K, h, w) float heatmaps.

        Returns:
            keypoints (1, K, 2) float32 in input-image pixel coordinates and
            scores (1, K) float32 (heatmap maxima).
        """
        heatmaps = np.asarray(heatmaps, dtype=np.float32)
        if heatmaps.ndim != 3:
            raise ValueError(
                f'MSRAHeatmap.decode: heatmaps must be (K, h, w), got {heatmaps.shape}')
        num_keypoints, _, w = heatmaps.shape
        flat = heatmaps.reshape(num_keypoints, -1)
        peak = flat.argmax(axis=1)
        scores = flat[np.arange(num_keypoints), peak]
        locations = np.stack([peak % w, peak // w], axis=-1).astype(np.float32)
        if self.unbiased:
            locations = _refine_dark(locations, heatmaps, self.blur_kernel_size)
        else:
            locations = _refine_quarter_offset(locations, heatmaps)
        return (locations * self.scale_factor)[None], scores[None]


def _refine_quarter_offset(locations: np.ndarray, heatmaps: np.ndarray) -> np.ndarray:
    """Shift integer maxima (K, 2) by 0.25 px towards the higher neighbour (HRNet)."""
    _, h, w = heatmaps.shape
    x, y = locations.astype(int).T
    k = np.flatnonzero((x > 0) & (x < w - 1) & (y > 0) & (y < h - 1))
    x, y = x[k], y[k]
    gradient = np.stack([heatmaps[k, y, x + 1] - heatmaps[k, y, x - 1],
                         heatmaps[k, y + 1, x] - heatmaps[k, y - 1, x]], axis=-1)
    refined = locations.copy()
    refined[k] += 0.25 * np.sign(gradient)
    return refined


def _refine_dark(locations: np.ndarray, heatmaps: np.ndarray, kernel_size: int) -> np.ndarray:
    """Sub-pixel maxima (K, 2) by a Newton step on the smoothed log-heatmaps (DARK)."""
    _, h, w = heatmaps.shape
    log_heatmaps = np.empty_like(heatmaps)
    for k, heatmap in enumerate(heatmaps):
        # Zero padding: the heatmap background is 0, reflection would invent peaks.
        blurred = cv2.GaussianBlur(heatmap, (kernel_size, kernel_size), 0,
                                   borderType=cv2.BORDER_CONSTANT)
        # Blurring lowers the peak; restore its height so scores stay comparable.
        blurred *= heatmap.max() / max(float(blurred.max()), 1e-10)
        log_heatmaps[k] = np.log(np.maximum(blurred, 1e-10))

    x, y = locations.astype(int).T
    # The second derivatives use a 2-pixel stencil.
    k = np.flatnonzero((x > 1) & (x < w - 2) & (y > 1) & (y < h - 2))
    x, y, lh = x[k], y[k], log_heatmaps
    dx = 0.5 * (lh[k, y, x + 1] - lh[k, y, x - 1])
    dy = 0.5 * (lh[k, y + 1, x] - lh[k, y - 1, x])
    dxx = 0.25 * (lh[k, y, x + 2] - 2 * lh[k, y, x] + lh[k, y, x - 2])
    dyy = 0.25 * (lh[k, y + 2, x] - 2 * lh[k, y, x] + lh[k, y - 2, x])
    dxy = 0.25 * (lh[k, y + 1, x + 1] - lh[k, y - 1, x + 1] -
                  lh[k, y + 1, x - 1] + lh[k, y - 1, x - 1])
    det = dxx * dyy - dxy**2
    solvable = np.abs(det) > 1e-12
    k, det = k[solvable], det[solvable]
    dx, dy, dxx, dyy, dxy = (d[solvable] for d in (dx, dy, dxx, dyy, dxy))
    # offset = -H^-1 g with the closed-form inverse of the 2x2 Hessian.
    refined = locations.copy()
    refined[k, 0] -= (dyy * dx - dxy * dy) / det
    refined[k, 1] -= (dxx * dy - dxy * dx) / det
    return refined


def flip_heatmaps(heatmaps: Heatmaps,
                  flip_indices: Sequence[int],
                  shift_heatmap: bool = True) -> Heatmaps:
    """Map heatmaps predicted on a horizontally flipped input back to the original.

    Args:
        heatmaps: (..., K, h, w) numpy array or torch tensor, e.g. (B, K, h, w).
        flip_indices: For each keypoint, the index of its left/right mirror.
        shift_heatmap: Shift the result one pixel right (HRNet). The image flip
            maps input x to ``W - 1 - x`` while the heatmap flip maps heatmap x
            to ``w - 1 - x``, i.e. input ``W - stride - x``: the flipped
            heatmaps sit ``(stride - 1) / stride`` heatmap pixels too far left.

    Returns:
        Flipped heatmaps of the same type and shape (a new array/tensor).
    """
    if heatmaps.ndim < 3 or heatmaps.shape[-3] != len(flip_indices):
        raise ValueError(
            f'flip_heatmaps: expected (..., K, h, w) with K == len(flip_indices) '
            f'== {len(flip_indices)}, got shape {tuple(heatmaps.shape)}')
    flip_indices = list(flip_indices)
    if isinstance(heatmaps, torch.Tensor):
        flipped = heatmaps.flip(-1)[..., flip_indices, :, :]
        if shift_heatmap:
            flipped = torch.cat([flipped[..., :1], flipped[..., :-1]], dim=-1)
        return flipped
    flipped = heatmaps[..., ::-1][..., flip_indices, :, :]
    if shift_heatmap:
        return np.concatenate([flipped[..., :1], flipped[..., :-1]], axis=-1)
    return np.ascontiguousarray(flipped)
