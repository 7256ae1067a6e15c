"""Fixtures shared across test modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """One local Ray cluster (2 CPUs) for every test that needs one, started once.

    Ray is part of the test extra, so these tests run in CI; without it (a partial
    install) they skip with the reason.
    """
    ray = pytest.importorskip("ray", reason="the test extra installs ray")
    import logging

    started = not ray.is_initialized()
    if started:
        # "local": a new instance even if `ray start` left a cluster on this machine
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
    yield ray
    if started:
        ray.shutdown()
