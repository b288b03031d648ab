"""Loading a config for a tools/ run: overrides, launcher and work dir, as mmengine tools do."""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def load_run_config(config: str, cfg_options: Optional[dict] = None, launcher: str = 'none',
                    work_dir: Optional[str] = None) -> Config:
    """``config`` with ``cfg_options`` merged; work dir defaults to ``work_dirs/<config name>``."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.launcher = launcher
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
