"""Check a run config before the runner is built, naming the config path of each problem.

mmengine ignores top-level keys it does not know (``trian_cfg`` silently keeps the defaults) and,
for a wrong argument, raises deep inside the build with the class name only. This check reports
every problem at once as ``path: what is wrong``, e.g. ``model.head: MicroNetPoseHead has no
argument 'foo'`` or ``train_dataloader.batch_size: expected int, got str '8'``.

Checked: the top-level keys; the arguments of every ``type=...`` dict at the places the runner
builds from (model, datasets, pipelines, samplers, evaluators, loops, optimizer wrapper and
optimizer, parameter schedulers, hooks) and of any nested ``type=...`` dict naming a
micronet_dense class; the keyword arguments that reach ``torch.utils.data.DataLoader``. An
argument is checked against the parameter names of the class (following ``**kwargs`` to the
base class that receives them) and, for plain annotations (``int``, ``float``, ``bool``, ``str``,
``dict``, ``Literal``, ``Optional``/``Union`` and sequences of these), against its type. Every
number anywhere in the config must be finite, and the thresholds and training numbers of
:data:`NUMBER_RANGES` within their ranges (``bbox_score_thr=nan`` from ``--cfg-options`` would keep
every detection).
"""
import ast
import collections.abc
import difflib
import inspect
import math
import textwrap
import types
import typing
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from mmengine.registry import Registry
from mmengine.runner import Runner  # importing it registers mmengine's loops and hooks
from torch.utils.data import DataLoader

from micronet_dense import registry as registries
from micronet_dense.utils.user_errors import UserError


def _runner_keys() -> frozenset:
    """Top-level keys mmengine's Runner reads: the arguments of ``Runner.__init__`` (which
    ``Runner.from_cfg`` fills from the config) and the keys its methods look up with
    ``self.cfg.get('key')`` (``model_wrapper_cfg``, ``sync_bn``, ``compile``, ...)."""
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(Runner)))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == 'get' and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == 'cfg' and isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == 'self' and node.args
                and isinstance(node.args[0], ast.Constant)):
            keys.add(node.args[0].value)
    return frozenset(keys)


RUNNER_KEYS = _runner_keys()
# Keys the Config machinery itself uses, and this project's own keys (``sample_data``:
# micronet_dense.datasets.prepare; ``input_shape``: the complexity tools).
CONFIG_KEYS = frozenset({'_base_', 'custom_imports'})
PROJECT_KEYS = frozenset({'sample_data', 'input_shape'})
KNOWN_KEYS = RUNNER_KEYS | CONFIG_KEYS | PROJECT_KEYS
# mmcv 1.x keys that mmengine ignores, and where their content goes now.
LEGACY_KEYS = {
    'lr_config': 'param_scheduler',
    'optimizer_config': 'optim_wrapper',
    'log_config': 'default_hooks.logger',
    'checkpoint_config': 'default_hooks.checkpoint',
    'evaluation': 'val_evaluator and train_cfg.val_interval',
    'workflow': 'train_cfg',
    'total_epochs': 'train_cfg.max_epochs',
}
# Unknown top-level keys this similar to a known one are taken for misspellings; less similar ones
# are config variables (``codec``, ``data_root``, ``train_pipeline``, ...), which mmengine allows.
MISSPELLING_CUTOFF = 0.8
# Keys of a dataloader config that mmengine consumes itself; the rest go to DataLoader.
_DATALOADER_OWN_KEYS = frozenset({'dataset', 'sampler', 'batch_sampler', 'collate_fn',
                                  'worker_init_fn', 'num_batch_per_epoch',
                                  'disable_subprocess_warning'})
# Keys mmengine removes before building an optimizer wrapper or a parameter scheduler.
_OWN_KEYS = {'optim_wrapper': frozenset({'constructor', 'paramwise_cfg'}),
             'param_scheduler': frozenset({'convert_to_iter_based'})}


# Ranges of the numbers that select or score what a metric counts, and of the common training
# numbers, wherever a config holds them (name -> inclusive bounds).
NUMBER_RANGES = {
    'bbox_score_thr': (0, 1), 'keypoint_score_thr': (0, 1), 'nms_thr': (0, 1),
    'lr': (0, math.inf), 'weight_decay': (0, math.inf), 'momentum': (0, 1),
    'batch_size': (1, math.inf), 'num_workers': (0, math.inf), 'max_epochs': (1, math.inf),
    'max_iters': (1, math.inf), 'val_interval': (1, math.inf),
}


class ConfigError(UserError, ValueError):
    """A config with unknown keys, unknown arguments or arguments of the wrong type."""


