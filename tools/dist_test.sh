#!/usr/bin/env bash
# Distributed testing with torchrun on one node:  tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# PYTHON selects the interpreter (default: python on PATH), e.g. PYTHON=.venv/bin/python.
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
shift 3
exec "${PYTHON:-python}" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" --nproc_per_node="$GPUS" \
    "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
