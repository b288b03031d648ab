"""Registries of micronet_dense, children of mmengine's root registries.

Every config of the project sets ``default_scope = 'micronet_dense'``; modules
register themselves here and are found through ``locations`` on first build, or all at once
through :func:`register_all_modules`. Every root registry the runner builds from has a child here,
even where the project registers nothing of its own (log processor, optimizer-wrapper
constructor, ...): mmengine warns at every build in a scope whose child registry is missing.
"""
import importlib

from mmengine.registry import DefaultScope
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['micronet_dense.models'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['micronet_dense.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['micronet_dense.datasets.transforms'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['micronet_dense.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['micronet_dense.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['micronet_dense.evaluation'])
KEYPOINT_CODECS = Registry('keypoint codec', locations=['micronet_dense.codecs'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['micronet_dense.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['micronet_dense.engine'])
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['micronet_dense.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['micronet_dense.engine'])
OPTIM_WRAPPERS = Registry(
    'optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=['micronet_dense.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, locations=['micronet_dense.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, locations=['micronet_dense.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, locations=['micronet_dense.visualization'])
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
RUNNER_CONSTRUCTORS = Registry('runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS)
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS)
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS)

# Every package whose modules register themselves in the registries above.
REGISTERING_PACKAGES = (
    'micronet_dense.models', 'micronet_dense.datasets', 'micronet_dense.datasets.transforms',
    'micronet_dense.codecs', 'micronet_dense.evaluation', 'micronet_dense.engine',
    'micronet_dense.visualization')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Imports all registering modules and makes 'micronet_dense' the default scope."""
    for name in REGISTERING_PACKAGES:
        importlib.import_module(name)
    if init_default_scope and DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('micronet_dense', scope_name='micronet_dense')
