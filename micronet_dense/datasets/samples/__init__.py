"""Synthetic sample sets in the on-disk formats of real benchmarks.

Writers, one per format: ``coco_keypoints`` (COCO-2017 person keypoints) and ``cityscapes``
(Cityscapes gtFine polygons, label-id maps, disparity and camera files).

COCO people: ``person_figure`` (poses), ``person_painter`` (drawing a figure and its owner map),
``person_scene`` (an image with its annotations), ``simulated_detections`` (detector boxes).

Cityscapes streets: ``street_camera`` (pinhole camera), ``polygon_clipping``,
``street_layout`` (world shapes projected to pixel polygons), ``street_silhouettes``,
``street_scene`` (the random street), ``street_painters`` (textures, lighting and noise),
``street_depth`` (its depth as Cityscapes disparity and camera files).
"""
