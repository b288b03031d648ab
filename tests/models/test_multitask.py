"""MultiTaskEstimator: outputs, predictions the metrics accept, per-task losses and weights,
partially labelled batches, and learning on a tiny synthetic batch."""
import math

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.structures import BaseDataElement, PixelData

from micronet_dense.evaluation.metrics import DepthMetric, IoUMetric
from micronet_dense.models import MultiTaskEstimator

NUM_CLASSES = 3


def build(task_weighting=None, depth_loss='DepthL1Loss', seed=0, max_depth=None):
    torch.manual_seed(seed)
    return MultiTaskEstimator(
        backbone=dict(type='MicroNet', arch='m0', out_indices=(2, 4), strides=(2, 2, 2, 2, 1)),
        tasks=dict(
            seg=dict(type='SemanticSegmentationTask',
                     head=dict(type='MRASPPHead', in_channels=(12, 384), channels=16,
                               mid_channels=16, groups=4, num_classes=NUM_CLASSES)),
            depth=dict(type='DepthEstimationTask', loss=dict(type=depth_loss), max_depth=max_depth,
                       head=dict(type='DepthHead', in_channels=(12, 384), channels=16,
                                 mid_channels=16, groups=4, init_depth=5.0))),
        task_weighting=task_weighting)


def synthetic_batch(seed=0, size=(64, 64)):
    """Two images: classes by column band, depth growing down the rows, holes in the depth."""
    rng = np.random.default_rng(seed)
    h, w = size
    inputs = torch.from_numpy(rng.normal(size=(2, 3, h, w)).astype(np.float32))
    cols = np.arange(w)[None, :].repeat(h, 0)
    seg = torch.from_numpy((cols * NUM_CLASSES // w)[None].astype(np.int64))
    rows = np.linspace(2.0, 20.0, h, dtype=np.float32)[:, None].repeat(w, 1)
    depth = torch.from_numpy(rows[None].copy())
    depth[:, :8] = 0
    samples = []
    for index in range(2):
        samples.append(BaseDataElement(
            metainfo=dict(img_shape=size, ori_shape=size, img_path=f'img{index}.png'),
            gt_sem_seg=PixelData(data=seg.clone()),
            gt_depth_map=PixelData(data=depth.clone() * (1 + index))))
    return inputs, samples


def without(samples, field, indices):
    """Copies of ``samples`` with ``field`` removed from the images at ``indices``."""
    copies = [sample.clone() for sample in samples]
    for index in indices:
        delattr(copies[index], field)
    return copies


def test_tensor_mode_gives_each_task_at_input_size():
    outputs = build().eval()(torch.randn(2, 3, 64, 96), mode='tensor')
    assert list(outputs) == ['seg', 'depth']
    assert outputs['seg'].shape == (2, NUM_CLASSES, 64, 96)
    assert outputs['depth'].shape == (2, 1, 64, 96) and (outputs['depth'] > 0).all()


def test_predict_fills_every_task_at_the_original_size_and_the_metrics_accept_it():
    model = build().eval()
    inputs, samples = synthetic_batch()
    for sample in samples:
        sample.set_metainfo(dict(img_shape=(60, 64), ori_shape=(30, 32)))
        sample.gt_sem_seg = PixelData(data=sample.gt_sem_seg.data[:, :30, :32])
        sample.gt_depth_map = PixelData(data=sample.gt_depth_map.data[:, 20:50, :32])
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
    assert out[0].pred_sem_seg.data.shape == (1, 30, 32)
    assert out[0].pred_sem_seg.data.dtype == torch.long
    assert out[0].pred_sem_seg.data.max() < NUM_CLASSES
    assert out[0].pred_depth_map.data.shape == (1, 30, 32)
    assert (out[0].pred_depth_map.data > 0).all()
    # The prediction is the output of the unpadded region resized to the original size.
    with torch.no_grad():
        depth = model(inputs, mode='tensor')['depth'][:1, :, :60, :64]
    expected = torch.nn.functional.interpolate(depth, size=(30, 32), mode='bilinear',
                                               align_corners=False)[0]
    torch.testing.assert_close(out[0].pred_depth_map.data, expected)
    seg_metric, depth_metric = IoUMetric(num_classes=NUM_CLASSES), DepthMetric()
    as_dicts = [sample.to_dict() for sample in out]
    seg_metric.process([], as_dicts)
    depth_metric.process([], as_dicts)
    assert 0 <= seg_metric.evaluate(2)['mIoU'] <= 100
    assert 0 <= depth_metric.evaluate(2)['delta3'] <= 1


def test_loss_logs_each_task_term_weight_and_unweighted_loss():
    model = build(dict(type='FixedTaskWeighting', weights=dict(depth=0.1))).eval()
    inputs, samples = synthetic_batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_seg', 'loss_depth', 'seg_weight', 'depth_weight',
                           'seg_unweighted', 'depth_unweighted'}
    assert float(losses['depth_weight']) == pytest.approx(0.1)
    assert float(losses['loss_depth'].detach()) == pytest.approx(
        0.1 * float(losses['depth_unweighted']), rel=1e-6)
    assert float(losses['loss_seg'].detach()) == pytest.approx(float(losses['seg_unweighted']),
                                                               rel=1e-6)
    # The seg loss is the cross-entropy of the logits at label size; the depth loss the L1 over
    # the measured pixels of the upsampled depth.
    with torch.no_grad():
        outputs = model(inputs, mode='tensor')
    labels = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    ce = torch.nn.functional.cross_entropy(outputs['seg'], labels)
    assert float(losses['seg_unweighted']) == pytest.approx(float(ce), rel=1e-5)
    gt = torch.stack([s.gt_depth_map.data for s in samples])
    l1 = (outputs['depth'] - gt).abs()[gt > 0].mean()
    assert float(losses['depth_unweighted']) == pytest.approx(float(l1), rel=1e-5)


def test_depth_beyond_max_depth_is_not_supervised():
    model = build(max_depth=10.0).eval()
    inputs, samples = synthetic_batch()
    with torch.no_grad():
        losses = model(inputs, samples, mode='loss')
        outputs = model(inputs, mode='tensor')
    gt = torch.stack([s.gt_depth_map.data for s in samples])
    supervised = (gt > 0) & (gt <= 10.0)
    l1 = (outputs['depth'] - gt).abs()[supervised].mean()
    assert float(losses['depth_unweighted']) == pytest.approx(float(l1), rel=1e-5)
    # A batch measured only beyond the cap has no depth label at all.
    for sample in samples:
        sample.gt_depth_map = PixelData(data=sample.gt_depth_map.data + 100.0)
    losses = model(inputs, samples, mode='loss')
    assert 'depth_unweighted' not in losses and float(losses['loss_depth'].detach()) == 0.0


def test_images_without_a_task_label_add_nothing_to_its_loss():
    model = build().eval()  # running BN statistics: each image's output is its own
    inputs, samples = synthetic_batch()
    partial = model(inputs, without(without(samples, 'gt_depth_map', [1]), 'gt_sem_seg', [0]),
                    mode='loss')
    first = model(inputs[:1], samples[:1], mode='loss')
    second = model(inputs[1:], samples[1:], mode='loss')
    assert float(partial['depth_unweighted']) == pytest.approx(float(first['depth_unweighted']),
                                                               rel=1e-5)
    assert float(partial['seg_unweighted']) == pytest.approx(float(second['seg_unweighted']),
                                                             rel=1e-5)


def test_a_task_unlabelled_in_the_whole_batch_has_a_zero_term_and_keeps_its_state():
    model = build(dict(type='UncertaintyTaskWeighting')).train()
    inputs, samples = synthetic_batch()
    losses = model(inputs, without(samples, 'gt_depth_map', [0, 1]), mode='loss')
    assert 'depth_unweighted' not in losses and float(losses['loss_depth'].detach()) == 0.0
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    depth_grads = [p.grad for p in model.tasks.depth.parameters()]
    assert all(g is not None and not g.any() for g in depth_grads)  # in the graph, zero
    assert model.task_weighting.log_variances.grad.tolist()[1] == 0.0


def test_uncertainty_weighting_is_applied_and_learned():
    model = build(dict(type='UncertaintyTaskWeighting', init_log_variance=math.log(2.0))).eval()
    inputs, samples = synthetic_batch()
    losses = model(inputs, samples, mode='loss')
    for task in ('seg', 'depth'):
        assert float(losses[f'{task}_weight']) == pytest.approx(0.5)
        assert float(losses[f'loss_{task}'].detach()) == pytest.approx(
            0.5 * float(losses[f'{task}_unweighted']) + math.log(2.0), rel=1e-6)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    # d/ds (exp(-s) L + s) = 1 - exp(-s) L.
    expected = [1 - 0.5 * float(losses[f'{t}_unweighted']) for t in ('seg', 'depth')]
    assert model.task_weighting.log_variances.grad.tolist() == pytest.approx(expected, rel=1e-5)


def test_dwa_weights_follow_the_epoch_losses_of_the_runner_epoch():
    model = build(dict(type='DynamicWeightAverage', temperature=2.0)).eval()
    inputs, samples = synthetic_batch()
    hub = MessageHub.get_instance('multitask_dwa_test')
    history = []
    for epoch, depth_scale in enumerate((1.0, 3.0, 1.0)):
        hub.update_info('epoch', epoch)  # as mmengine's RuntimeInfoHook does
        scaled = [sample.clone() for sample in samples]
        for sample in scaled:
            sample.gt_depth_map = PixelData(data=sample.gt_depth_map.data * depth_scale)
        losses = model(inputs, scaled, mode='loss')
        history.append({k: float(v.detach()) for k, v in losses.items()})
    assert history[0]['depth_weight'] == history[1]['depth_weight'] == 1.0
    ratios = [history[1][f'{t}_unweighted'] / history[0][f'{t}_unweighted']
              for t in ('seg', 'depth')]
    exps = [math.exp(r / 2.0) for r in ratios]
    for task, e in zip(('seg', 'depth'), exps):
        weight = 2 * e / sum(exps)
        assert history[2][f'{task}_weight'] == pytest.approx(weight, rel=1e-5)
        assert history[2][f'loss_{task}'] == pytest.approx(
            weight * history[2][f'{task}_unweighted'], rel=1e-5)
    assert ratios[1] > 1.5 and history[2]['depth_weight'] > 1.0 > history[2]['seg_weight']


@pytest.mark.parametrize('depth_loss', ['DepthL1Loss', 'ScaleInvariantLogLoss'])
def test_a_few_steps_fit_a_tiny_batch(depth_loss):
    model = build(depth_loss=depth_loss).train()
    inputs, samples = synthetic_batch(size=(32, 64))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    history = []
    for _ in range(30):
        losses = model(inputs, samples, mode='loss')
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
        history.append({k: float(losses[f'{k}_unweighted']) for k in ('seg', 'depth')})
    for task in ('seg', 'depth'):
        assert history[-1][task] < 0.5 * history[0][task], (task, history[0], history[-1])


def test_configuration_errors():
    with pytest.raises(ValueError, match='task names must be identifiers'):
        MultiTaskEstimator(backbone=dict(type='MicroNet', arch='m0'), tasks={'seg.x': {}})
    seg = dict(type='SemanticSegmentationTask', head=dict(type='MRASPPHead', in_channels=(12, 384),
                                                        channels=8, mid_channels=8, num_classes=2))
    with pytest.raises(ValueError, match='two tasks write the same prediction field'):
        MultiTaskEstimator(backbone=dict(type='MicroNet', arch='m0', out_indices=(2, 4)),
                           tasks=dict(a=seg, b=seg))
    model = MultiTaskEstimator(backbone=dict(type='MicroNet', arch='m0', out_indices=(4,)),
                               tasks=dict(seg=seg)).eval()
    with pytest.raises(IndexError, match=r'in_index \(0, 1\) but the backbone gives 1 outputs'):
        model(torch.randn(1, 3, 32, 32), mode='tensor')
    with pytest.raises(ValueError, match='mode must be'):
        model(torch.randn(1, 3, 32, 32), mode='bogus')
    with pytest.raises(ValueError, match='max_depth must be > 0, got 0'):
        build(max_depth=0.0)


def _ddp_steps(rank, init_file, weighting, queue):
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                         world_size=2)
    torch.set_num_threads(1)
    model = torch.nn.parallel.DistributedDataParallel(build(weighting).train())
    inputs, samples = synthetic_batch(size=(32, 64))
    # Rank 1 sees no depth label in its batch, rank 0 no segmentation label in its first image.
    samples = (without(samples, 'gt_sem_seg', [0]) if rank == 0
               else without(samples, 'gt_depth_map', [0, 1]))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for _ in range(2):  # a parameter left out of the graph fails in the second step
        losses = model(inputs, samples, mode='loss')
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optimizer.step()
    # Small messages only: the parent reads the queue after both processes have ended.
    queue.put((rank, [float(p.detach().double().abs().sum()) for p in model.module.parameters()]))
    # No destroy_process_group: its Gloo destructor can deadlock on the GIL, and a forked
    # process ends with os._exit, which leaves the group to the OS.


