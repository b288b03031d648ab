"""Drawing of predictions and targets: skeletons, heatmaps, segmentation overlays."""
from .image_folder_backend import ImageFolderVisBackend
from .local_visualizer import DenseLocalVisualizer
from .pose import draw_heatmaps, draw_pose, score_color
from .segmentation import draw_legend, draw_segmentation
from .targets import draw_transformed_sample

__all__ = ['DenseLocalVisualizer', 'ImageFolderVisBackend', 'draw_heatmaps', 'draw_pose',
           'draw_legend', 'draw_segmentation', 'draw_transformed_sample', 'score_color']
