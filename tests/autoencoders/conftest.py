"""The autoencoder chapter's shared test fixture: one small lab per session."""

import pytest
from autoencoders.lab import Lab, LabSize

from reviewkit.autoencoders.cache import ModelCache

#: The pages' experiments at test size: 30 epochs (the pages use 50; the
#: claims already hold at 30) and 600 training images for the 16x16 models.
TEST_SIZE = LabSize(epochs=30, masked_train=600)


@pytest.fixture(scope="session")
def lab() -> Lab:
    """The chapter's lab at test size, with an in-memory cache shared by all tests."""
    return Lab(TEST_SIZE, cache=ModelCache(disk=False))
