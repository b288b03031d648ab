"""The bottom layer: helpers that import nothing else of micronet_dense (atomic file output)."""
