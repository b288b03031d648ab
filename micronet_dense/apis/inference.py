"""Building a model from a config (and a checkpoint) for inference."""
from pathlib import Path
from typing import Optional, Union

from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import nn

from micronet_dense.engine import mmengine_checkpoint_globals
from micronet_dense.registry import MODELS
from micronet_dense.utils import register_all_modules
from micronet_dense.utils.config_paths import find_config


def init_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None) -> nn.Module:
    """Builds ``config.model`` in eval mode on ``device``, loading ``checkpoint`` if given.
    ``config`` is a config file, a shipped config's name (``'micronet_m0_coco'``) or a Config.

    The backbone's own ``init_cfg`` (a pretrained file) is skipped: the checkpoint, or random
    official initialisation, is what the caller asked for.
    """
    cfg = config if isinstance(config, Config) else Config.fromfile(find_config(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    register_all_modules()
    model_cfg = cfg.model.copy()
    if 'init_cfg' in model_cfg.get('backbone', {}):
        model_cfg.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        with mmengine_checkpoint_globals():
            load_checkpoint(model, str(checkpoint), map_location='cpu', strict=True)
    model.cfg = cfg
    return model.to(device).eval()
