"""Sets of documents as bitmaps (Python integers, one bit per document), and a small LRU cache for them."""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Iterable
from itertools import repeat

_NONZERO = re.compile(rb"[^\x00]")
_BITS_OF_BYTE = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]


def ids_to_bits(ids: Iterable[int], size: int) -> int:
    """The bitmap of document numbers below `size`: a "0"/"1" character per document, set in C (map), then
    read as one base-2 number (a loop of bit operations per id in Python took twice as long)."""
    if size <= 0:
        return 0
    buf = bytearray(b"0") * size
    deque(map(buf.__setitem__, ids, repeat(49)), maxlen=0)  # 49 = ord("1")
    buf.reverse()
    return int(buf, 2)


def bits_to_ids(bits: int) -> list[int]:
    """Document numbers of the set bits, in order (fast when few are set: skips zero bytes in C)."""
    if not bits:
        return []
    raw = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    out: list[int] = []
    for m in _NONZERO.finditer(raw):
        i = m.start()
        base = i << 3
        out.extend(base + j for j in _BITS_OF_BYTE[raw[i]])
    return out


class LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = make()
            self[key] = value
            if len(self) > self.size:
                self.popitem(last=False)
            return value
