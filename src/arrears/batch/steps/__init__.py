"""The steps of the daily run: pure functions, DataFrame in, DataFrame out (EXAMPLES.md)."""
