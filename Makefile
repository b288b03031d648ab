# Set-up and the two main commands (see README). TORCH_SPEC overrides the torch requirement.
PY := .venv/bin/python
export TORCH_SPEC ?= torch==2.13.0

.PHONY: setup train-sample test

setup:
	bash scripts/bootstrap.sh

# Generates data/coco_sample on first use and trains the sample pose config on the CPU.
train-sample: setup
	$(PY) tools/train.py configs/pose/micronet_m0_coco_sample.py

test: setup
	$(PY) -m pytest -q
