"""Drawing of predictions and targets: skeletons, heatmaps, segmentation overlays, depth maps."""
from .depth import depth_colours, draw_depth
from .image_folder_backend import ImageFolderVisBackend
from .local_visualizer import DenseLocalVisualizer
from .pose import draw_heatmaps, draw_pose, score_color
from .segmentation import draw_legend, draw_segmentation
from .targets import draw_transformed_sample

__all__ = ['depth_colours', 'draw_depth', 'DenseLocalVisualizer', 'ImageFolderVisBackend',
           'draw_heatmaps', 'draw_pose',
           'draw_legend', 'draw_segmentation', 'draw_transformed_sample', 'score_color']
