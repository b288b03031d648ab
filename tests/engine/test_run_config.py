"""The end of a distributed run destroys its process group, also when the run fails."""
import pytest
import torch.distributed as dist

from micronet_dense.engine.run_config import process_group_scope


class RunFailed(Exception):
    pass


@pytest.mark.parametrize('fails', [False, True], ids=['ends', 'fails'])
def test_process_group_is_destroyed_when_the_run_ends(tmp_path, fails):
    try:
        with process_group_scope():
            dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store', rank=0,
                                    world_size=1)
            assert dist.is_initialized()
            if fails:
                raise RunFailed
    except RunFailed:
        assert fails
    assert not dist.is_initialized()
    with process_group_scope():  # no group: nothing to destroy
        pass
