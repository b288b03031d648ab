"""Building a model from a config (and a checkpoint) for inference."""
from pathlib import Path
from typing import Optional, Union

from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import nn

from micronet_dense.engine import mmengine_checkpoint_globals
from ._pipeline import config_dataset_meta
from micronet_dense.registry import MODELS
from micronet_dense.registry import register_all_modules
from micronet_dense.utils.config_paths import find_config


def init_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None) -> nn.Module:
    """Builds ``config.model`` in eval mode on ``device``, loading ``checkpoint`` if given.
    ``config`` is a config file, a shipped config's name (``'micronet_m0_coco'``) or a Config.

    The backbone's own ``init_cfg`` (a pretrained file) is skipped: the checkpoint, or random
    official initialisation, is what the caller asked for. ``model.dataset_meta`` (class names and
    palette, or the keypoint set, which inference and drawing read) is the one the checkpoint
    was trained with (``meta['dataset_meta']``, saved by the runner), else the config's test
    dataset's.
    """
    cfg = config if isinstance(config, Config) else Config.fromfile(find_config(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    register_all_modules()
    model_cfg = cfg.model.copy()
    if 'init_cfg' in model_cfg.get('backbone', {}):
        model_cfg.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    checkpoint_meta = {}
    if checkpoint is not None:
        with mmengine_checkpoint_globals():
            loaded = load_checkpoint(model, str(checkpoint), map_location='cpu', strict=True)
        checkpoint_meta = loaded.get('meta') or {}
    model.cfg = cfg
    model.dataset_meta = checkpoint_meta.get('dataset_meta') or config_dataset_meta(cfg)
    return model.to(device).eval()
