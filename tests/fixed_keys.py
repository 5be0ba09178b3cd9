"""The fixed master key of the tests (never a real one)."""

TEST_KEY = bytes(range(32))
