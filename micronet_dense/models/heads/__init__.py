"""Task heads."""
from .cls_head import MicroNetClsHead
from .depth_head import DepthHead
from .micronet_pose_head import MicroNetPoseHead
from .mraspp_head import MRASPPHead

__all__ = ['MicroNetClsHead', 'DepthHead', 'MicroNetPoseHead', 'MRASPPHead']
