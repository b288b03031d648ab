"""Task heads."""
from .cls_head import MicroNetClsHead
from .micronet_pose_head import MicroNetPoseHead
from .mraspp_head import MRASPPHead

__all__ = ['MicroNetClsHead', 'MicroNetPoseHead', 'MRASPPHead']
