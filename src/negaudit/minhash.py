"""MinHash signatures and a banded LSH index: which held token sets may share half their tokens.

A signature is NUM_PERM minima over the set's tokens of a 64-bit hash, one hash per permutation:
murmur3's 64-bit finaliser (fmix64) of the token's 64-bit blake2b digest XOR a per-permutation seed,
the seeds drawn once from a fixed seed (runs are reproducible). A linear a*h + b with small factors
is not enough here: it keeps the order of most tokens, so all the permutations pick the same
minimum. Two sets agree on one minimum with probability close to their Jaccard similarity J. The
index cuts a signature into BANDS bands of ROWS minima; two sets that agree on a whole band become
candidates, with probability 1 - (1 - J^ROWS)^BANDS: 0.94 at J = 0.5, 0.44 at J = 0.3, 0.15 at J = 0.2. Candidates are only
proposals: the caller checks them exactly (clustering.same_claim).

Hand-written (numpy, already installed with spaCy) rather than datasketch: datasketch's LSH needs
scipy to choose its bands, 113 MB more in every install, CI run and pre-commit environment, for a
dozen lines of arithmetic.
"""
from __future__ import annotations

import hashlib
from typing import Hashable, Iterable

import numpy as np

ROWS = 3
BANDS = 21
NUM_PERM = ROWS * BANDS
_SEEDS = np.random.RandomState(1).randint(0, 2**63 - 1, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def signature(tokens: Iterable[str]) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint64 minima) of a non-empty set of tokens."""
    h = np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                     for t in tokens), dtype=np.uint64)
    k = h[:, None] ^ _SEEDS[None, :]
    with np.errstate(over="ignore"):  # the multiplications are meant to wrap modulo 2^64
        k ^= k >> _S33
        k *= _M1
        k ^= k >> _S33
        k *= _M2
        k ^= k >> _S33
    return k.min(axis=0)


class LSHIndex:
    """Keys with signatures; `query` gives the keys that share at least one band with a signature."""

    def __init__(self) -> None:
        self._bands: list[dict[bytes, set]] = [{} for _ in range(BANDS)]
        self._keys: dict[Hashable, list[bytes]] = {}

    @staticmethod
    def _cut(sig: np.ndarray) -> list[bytes]:
        return [sig[i * ROWS:(i + 1) * ROWS].tobytes() for i in range(BANDS)]

    def insert(self, key: Hashable, sig: np.ndarray) -> None:
        if key in self._keys:
            raise ValueError(f"key {key!r} is already in the index")
        parts = self._cut(sig)
        self._keys[key] = parts
        for band, part in zip(self._bands, parts):
            band.setdefault(part, set()).add(key)

    def remove(self, key: Hashable) -> None:
        for band, part in zip(self._bands, self._keys.pop(key)):
            held = band[part]
            held.discard(key)
            if not held:
                del band[part]

    def query(self, sig: np.ndarray) -> set:
        out: set = set()
        for band, part in zip(self._bands, self._cut(sig)):
            held = band.get(part)
            if held:
                out |= held
        return out

    def __len__(self) -> int:
        return len(self._keys)
