import pytest


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray cluster of 2 workers for every test that needs it, shut down at the end."""
    import cloudpickle

    from core.compute import cluster
    from core.compute.config import ComputeConfig

    config = ComputeConfig("ray", workers=2)
    cluster.connect(config)
    from tests.compute import trials

    cloudpickle.register_pickle_by_value(trials)  # the test trials travel by value: workers need not import tests/
    yield config
    cluster.shutdown()
