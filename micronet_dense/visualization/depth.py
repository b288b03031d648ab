"""Drawing of depth maps: a colour map over [0, max_depth] metres with a scale bar in metres."""
from typing import Optional

import cv2
import numpy as np

_COLOURMAP = cv2.COLORMAP_TURBO  # near: blue, far: red
_BAR_TICKS = 5


def depth_colours(depth: np.ndarray, max_depth: float) -> np.ndarray:
    """Colour each pixel by ``min(depth, max_depth) / max_depth`` on the turbo colour map;
    pixels without depth (<= 0 or not finite) are black.

    Shapes: (H, W) metres -> (H, W, 3) uint8 BGR.
    """
    depth = np.asarray(depth, dtype=np.float64)
    valid = np.isfinite(depth) & (depth > 0)
    level = np.zeros(depth.shape, dtype=np.uint8)
    level[valid] = np.round(np.clip(depth[valid] / max_depth, 0, 1) * 255).astype(np.uint8)
    colours = cv2.applyColorMap(level, _COLOURMAP)
    colours[~valid] = 0
    return colours


def draw_depth(depth: np.ndarray, max_depth: Optional[float] = None,
               bar_width: Optional[int] = None) -> np.ndarray:
    """A depth map in colour (:func:`depth_colours`) with a vertical scale bar on its right: the
    colour map from 0 m (top) to ``max_depth`` (bottom), ticks labelled in metres.

    Args:
        depth: (H, W) or (1, H, W) metres, 0 = no measurement.
        max_depth: Depth of the last colour; None means the largest valid depth (1 m if none).
        bar_width: Width of the scale bar with its labels; None means H / 5, at least 48 px.

    Returns:
        (H, W + bar_width, 3) uint8 BGR.
    """
    depth = np.asarray(depth, dtype=np.float64)
    if depth.ndim == 3 and depth.shape[0] == 1:
        depth = depth[0]
    if depth.ndim != 2:
        raise ValueError(f'depth map must be (H, W) or (1, H, W), got shape {depth.shape}')
    valid = np.isfinite(depth) & (depth > 0)
    if max_depth is None:
        max_depth = float(depth[valid].max()) if valid.any() else 1.0
    if max_depth <= 0:
        raise ValueError(f'max_depth must be > 0, got {max_depth}')
    h = depth.shape[0]
    bar_width = bar_width or max(48, h // 5)
    bar = np.zeros((h, bar_width, 3), dtype=np.uint8)
    ramp = np.linspace(0, max_depth, h)[:, None].repeat(bar_width // 3, 1)
    bar[:, :bar_width // 3] = depth_colours(np.maximum(ramp, 1e-9), max_depth)
    font_scale = max(0.3, h / 700)
    for tick in range(_BAR_TICKS):
        y = round(tick / (_BAR_TICKS - 1) * (h - 1))
        bar[y, bar_width // 3:bar_width // 3 + 3] = 255
        baseline_y = min(max(y + 4, 10), h - 2)
        cv2.putText(bar, f'{tick / (_BAR_TICKS - 1) * max_depth:.3g}m',
                    (bar_width // 3 + 4, baseline_y), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate([depth_colours(depth, max_depth), bar], axis=1)
