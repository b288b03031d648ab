"""Every test runs with micronet_dense's modules registered and its default scope set, as the
tools do."""
from micronet_dense.utils import register_all_modules

register_all_modules()
