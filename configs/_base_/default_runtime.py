# Runtime shared by every config: scope, hooks, logging, environment.
default_scope = 'micronet_dense'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Checkpoint and `last_checkpoint` pointer written to a temporary name and renamed, the
    # oldest checkpoint deleted only after that: a kill never leaves resume a truncated file.
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# A NaN or Inf loss stops training, naming the epoch and iteration, before it is checkpointed;
# randomness inside the model (dropout) is seeded per iteration, so a resumed run draws the same.
custom_hooks = [dict(type='FiniteLossHook'), dict(type='IterationSeedHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl for GPUs; tools/ switch to gloo on a machine without CUDA (or set
    # --cfg-options env_cfg.dist_cfg.backend=gloo).
    dist_cfg=dict(backend='nccl'),
)
# Multi-GPU runs may convert BatchNorm to SyncBatchNorm: sync_bn = 'torch'. Per-GPU batches of
# the configs (32 pose crops, 8 Cityscapes crops) are large enough for plain BatchNorm.
# The runner's visualizer: it logs the scalars and draws the predictions of
# `tools/test.py --show-dir` (which adds an ImageFolderVisBackend writing DIR/<image>.png), so
# every backend here receives them. For TensorBoard (pip install tensorboard) add
# dict(type='TensorboardVisBackend'); for Weights & Biases, dict(type='WandbVisBackend').
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DenseLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
# A fixed seed; deterministic=True additionally makes a resumed run reproduce an uninterrupted
# one exactly (augmentation seeds: micronet_dense/datasets/augmentation_seeds.py).
randomness = dict(seed=0)
