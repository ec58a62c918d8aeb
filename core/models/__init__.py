"""Models: architectures, training, evaluation and the on-disk model store."""
