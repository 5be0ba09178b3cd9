"""Champion/challenger arms by a stable hash of the account id.

The hash is 64-bit FNV-1a over the UTF-8 bytes of ``salt:account_id``, written out here so that an
account stays in its arm across runs, machines, engines and library upgrades (Polars' own hash is
stable only within one version). The salt is the strategy and segment, so that two experiments do
not split the book the same way.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

_BASIS = np.uint64(0xCBF29CE484222325)
_PRIME = np.uint64(0x100000001B3)
SLOTS = 10_000  # arm shares are whole percents: 100 slots each


def _fnv(prefix: bytes) -> np.uint64:
    value = _BASIS
    with np.errstate(over="ignore"):
        for byte in prefix:
            value = (value ^ np.uint64(byte)) * _PRIME
    return value


def stable_slots(keys: pl.Series, salt: str) -> pl.Series:
    """Each key's slot, 0 to 9,999: FNV-1a of ``salt:key`` modulo 10,000."""
    text = pc.cast(keys.cast(pl.String).to_arrow(), pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if text.null_count:
        raise ValueError("account ids must not be null")
    _, offsets_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    hashes = np.full(len(text), _fnv(f"{salt}:".encode()), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for position in range(int(lengths.max(initial=0))):
            rows = np.flatnonzero(lengths > position)
            hashes[rows] = (hashes[rows] ^ data[starts[rows] + position].astype(np.uint64)) * _PRIME
    return pl.Series("slot", (hashes % np.uint64(SLOTS)).astype(np.int32))
