"""Augmentation studio: a registry of TensorFlow ops, pipelines, presets and data-efficiency runs."""
