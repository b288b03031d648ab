"""Task heads."""
from .cls_head import MicroNetClsHead
from .micronet_pose_head import MicroNetPoseHead

__all__ = ['MicroNetClsHead', 'MicroNetPoseHead']
