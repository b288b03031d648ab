"""micronet_dense: dense prediction (pose, segmentation) with MicroNet backbones."""
__version__ = '0.1.0'
