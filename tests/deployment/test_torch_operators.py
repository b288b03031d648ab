"""The project's PyTorch operators (the C kernels through PyTorch's dispatcher) against PyTorch's
own arithmetic, and the model with them against the fused model."""
import pytest
import torch
import torch.nn.functional as F

from micronet_dense.deployment import fuse_model
from micronet_dense.deployment.kernel_library import OperatorUnavailable
from micronet_dense.deployment.torch_operators import (KernelDepthwise, KernelShiftMax,
                                                       load_torch_operators,
                                                       resize_as_torch_operator,
                                                       with_torch_operators)
from micronet_dense.models.layers import FusedDynamicShiftMax, shift_max


@pytest.fixture(scope='module', autouse=True)
def operators():
    try:
        return load_torch_operators()
    except OperatorUnavailable as err:
        pytest.skip(str(err))


@pytest.fixture(params=[1, 2], ids=['1 thread', '2 threads'])
def threads(request):
    """Each case on one thread and on two: the operators split their rows over PyTorch's."""
    previous = torch.get_num_threads()
    torch.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(previous)


@pytest.mark.parametrize('fusions', [1, 2])
def test_shift_max_operator_matches_pytorch(threads, fusions):
    generator = torch.Generator().manual_seed(fusions)
    b, c = 2, 24
    # A channels-last input: the operator reads it through a contiguous copy.
    x = torch.randn(b, c, 40, 30, generator=generator).to(memory_format=torch.channels_last)
    coef = torch.randn(b, 2 * fusions * c, 1, 1, generator=generator)
    index1, index2 = (torch.randperm(c, generator=generator) for _ in range(2))
    out = torch.ops.micronet.dynamic_shift_max(x, coef, index1, index2)
    torch.testing.assert_close(out, shift_max(x, coef, index1, index2), rtol=0, atol=1e-6)


def test_shift_max_operator_rejects_an_index_out_of_range():
    x, coef = torch.randn(1, 4, 3, 3), torch.randn(1, 8)
    with pytest.raises(RuntimeError, match='dynamic_shift_max: a channel index is out of range'):
        torch.ops.micronet.dynamic_shift_max(x, coef, torch.arange(4), torch.tensor([0, 1, 2, 4]))


# (C, multipliers, H, W, k, stride, dilation): MicroNet's 3 and 5 taps at stride 1 and 2, channel
# multipliers, a dilated kernel.
@pytest.mark.parametrize('channels, mults, size, kernel, stride, dilation', [
    (16, (1, 1), (32, 24), 5, 1, 1), (6, (2, 2), (13, 10), 3, 2, 1), (4, (1, 3), (9, 7), 5, 2, 1),
    (4, (1, 1), (12, 9), 3, 1, 2)])
def test_depthwise_operator_matches_the_conv_pair(fused_separable, threads, channels, mults, size,
                                                  kernel, stride, dilation):
    mid = channels * mults[0]
    conv = fused_separable(channels, mid, mid * mults[1], kernel, stride, dilation,
                           (channels, mid), seed=kernel)
    x = torch.randn(2, channels, *size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected, actual = conv(x), KernelDepthwise(conv)(x)
    torch.testing.assert_close(actual, expected, rtol=0, atol=2e-5)


@pytest.mark.parametrize('in_size, out_size', [((8, 6), (16, 12)), ((16, 12), (64, 48)),
                                               ((7, 9), (3, 4))])
def test_resize_operator_matches_interpolate(threads, in_size, out_size):
    x = torch.randn(2, 5, *in_size, generator=torch.Generator().manual_seed(0))
    expected = F.interpolate(x, size=out_size, mode='bilinear', align_corners=False)
    interpolate = F.interpolate
    with resize_as_torch_operator():
        assert F.interpolate is not interpolate
        actual = F.interpolate(x, size=out_size, mode='bilinear', align_corners=False)
        # Whole scale factors take the operator too.
        doubled = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
    assert F.interpolate is interpolate
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-6)
    torch.testing.assert_close(
        doubled, F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False),
        rtol=0, atol=1e-6)
    torch.testing.assert_close(torch.ops.micronet.resize_bilinear(x, list(out_size)), expected,
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize('task, shape', [('pose', (64, 48)), ('seg', (64, 128))])
def test_model_with_the_operators_matches_the_fused_model(build_model, task, shape):
    fused = fuse_model(build_model(task, 'm0'))
    with_kernels = with_torch_operators(fuse_model(build_model(task, 'm0')))
    shift_maxes = sum(isinstance(m, FusedDynamicShiftMax) for m in fused.modules())
    assert sum(isinstance(m, KernelShiftMax) for m in with_kernels.modules()) == shift_maxes > 0
    assert sum(isinstance(m, KernelDepthwise) for m in with_kernels.modules()) > 0
    x = torch.randn(2, 3, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), resize_as_torch_operator():
        actual = with_kernels(x, mode='tensor')
    with torch.no_grad():
        expected = fused(x, mode='tensor')
    assert expected.abs().max() > 0.1
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5 * expected.abs().max())