@pytest.mark.parametrize('weighting', [None, dict(type='UncertaintyTaskWeighting')],
                         ids=['fixed', 'uncertainty'])
def test_distributed_steps_with_a_task_unlabelled_on_one_process(weighting, tmp_path):
    queue = torch.multiprocessing.get_context('fork').SimpleQueue()
    torch.multiprocessing.start_processes(
        _ddp_steps, args=(str(tmp_path / 'init'), weighting, queue), nprocs=2,
        start_method='fork')
    params = dict(queue.get() for _ in range(2))
    # Gradients were averaged: the replicas agree.
    np.testing.assert_allclose(params[0], params[1], rtol=1e-6)


def _ddp_dwa_epochs(rank, init_file, queue):
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                         world_size=2)
    torch.set_num_threads(1)
    model = torch.nn.parallel.DistributedDataParallel(
        build(dict(type='DynamicWeightAverage')).eval())  # eval: losses depend on the batch only
    inputs, samples = synthetic_batch(size=(32, 64))
    hub = MessageHub.get_instance(f'ddp_dwa_{rank}')
    logged = []
    for epoch, scale in enumerate((1.0, 2.0 + rank, 1.0)):  # one step an epoch
        hub.update_info('epoch', epoch)
        scaled = [sample.clone() for sample in samples]
        for sample in scaled:
            sample.gt_depth_map = PixelData(data=sample.gt_depth_map.data * scale)
        losses = model(inputs, scaled, mode='loss')
        logged.append({k: float(v.detach()) for k, v in losses.items()})
    queue.put((rank, logged))
    # No destroy_process_group: its Gloo destructor can deadlock on the GIL, and a forked
    # process ends with os._exit, which leaves the group to the OS.


def test_distributed_dwa_averages_the_epoch_losses_of_every_process(tmp_path):
    queue = torch.multiprocessing.get_context('fork').SimpleQueue()
    torch.multiprocessing.start_processes(_ddp_dwa_epochs, args=(str(tmp_path / 'init'), queue),
                                          nprocs=2, start_method='fork')
    logged = dict(queue.get() for _ in range(2))
    means = [[sum(logged[r][e][f'{t}_unweighted'] for r in (0, 1)) / 2 for t in ('seg', 'depth')]
             for e in (0, 1)]
    exps = [math.exp(means[1][t] / means[0][t] / 2.0) for t in (0, 1)]
    for rank in (0, 1):
        assert logged[rank][2]['seg_weight'] == pytest.approx(2 * exps[0] / sum(exps), rel=1e-5)
        assert logged[rank][2]['depth_weight'] == pytest.approx(2 * exps[1] / sum(exps), rel=1e-5)
    assert logged[0][1]['depth_unweighted'] != logged[1][1]['depth_unweighted']
