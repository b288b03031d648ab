"""A one-line summary of ``init_weights`` instead of mmengine's line per parameter."""
from collections import Counter

from mmengine.dist import master_only
from mmengine.logging import print_log


class InitSummaryMixin:
    """For ``BaseModule`` subclasses built as the top-level model.

    mmengine's ``BaseModule.init_weights`` ends, on the top-level module, with
    ``_dump_init_info``, which logs (or writes to the log file) every parameter with how it was
    initialised: hundreds of lines for a MicroNet. This override logs how many parameter tensors
    each kind of initialisation covered, in one line.
    """

    @master_only
    def _dump_init_info(self) -> None:
        kinds = Counter(' '.join(self._params_init_info[param]['init_info'].split())
                        for _, param in self.named_parameters())
        total = sum(kinds.values())
        print_log(f'{type(self).__name__}.init_weights: {total} parameter tensors; '
                  + '; '.join(f'{count}: {kind}' for kind, count in kinds.most_common()),
                  logger='current')
