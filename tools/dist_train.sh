#!/usr/bin/env bash
# Distributed training with torchrun on one node:  tools/dist_train.sh CONFIG GPUS [train.py args]
# PYTHON selects the interpreter (default: python on PATH), e.g. PYTHON=.venv/bin/python.
# NNODES, NODE_RANK, MASTER_ADDR, PORT select a multi-node run. The total batch is GPUS x the
# config's per-GPU batch; --auto-scale-lr scales the learning rate by it over
# auto_scale_lr.base_batch_size (linear scaling rule). Without CUDA the processes use gloo.
CONFIG=$1
GPUS=$2
shift 2
exec "${PYTHON:-python}" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" --nproc_per_node="$GPUS" \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "$@"
