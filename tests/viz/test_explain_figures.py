def test_a_map_is_stretched_to_the_display_size_keeping_its_values():
    import numpy as np

    from core.viz.explain_figures import upsampled

    attribution = np.zeros((28, 28), np.float32)
    attribution[:14] = 1.0
    big = upsampled(attribution, 112)
    assert big.shape == (112, 112) and big.max() == 1.0 and big.min() == 0.0
    assert big[:50].mean() == 1.0 and big[62:].mean() == 0.0
