"""The trainer: corpus builders, training loop, evaluation, model registry."""