def check_config(cfg: Mapping) -> None:
    """Raise :class:`ConfigError` listing every problem found (see the module docstring).

    Needs the project's modules registered (:func:`register_all_modules`).
    """
    problems = list(_check_top_level_keys(cfg))
    train_cfg = cfg.get('train_cfg')
    if isinstance(train_cfg, Mapping) and train_cfg and not {'type', 'by_epoch'} & set(train_cfg):
        problems.append("train_cfg: needs 'type' or 'by_epoch', from which mmengine picks the "
                        'training loop')
    for path, node, registry in _build_sites(cfg):
        problems.extend(_check_built(path, node, registry))
    problems.extend(_check_numbers('', dict(cfg.items())))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(loader), Mapping):
            kwargs = {k: v for k, v in cfg[loader].items() if k not in _DATALOADER_OWN_KEYS}
            problems.extend(_check_arguments(loader, DataLoader, kwargs))
    if problems:
        raise ConfigError('invalid config:\n  ' + '\n  '.join(problems))


def _check_numbers(path: str, value: Any) -> Iterator[str]:
    """Every float finite (a NaN threshold compares false with everything, so ``score < nan``
    keeps every detection); the names of :data:`NUMBER_RANGES` within their ranges."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            item_path = f'{path}.{key}' if path else str(key)
            yield from _check_numbers(item_path, item)
            bounds = NUMBER_RANGES.get(key)
            if (bounds and isinstance(item, (int, float)) and not isinstance(item, bool)
                    and math.isfinite(item) and not bounds[0] <= item <= bounds[1]):
                yield f'{item_path}: {item!r} is outside [{bounds[0]:g}, {bounds[1]:g}]'
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _check_numbers(f'{path}[{index}]', item)
    elif isinstance(value, float) and not math.isfinite(value):
        yield f'{path}: {value!r} is not a finite number'


def _check_top_level_keys(cfg: Mapping) -> Iterator[str]:
    for key in cfg:
        if key in KNOWN_KEYS:
            continue
        if key in LEGACY_KEYS:
            yield (f'{key}: an mmcv 1.x key that mmengine ignores; its settings belong in '
                   f'{LEGACY_KEYS[key]}')
            continue
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=MISSPELLING_CUTOFF)
        if close:
            yield (f'{key}: unknown top-level key, which mmengine would ignore; did you mean '
                   f'{close[0]!r}?')


def _as_list(value: Any) -> List[Tuple[str, Any]]:
    """(index suffix, item) pairs of a list, or ``('', value)`` of a single value."""
    if isinstance(value, (list, tuple)):
        return [(f'[{i}]', item) for i, item in enumerate(value)]
    return [('', value)]


def _build_sites(cfg: Mapping) -> Iterator[Tuple[str, Mapping, Any]]:
    """(path, dict, registry) of the dicts the runner builds through a registry."""
    if isinstance(cfg.get('model'), Mapping):
        yield 'model', cfg['model'], registries.MODELS
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, Mapping):
            continue
        for key, reg in (('dataset', registries.DATASETS), ('sampler', registries.DATA_SAMPLERS)):
            if isinstance(loader_cfg.get(key), Mapping):
                yield f'{loader}.{key}', loader_cfg[key], reg
    for evaluator in ('val_evaluator', 'test_evaluator'):
        for suffix, metric in _as_list(cfg.get(evaluator)):
            if isinstance(metric, Mapping):
                yield evaluator + suffix, metric, registries.METRICS
    for suffix, scheduler in _as_list(cfg.get('param_scheduler')):
        if isinstance(scheduler, Mapping):
            yield 'param_scheduler' + suffix, scheduler, registries.PARAM_SCHEDULERS
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if isinstance(hook, Mapping):
            yield f'default_hooks.{name}', hook, registries.HOOKS
    for suffix, hook in _as_list(cfg.get('custom_hooks') or []):
        if isinstance(hook, Mapping):
            yield 'custom_hooks' + suffix, hook, registries.HOOKS
    optim_wrapper = cfg.get('optim_wrapper')
    if isinstance(optim_wrapper, Mapping):
        yield ('optim_wrapper', {'type': 'OptimWrapper', **optim_wrapper},
               registries.OPTIM_WRAPPERS)
        if isinstance(optim_wrapper.get('optimizer'), Mapping):
            yield 'optim_wrapper.optimizer', optim_wrapper['optimizer'], registries.OPTIMIZERS
    yield from _loop_sites(cfg)


def _loop_sites(cfg: Mapping) -> Iterator[Tuple[str, Mapping, Any]]:
    """Loops are built from ``type`` or, without one, by mmengine's rule for each key."""
    defaults = {'val_cfg': 'ValLoop', 'test_cfg': 'TestLoop'}
    for key in ('train_cfg', 'val_cfg', 'test_cfg'):
        loop = cfg.get(key)
        if not isinstance(loop, Mapping) or not loop:
            continue
        if 'type' in loop:
            yield key, loop, registries.LOOPS
        elif key == 'train_cfg':
            if 'by_epoch' not in loop:
                continue  # reported by check_config
            kind = 'EpochBasedTrainLoop' if loop['by_epoch'] else 'IterBasedTrainLoop'
            rest = {k: v for k, v in loop.items() if k != 'by_epoch'}
            yield key, {'type': kind, **rest}, registries.LOOPS
        else:
            yield key, {'type': defaults[key], **loop}, registries.LOOPS


