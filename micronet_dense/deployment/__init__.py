"""Deployment: the fused inference fast path, its compiled form, ONNX export and int8
quantization, and latency measurement."""
from .compile import compile_model
from .fuse import fuse_model

__all__ = ['compile_model', 'fuse_model']
