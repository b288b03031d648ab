"""Cityscapes gtFine polygons -> ``*_gtFine_labelTrainIds.png``, plus mmseg split lists.

Label maps are drawn by cityscapesscripts' ``json2labelImg(json, png, 'trainIds')``, the
reference rasteriser of the benchmark (mmseg's converter does the same). cityscapesscripts
is imported only when converting and comes with the ``cityscapes`` extra, so the package runtime
does not need it.
"""
import multiprocessing
import os
import os.path as osp
from typing import Dict, List, Optional

from tqdm import tqdm

from micronet_dense.datasets.cityscapes_labels import resolve_label
from micronet_dense.utils.atomic_io import atomic_output_path
from micronet_dense.utils.checked_json import (DataFileError, check_fields, check_number,
                                               check_number_list, load_json)
from micronet_dense.utils.file_listing import list_files
from micronet_dense.utils.user_errors import import_optional

POLYGONS_SUFFIX = '_gtFine_polygons.json'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'
SPLITS = ('train', 'val', 'test')


def find_polygon_files(gt_dir: str) -> List[str]:
    """All ``*_gtFine_polygons.json`` under ``gt_dir``, recursively, sorted (links followed only
    inside ``gt_dir``, see :func:`~micronet_dense.utils.file_listing.list_files`)."""
    return [osp.join(gt_dir, name) for name in list_files(gt_dir, POLYGONS_SUFFIX)]


def check_polygon_annotation(json_path: str) -> None:
    """Fail with the file and field at fault where json2labelImg would crash or exit.

    json2labelImg calls ``sys.exit`` on an unknown label, which in a Pool worker would
    kill the worker and hang the conversion instead of raising.

    Raises:
        ValueError: invalid JSON, a missing field, a size or polygon point that is not a
            finite number, or an unknown label.
    """
    annotation = load_json(json_path, 'Cityscapes polygon file')
    check_fields(annotation, ('imgHeight', 'imgWidth', 'objects'), json_path, 'the top level')
    for key in ('imgHeight', 'imgWidth'):
        check_number(annotation[key], json_path, f"'{key}'", low=1, integer=True)
    for index, obj in enumerate(annotation['objects']):
        check_fields(obj, ('label', 'polygon'), json_path, f'objects[{index}]')
        for point_index, point in enumerate(obj['polygon']):
            check_number_list(point, 2, json_path, f"objects[{index}] 'polygon'[{point_index}]")
        # json2labelImg skips deleted objects before looking their label up.
        if obj.get('deleted', 0):
            continue
        try:
            resolve_label(obj['label'])
        except KeyError as err:
            raise DataFileError(f'{json_path}: objects[{index}]: {err.args[0]}') from None


def polygons_to_train_ids_png(json_path: str) -> str:
    """Write the ``*_gtFine_labelTrainIds.png`` of one polygon file; return its path."""
    json2labelImg = import_optional('cityscapesscripts.preparation.json2labelImg',
                                    'cityscapes').json2labelImg
    check_polygon_annotation(json_path)
    out_path = json_path[:-len(POLYGONS_SUFFIX)] + TRAIN_IDS_SUFFIX
    with atomic_output_path(out_path) as tmp_path:
        json2labelImg(json_path, tmp_path, 'trainIds')
    return out_path


def write_split_lists(root: str, out_dir: str) -> Dict[str, List[str]]:
    """Write ``{split}.txt`` for every split folder present under ``root/gtFine``.

    Each line names one sample relative to its city folder's parent and without
    suffix, the mmseg convention (``aachen/aachen_000000_000019``); lines are sorted.

    Returns:
        split -> the sample names written.
    """
    lists = {}
    for split in SPLITS:
        split_dir = osp.join(root, 'gtFine', split)
        if not osp.isdir(split_dir):
            continue
        names = [osp.relpath(path, split_dir)[:-len(POLYGONS_SUFFIX)].replace(os.sep, '/')
                 for path in find_polygon_files(split_dir)]
        with atomic_output_path(osp.join(out_dir, f'{split}.txt')) as tmp_path:
            with open(tmp_path, 'w', encoding='utf-8') as f:
                f.writelines(name + '\n' for name in names)
        lists[split] = names
    return lists


def convert_cityscapes(root: str, nproc: int = 1, out_dir: Optional[str] = None,
                       progress: bool = True) -> Dict[str, List[str]]:
    """Convert every gtFine polygon file of a Cityscapes tree and write the split lists.

    Args:
        root: Cityscapes root holding ``gtFine/{train,val,test}/<city>/``.
        nproc: Worker processes; 1 converts in this process.
        out_dir: Folder of the split lists; None means ``root``. Label maps are always
            written next to their polygon files, where the dataset looks for them.
        progress: Show a tqdm progress bar.

    Returns:
        split -> sample names, as written to the split lists.

    Raises:
        FileNotFoundError: ``root/gtFine`` is missing or holds no polygon file.
        ValueError: ``nproc`` < 1, or a polygon file is malformed (see
            :func:`check_polygon_annotation`).
        MissingDependencyError: cityscapesscripts is not installed (the ``cityscapes`` extra).
    """
    if nproc < 1:
        raise ValueError(f'nproc must be >= 1, got {nproc}')
    import_optional('cityscapesscripts.preparation.json2labelImg', 'cityscapes')
    gt_dir = osp.join(root, 'gtFine')
    if not osp.isdir(gt_dir):
        raise FileNotFoundError(f'Cityscapes annotation folder {gt_dir} does not exist')
    json_paths = find_polygon_files(gt_dir)
    if not json_paths:
        raise FileNotFoundError(f'no *{POLYGONS_SUFFIX} file under {gt_dir}')
    bar = tqdm(total=len(json_paths), desc='polygons -> labelTrainIds', unit='img',
               disable=not progress)
    with bar:
        if nproc == 1:
            for json_path in json_paths:
                polygons_to_train_ids_png(json_path)
                bar.update()
        else:
            with multiprocessing.Pool(nproc) as pool:
                for _ in pool.imap_unordered(polygons_to_train_ids_png, json_paths, chunksize=8):
                    bar.update()
    return write_split_lists(root, out_dir or root)
