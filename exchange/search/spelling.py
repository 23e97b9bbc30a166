"""Dutch-aware spelling distance, in plain Python (the engine's vocabulary and the tests use it).

A weighted Damerau-Levenshtein distance: a wrong, missing or extra letter costs 1, but the slips Dutch writers
make most cost less: a doubled or undoubled letter (`jongvolwasenen` / `jongvolwassenen`), `ij` / `y`,
`ei` / `ij`, `au` / `ou` (CHEAP), and two swapped neighbours (SWAP). `variants` gives the spellings of a word
with those slips undone, so a symmetric-delete lookup (one deletion on each side) finds candidates that are
one ordinary edit away from any of them.
"""

from __future__ import annotations

CHEAP = 0.3  # doubled letter, ij/y, ei/ij, au/ou
SWAP = 0.5  # two neighbouring letters swapped
PAIRS = (("ij", "y"), ("ei", "ij"), ("au", "ou"))


_DIRECTED = tuple((x, y) for p, q in PAIRS for x, y in ((p, q), (q, p)))


def dutch_distance(a: str, b: str) -> float:
    """The weighted edit distance of two folded words (0 when equal)."""
    if a == b:
        return 0.0
    n, m = len(a), len(b)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = d[i - 1][0] + (CHEAP if i > 1 and a[i - 1] == a[i - 2] else 1.0)
    for j in range(1, m + 1):
        d[0][j] = d[0][j - 1] + (CHEAP if j > 1 and b[j - 1] == b[j - 2] else 1.0)
    for i in range(1, n + 1):
        ai = a[i - 1]
        for j in range(1, m + 1):
            bj = b[j - 1]
            # Deleting a[i-1] (or inserting b[j-1]) is cheap when it doubles its neighbour.
            dele = CHEAP if (i > 1 and ai == a[i - 2]) or (i < n and ai == a[i]) else 1.0
            ins = CHEAP if (j > 1 and bj == b[j - 2]) or (j < m and bj == b[j]) else 1.0
            best = min(
                d[i - 1][j] + dele,
                d[i][j - 1] + ins,
                d[i - 1][j - 1] + (0.0 if ai == bj else 1.0),
            )
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj and ai != bj:
                best = min(best, d[i - 2][j - 2] + SWAP)
            for left, right in _DIRECTED:
                if a.endswith(left, 0, i) and b.endswith(right, 0, j):
                    best = min(best, d[i - len(left)][j - len(right)] + CHEAP)
            d[i][j] = best
    return round(d[n][m], 6)


def variants(word: str) -> set[str]:
    """`word` and its spellings with one Dutch slip changed: ij<->y, ei<->ij, au<->ou, or a doubled letter
    made single (a missing doubled letter needs no variant: deleting it from the right word gives the typed
    one, which the deletion lookup finds)."""
    out = {word}
    for left, right in _DIRECTED:
        start = word.find(left)
        while start != -1:
            out.add(word[:start] + right + word[start + len(left) :])
            start = word.find(left, start + 1)
    for i in range(1, len(word)):
        if word[i] == word[i - 1]:
            out.add(word[:i] + word[i + 1 :])
    return out


def deletions(word: str) -> set[str]:
    """`word` with one letter removed, every way (the symmetric-delete neighbourhood of distance 1)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def max_distance(word: str) -> float:
    """How far a confident correction may be from a word of this length."""
    if len(word) < 4:
        return 0.0
    if len(word) < 7:
        return 1.0
    return 1.6
