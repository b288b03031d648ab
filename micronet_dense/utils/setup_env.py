"""Registration of every micronet_dense module in the registries."""
import importlib

from mmengine.registry import DefaultScope

_MODULES = ('micronet_dense.models', 'micronet_dense.datasets', 'micronet_dense.datasets.transforms',
            'micronet_dense.codecs', 'micronet_dense.evaluation', 'micronet_dense.engine',
            'micronet_dense.visualization')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Imports all registering modules and makes 'micronet_dense' the default scope."""
    for name in _MODULES:
        importlib.import_module(name)
    if init_default_scope and DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('micronet_dense', scope_name='micronet_dense')
