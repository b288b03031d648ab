"""Deployment: the fused inference fast path, ONNX export and latency measurement."""
from .fuse import fuse_model

__all__ = ['fuse_model']