def _check_built(path: str, node: Mapping, registry: Any) -> List[str]:
    obj_type = node.get('type')
    if obj_type is None:
        return [f"{path}: no 'type' given"]
    if isinstance(obj_type, str):
        cls = registry.get(obj_type)
        if cls is None:
            return [f'{path}.type: {obj_type!r} is not registered in the {registry.name} '
                    f'registry (scope {registry.scope}); registered: '
                    f'{", ".join(sorted(registry.module_dict))}']
    elif callable(obj_type):
        cls = obj_type
    else:
        return [f'{path}.type: expected a registered name or a class, got {obj_type!r}']
    own_keys = _OWN_KEYS.get(path.split('[')[0], frozenset()) | {'type'}
    kwargs = {key: value for key, value in node.items() if key not in own_keys}
    problems = _check_arguments(path, cls, kwargs)
    for key, value in kwargs.items():
        for suffix, item in _iter_nested(value):
            nested = _own_class(item)
            if nested is not None:
                problems.extend(_check_built(f'{path}.{key}{suffix}', item, nested))
    return problems


def _iter_nested(value: Any) -> Iterator[Tuple[str, Any]]:
    """(path suffix, item) of ``value`` and of the items of a list/tuple value."""
    yield '', value
    if isinstance(value, (list, tuple)):
        yield from _as_list(value)


def _own_class(node: Any) -> Optional[Any]:
    """The micronet_dense registry that holds ``node['type']``, if ``node`` is such a dict.

    Nested dicts of other libraries are left alone: some are not plain constructor arguments
    (e.g. mmcv's ``norm_cfg=dict(type='BN', requires_grad=True)``).
    """
    if not isinstance(node, Mapping) or not isinstance(node.get('type'), str):
        return None
    for reg in vars(registries).values():
        if (isinstance(reg, Registry) and reg.scope == registries.MODELS.scope
                and node['type'] in reg.module_dict):
            return reg
    return None


def _parameters(obj: Callable) -> Tuple[Dict[str, inspect.Parameter], bool, Dict[str, Any]]:
    """Named parameters of a class or function, whether any keyword is accepted, type hints.

    A ``**kwargs`` of a class is followed through the MRO to the first ``__init__`` without one,
    which is where such classes forward their extra arguments.
    """
    owners = [obj]
    if inspect.isclass(obj):
        owners = [base.__init__ for base in obj.__mro__
                  if '__init__' in vars(base) and base is not object]
    params: Dict[str, inspect.Parameter] = {}
    hints: Dict[str, Any] = {}
    open_ended = True
    for owner in owners:
        try:
            signature = inspect.signature(owner)
        except (TypeError, ValueError):
            return params, True, hints
        try:
            owner_hints = typing.get_type_hints(owner)
        except Exception:  # a forward reference that does not resolve: resolve one by one
            owner_hints = {name: _resolve(owner, p.annotation)
                           for name, p in signature.parameters.items()}
        for name, param in signature.parameters.items():
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                params.setdefault(name, param)
                if name in owner_hints:
                    hints.setdefault(name, owner_hints[name])
        if not any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
            open_ended = False
            break
    return params, open_ended, hints


def _resolve(owner: Callable, annotation: Any) -> Any:
    """``annotation``, evaluated in ``owner``'s module if it is a string; Any if it cannot be."""
    if annotation is inspect.Parameter.empty:
        return Any
    if not isinstance(annotation, str):
        return annotation
    try:
        # The string is an annotation of library source, evaluated where it was written.
        return eval(annotation, getattr(owner, '__globals__', {}))
    except Exception:
        return Any


def _check_arguments(path: str, obj: Callable, kwargs: Mapping) -> List[str]:
    params, open_ended, hints = _parameters(obj)
    name = getattr(obj, '__name__', repr(obj))
    problems = []
    for key, value in kwargs.items():
        if key not in params:
            if not open_ended:
                close = difflib.get_close_matches(key, params, n=1)
                hint = f'; did you mean {close[0]!r}?' if close else ''
                problems.append(f'{path}: {name} has no argument {key!r}{hint}')
            continue
        if value is None and params[key].default is None:
            continue
        if key in hints and not _matches(value, hints[key]):
            problems.append(f'{path}.{key}: expected {_describe(hints[key])}, got '
                            f'{type(value).__name__} {value!r}')
    return problems


def _matches(value: Any, annotation: Any) -> bool:
    """Whether ``value`` fits ``annotation``; annotations not understood here always fit."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any or isinstance(annotation, typing.TypeVar):
        return True
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is type(None):
        return value is None
    if annotation in (dict, collections.abc.Mapping) or origin in (dict, collections.abc.Mapping):
        return isinstance(value, Mapping)
    sequence_types = (list, tuple, collections.abc.Sequence)
    if annotation in sequence_types or origin in sequence_types:
        if not isinstance(value, (list, tuple)):
            return False
        if origin is tuple and args and args[-1] is not Ellipsis:
            return len(value) == len(args) and all(map(_matches, value, args))
        return not args or all(_matches(item, args[0]) for item in value)
    return True


def _describe(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace('typing.', '')
