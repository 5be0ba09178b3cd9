"""The fixed master key of the tests (never a real one)."""

TEST_KEY = bytes(range(32))
TEST_KEY_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # TEST_KEY, as ARREARS_ENCRYPTION_KEY
