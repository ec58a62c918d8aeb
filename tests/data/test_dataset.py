import numpy as np
import pytest

from core.data.dataset import Dataset, Split, to_float
from core.errors import DatasetError
from tests.conftest import make_dataset


def test_split_and_dataset_validate_their_arrays():
    with pytest.raises(DatasetError, match="uint8 NHWC"):
        Split(np.zeros((2, 28, 28), dtype=np.uint8), np.zeros(2, dtype=np.int64))
    with pytest.raises(DatasetError, match="3 images but 2 labels"):
        Split(np.zeros((3, 28, 28, 1), dtype=np.uint8), np.zeros(2, dtype=np.int64))
    good = make_dataset()
    with pytest.raises(DatasetError, match="lacks the test split"):
        Dataset("x", "X", "binary", ("a", "b"), {k: v for k, v in good.splits.items() if k != "test"})
    with pytest.raises(DatasetError, match="not supported"):
        Dataset("x", "X", "multilabel", ("a", "b"), good.splits)


def test_as_tf_yields_scaled_float_batches(pneumonia):
    batches = list(pneumonia.as_tf("test", 100).take(2))
    images, labels = batches[0]
    assert images.shape == (100, 28, 28, 1) and images.dtype.name == "float32"
    assert float(images.numpy().min()) >= 0.0 and float(images.numpy().max()) <= 1.0
    np.testing.assert_allclose(images.numpy(), to_float(pneumonia.images("test")[:100]))
    assert labels.numpy().tolist() == pneumonia.labels("test")[:100].tolist()


def test_shuffle_is_seeded_and_changes_each_epoch():
    dataset = make_dataset(n=64)

    def epoch_orders(seed):
        data = dataset.as_tf("train", 64, shuffle=True, seed=seed)
        return [next(iter(data))[0].numpy() for _ in range(2)]

    first, again, other = epoch_orders(1), epoch_orders(1), epoch_orders(2)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], other[0])


def test_augment_receives_batches_and_per_batch_seeds():
    dataset = make_dataset(n=32)
    seen = []

    def augment(images, labels, seed):
        import tensorflow as tf

        seen.append(seed.shape)
        return images * 0.0 + tf.cast(tf.reduce_sum(seed) % 7, tf.float32) / 10.0, labels

    batches = [b[0].numpy() for b in dataset.as_tf("train", 8, augment=augment)]
    assert len(batches) == 4 and seen and seen[0] == (2,)
    values = {round(float(b.mean()), 3) for b in batches}
    assert len(values) > 1, "every batch got the same seed"


def test_class_counts_and_properties(breast):
    assert breast.class_counts("train").tolist() == [147, 399]
    assert breast.num_classes == 2 and breast.channels == 1
    with pytest.raises(DatasetError, match="Unknown split"):
        breast.images("holdout")


def test_at_size_shrinks_every_split_and_refuses_to_enlarge():
    dataset = make_dataset(n=12)
    small = dataset.at_size(14)
    assert small.image_shape == (14, 14, 1) and small.squaring == dataset.squaring
    np.testing.assert_array_equal(small.labels("test"), dataset.labels("test"))
    assert dataset.at_size(28) is dataset
    with pytest.raises(DatasetError, match="enlarging adds no detail"):
        dataset.at_size(56)


def test_a_large_split_streams_from_its_memory_map_with_the_same_batches(tmp_path, monkeypatch):
    from core.data import dataset as module

    dataset = make_dataset(n=40)
    path = tmp_path / "train.npy"
    np.save(path, dataset.images("train"))
    mapped = np.load(path, mmap_mode="r")
    streamed = Dataset(
        "x", "X", dataset.task, dataset.class_names, {**dataset.splits, "train": Split(mapped, dataset.labels("train"))}
    )
    monkeypatch.setattr(module, "STREAM_BYTES", 0)
    images, labels = next(iter(streamed.as_tf("train", 64)))
    np.testing.assert_allclose(images.numpy(), to_float(dataset.images("train")))
    assert labels.numpy().tolist() == dataset.labels("train").tolist()
    first = np.concatenate([y.numpy() for _, y in streamed.as_tf("train", 8, shuffle=True, seed=3)])
    again = np.concatenate([y.numpy() for _, y in streamed.as_tf("train", 8, shuffle=True, seed=3)])
    assert sorted(first.tolist()) == sorted(dataset.labels("train").tolist())
    np.testing.assert_array_equal(first, again)
