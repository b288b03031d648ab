"""Keypoint dataset metainfo: what the dataset, transforms, flip test, metric and drawing read.

A keypoint set is described once, in mmpose's ``dataset_info`` format (COCO's is
``micronet_dense/datasets/keypoint_sets/coco.py``)::

    dataset_info = dict(
        dataset_name='my_set',
        category=dict(id=3, name='bird'),        # the annotation category of the instances
        keypoint_info={0: dict(name='beak', id=0, type='upper', swap=''),
                       1: dict(name='left_wing', id=1, type='upper', swap='right_wing'), ...},
        skeleton_info={0: dict(link=('beak', 'left_wing'), id=0), ...},
        joint_weights=[1.0, ...],                # optional, default 1 per keypoint
        sigmas=[0.025, ...])                     # OKS falloff per keypoint

``type`` ('upper' / 'lower', optional) gives the half-body ids, ``swap`` the left/right mirror
used by flipping ('' for a keypoint on the axis). A dataset's ``metainfo`` is such a dict, or
``dict(from_file='path/to/description.py')`` naming a file that defines ``dataset_info``.

:func:`parse_keypoint_metainfo` turns it into the flat metainfo everything else reads:
``dataset_name``, ``category_id``, ``category_name``, ``num_keypoints``, ``keypoint_names``,
``flip_indices``, ``flip_pairs``, ``skeleton`` (0-based id pairs), ``upper_body_ids``,
``lower_body_ids``, ``joint_weights``, ``sigmas`` — plain lists, so that checkpoints carry it
(mmengine saves the training set's metainfo as ``meta['dataset_meta']``).
"""
from typing import Any, Dict, List, Mapping, Optional

from mmengine.config import Config

from .keypoint_sets import coco

#: The flat metainfo keys; a mapping with all of them is taken as already parsed.
PARSED_KEYS = ('dataset_name', 'category_id', 'category_name', 'num_keypoints', 'keypoint_names',
               'flip_indices', 'flip_pairs', 'skeleton', 'upper_body_ids', 'lower_body_ids',
               'joint_weights', 'sigmas')


def _load_description(metainfo: Mapping, where: str) -> Dict[str, Any]:
    if 'from_file' not in metainfo:
        return dict(metainfo)
    path = metainfo['from_file']
    try:
        description = Config.fromfile(path).get('dataset_info')
    except FileNotFoundError:
        raise FileNotFoundError(f'{where}: keypoint description file {path} not found') from None
    if description is None:
        raise ValueError(f'{path}: a keypoint description file must define '
                         'dataset_info = dict(...)')
    return description.to_dict()


def _field(description: Mapping, key: str, where: str) -> Any:
    if key not in description:
        raise ValueError(f'{where}: the keypoint description has no {key!r} (see '
                         'micronet_dense/datasets/keypoint_sets/coco.py for the format)')
    return description[key]


def _ordered_entries(table: Mapping, what: str, where: str) -> List[dict]:
    """The entries of ``keypoint_info`` / ``skeleton_info`` in key order, keys 0..n-1."""
    keys = sorted(int(key) for key in table)
    if keys != list(range(len(keys))):
        raise ValueError(f'{where}: {what} must be numbered 0..{len(keys) - 1}, got {keys}')
    return [table[key] if key in table else table[str(key)] for key in keys]


def _per_keypoint(values: Any, num_keypoints: int, name: str, where: str) -> List[float]:
    values = [float(value) for value in values]
    if len(values) != num_keypoints:
        raise ValueError(f'{where}: {name} has {len(values)} entries for {num_keypoints} keypoints')
    if any(not value > 0 for value in values):
        raise ValueError(f'{where}: every entry of {name} must be > 0, got {values}')
    return values


def _parse_description(description: Mapping, where: str) -> dict:
    keypoints = _ordered_entries(_field(description, 'keypoint_info', where), 'keypoint_info',
                                 where)
    names = [keypoint['name'] for keypoint in keypoints]
    if len(set(names)) != len(names):
        raise ValueError(f'{where}: keypoint names repeat: {names}')
    ids = {name: index for index, name in enumerate(names)}
    flip_indices = []
    for index, keypoint in enumerate(keypoints):
        mirror = keypoint.get('swap') or keypoint['name']
        if mirror not in ids:
            raise ValueError(f'{where}: keypoint {keypoint["name"]!r} swaps with unknown '
                             f'keypoint {mirror!r}')
        flip_indices.append(ids[mirror])
    unpaired = [names[i] for i, j in enumerate(flip_indices) if flip_indices[j] != i]
    if unpaired:
        raise ValueError(f'{where}: swap must be mutual; not so for {unpaired}')
    skeleton = []
    for link in _ordered_entries(description.get('skeleton_info', {}), 'skeleton_info', where):
        unknown = [name for name in link['link'] if name not in ids]
        if unknown:
            raise ValueError(f'{where}: skeleton link {tuple(link["link"])} names unknown '
                             f'keypoint(s) {unknown}')
        skeleton.append([ids[name] for name in link['link']])
    category = _field(description, 'category', where)
    num_keypoints = len(names)
    return dict(
        dataset_name=str(description.get('dataset_name', category['name'])),
        category_id=int(category['id']),
        category_name=str(category['name']),
        num_keypoints=num_keypoints,
        keypoint_names=names,
        flip_indices=flip_indices,
        flip_pairs=[[i, j] for i, j in enumerate(flip_indices) if i < j],
        skeleton=skeleton,
        # A set whose keypoints have no 'type' has no half bodies: half-body cropping skips it.
        upper_body_ids=[i for i, k in enumerate(keypoints) if k.get('type') == 'upper'],
        lower_body_ids=[i for i, k in enumerate(keypoints) if k.get('type') == 'lower'],
        joint_weights=_per_keypoint(description.get('joint_weights', [1.0] * num_keypoints),
                                    num_keypoints, 'joint_weights', where),
        sigmas=_per_keypoint(_field(description, 'sigmas', where), num_keypoints, 'sigmas',
                             where))


def parse_keypoint_metainfo(metainfo: Mapping, where: Optional[str] = None) -> dict:
    """The flat keypoint metainfo (module docstring) of a description, a ``from_file`` dict, or
    an already parsed metainfo (returned as a plain copy).

    Args:
        metainfo: see the module docstring.
        where: what the metainfo belongs to, for error messages (default: the file, if any).

    Raises:
        ValueError / FileNotFoundError: naming ``where`` and the field at fault.
    """
    where = where or metainfo.get('from_file', 'keypoint metainfo')
    if all(key in metainfo for key in PARSED_KEYS):
        return {key: metainfo[key] for key in PARSED_KEYS}
    return _parse_description(_load_description(metainfo, where), where)


def coco_category(metainfo: Mapping) -> dict:
    """The COCO annotation-file ``categories`` entry of a parsed metainfo (1-based skeleton)."""
    return dict(id=metainfo['category_id'], name=metainfo['category_name'],
                keypoints=list(metainfo['keypoint_names']),
                skeleton=[[i + 1, j + 1] for i, j in metainfo['skeleton']])


#: COCO person keypoints, parsed from ``keypoint_sets/coco.py``.
COCO_PERSON_METAINFO = parse_keypoint_metainfo(coco.dataset_info, where=coco.__file__)
