"""The official Cityscapes label table and the label id <-> train id mappings.

A copy of the table of ``cityscapesscripts.helpers.labels`` kept as data, so that the
package runtime does not need cityscapesscripts (a convert/test-time dependency only).
Label maps come in two encodings:

* label ids (``*_gtFine_labelIds.png``, test-server submissions): ``CityscapesLabel.id``,
  0..33;
* train ids (``*_gtFine_labelTrainIds.png``, training and evaluation): 0..18 for the 19
  evaluated classes, 255 for every void / ignored label.
"""
from typing import Dict, NamedTuple, Tuple

import numpy as np


class CityscapesLabel(NamedTuple):
    """One row of the official table (field names as in cityscapesscripts, snake_case)."""

    name: str
    id: int  # value in *_labelIds.png; -1: never drawn (license plate)
    train_id: int  # value in *_labelTrainIds.png; 255: ignored in training/evaluation
    category: str
    category_id: int
    has_instances: bool
    ignore_in_eval: bool
    color: Tuple[int, int, int]  # RGB


IGNORE_TRAIN_ID = 255

L = CityscapesLabel
LABELS: Tuple[CityscapesLabel, ...] = (
    L('unlabeled', 0, 255, 'void', 0, False, True, (0, 0, 0)),
    L('ego vehicle', 1, 255, 'void', 0, False, True, (0, 0, 0)),
    L('rectification border', 2, 255, 'void', 0, False, True, (0, 0, 0)),
    L('out of roi', 3, 255, 'void', 0, False, True, (0, 0, 0)),
    L('static', 4, 255, 'void', 0, False, True, (0, 0, 0)),
    L('dynamic', 5, 255, 'void', 0, False, True, (111, 74, 0)),
    L('ground', 6, 255, 'void', 0, False, True, (81, 0, 81)),
    L('road', 7, 0, 'flat', 1, False, False, (128, 64, 128)),
    L('sidewalk', 8, 1, 'flat', 1, False, False, (244, 35, 232)),
    L('parking', 9, 255, 'flat', 1, False, True, (250, 170, 160)),
    L('rail track', 10, 255, 'flat', 1, False, True, (230, 150, 140)),
    L('building', 11, 2, 'construction', 2, False, False, (70, 70, 70)),
    L('wall', 12, 3, 'construction', 2, False, False, (102, 102, 156)),
    L('fence', 13, 4, 'construction', 2, False, False, (190, 153, 153)),
    L('guard rail', 14, 255, 'construction', 2, False, True, (180, 165, 180)),
    L('bridge', 15, 255, 'construction', 2, False, True, (150, 100, 100)),
    L('tunnel', 16, 255, 'construction', 2, False, True, (150, 120, 90)),
    L('pole', 17, 5, 'object', 3, False, False, (153, 153, 153)),
    L('polegroup', 18, 255, 'object', 3, False, True, (153, 153, 153)),
    L('traffic light', 19, 6, 'object', 3, False, False, (250, 170, 30)),
    L('traffic sign', 20, 7, 'object', 3, False, False, (220, 220, 0)),
    L('vegetation', 21, 8, 'nature', 4, False, False, (107, 142, 35)),
    L('terrain', 22, 9, 'nature', 4, False, False, (152, 251, 152)),
    L('sky', 23, 10, 'sky', 5, False, False, (70, 130, 180)),
    L('person', 24, 11, 'human', 6, True, False, (220, 20, 60)),
    L('rider', 25, 12, 'human', 6, True, False, (255, 0, 0)),
    L('car', 26, 13, 'vehicle', 7, True, False, (0, 0, 142)),
    L('truck', 27, 14, 'vehicle', 7, True, False, (0, 0, 70)),
    L('bus', 28, 15, 'vehicle', 7, True, False, (0, 60, 100)),
    L('caravan', 29, 255, 'vehicle', 7, True, True, (0, 0, 90)),
    L('trailer', 30, 255, 'vehicle', 7, True, True, (0, 0, 110)),
    L('train', 31, 16, 'vehicle', 7, True, False, (0, 80, 100)),
    L('motorcycle', 32, 17, 'vehicle', 7, True, False, (0, 0, 230)),
    L('bicycle', 33, 18, 'vehicle', 7, True, False, (119, 11, 32)),
    L('license plate', -1, -1, 'vehicle', 7, False, True, (0, 0, 142)),
)
del L

NAME_TO_LABEL: Dict[str, CityscapesLabel] = {label.name: label for label in LABELS}

_TRAIN_LABELS = sorted((label for label in LABELS if 0 <= label.train_id < IGNORE_TRAIN_ID),
                       key=lambda label: label.train_id)
#: The 19 evaluated classes, indexed by train id.
TRAIN_CLASSES: Tuple[str, ...] = tuple(label.name for label in _TRAIN_LABELS)
#: Their official RGB colours, indexed by train id.
TRAIN_PALETTE: Tuple[Tuple[int, int, int], ...] = tuple(label.color for label in _TRAIN_LABELS)
#: (19,) uint8: train id -> label id (the inverse used for test-server submissions).
TRAIN_ID_TO_LABEL_ID = np.array([label.id for label in _TRAIN_LABELS], dtype=np.uint8)
#: (256,) uint8 look-up table: label id -> train id; ids outside the table map to 255.
LABEL_ID_TO_TRAIN_ID = np.full(256, IGNORE_TRAIN_ID, dtype=np.uint8)
for _label in LABELS:
    if _label.id >= 0:
        LABEL_ID_TO_TRAIN_ID[_label.id] = _label.train_id
del _label


def resolve_label(name: str) -> CityscapesLabel:
    """The table row of a polygon label, read as cityscapesscripts' json2labelImg does.

    An unknown name ending in 'group' (e.g. 'cargroup', a crowd of cars) stands for the
    label without the suffix; a known one ('polegroup') keeps its own row.

    Raises:
        KeyError: the name is not a Cityscapes label.
    """
    known = name
    if known not in NAME_TO_LABEL and known.endswith('group'):
        known = known[:-len('group')]
    if known not in NAME_TO_LABEL:
        raise KeyError(f"unknown Cityscapes label '{name}'")
    return NAME_TO_LABEL[known]


def label_ids_to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    """Map a label-id map (any shape, uint8) to train ids (same shape, uint8, 255 = void)."""
    label_ids = np.asarray(label_ids)
    if label_ids.dtype != np.uint8:
        raise TypeError(f'label ids must be uint8 (as read from *_labelIds.png), '
                        f'got {label_ids.dtype}')
    return LABEL_ID_TO_TRAIN_ID[label_ids]


def train_ids_to_label_ids(train_ids: np.ndarray) -> np.ndarray:
    """Map train ids 0..18 (any shape, integer) to official label ids (uint8).

    Raises:
        ValueError: a value is outside 0..18 (255 has no unique label id).
    """
    train_ids = np.asarray(train_ids)
    if train_ids.size and (train_ids.min() < 0 or train_ids.max() >= len(TRAIN_CLASSES)):
        bad = np.unique(train_ids[(train_ids < 0) | (train_ids >= len(TRAIN_CLASSES))])
        raise ValueError(f'train ids must be in [0, {len(TRAIN_CLASSES)}), got {bad.tolist()}')
    return TRAIN_ID_TO_LABEL_ID[train_ids]
