"""Merkle tree hashing and proofs of RFC 6962 / RFC 9162 transparency logs, over stored nodes.

The tree of n leaves is the RFC 6962 Merkle Tree Hash (MTH): split at the largest power of two
smaller than n, hash the two halves, and combine as SHA-256(0x01 || left || right). A store keeps
only *complete* nodes: node (level L, index i) is the root of the perfect subtree over leaves
[i·2^L, (i+1)·2^L) and exists once all of those leaves exist. Every MTH of a range that the RFC
recursion produces is a left-to-right run of such complete nodes of decreasing size (its "compact
range"), folded from the right, so roots and proofs need at most about log2(n) stored nodes each
and never a full leaf scan.

Proof generation takes a `get_node(level, index) -> bytes` callback; `inclusion_nodes` and
`consistency_nodes` list the nodes a proof will ask for, so a store can fetch them in one query.
Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

HASH_SIZE = 32
NODE_PREFIX = b"\x01"  # RFC 6962 §2.1: interior nodes are SHA-256(0x01 || left || right)
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) of the empty tree

GetNode = Callable[[int, int], bytes]
NodeId = tuple[int, int]  # (level, index)


def hash_children(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2): where RFC 6962 splits n leaves.

    >>> [split_point(n) for n in (2, 3, 4, 5, 8, 9)]
    [1, 2, 2, 4, 4, 8]
    """
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of leaf hashes, bottom-up: each level pairs nodes, and a lone last node moves up.

    Promoting the odd node unchanged gives the same tree as the RFC's top-down split, because the
    left part of every split is a perfect subtree.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def grow(
    first: int, leaves: Sequence[bytes], frontier: Mapping[NodeId, bytes]
) -> list[list[bytes]]:
    """Every complete node that leaves `first` … `first + len(leaves) − 1` add to a tree of
    `first` leaves, level by level: `grown[L]` holds level L's new nodes, from index
    `first >> L` on (`grown[0]` is the leaves themselves).

    `frontier` holds the old tree's compact range (`root_nodes(first)`, or at least its nodes
    the growth needs): a level's first new node has an older left sibling exactly when its
    index is odd, and that sibling is a node of the compact range. No other older node is read.

    >>> a, b, c = (bytes([i]) * HASH_SIZE for i in range(3))
    >>> grown = grow(1, [b, c], {(0, 0): a})
    >>> [len(level) for level in grown], grown[1][0] == hash_children(a, b)
    ([2, 1], True)
    """
    sha = hashlib.sha256
    grown = [list(leaves)]
    level, start = grown[0], first
    while True:
        if start & 1:
            level = [frontier[len(grown) - 1, start - 1], *level]
        parents = [
            sha(NODE_PREFIX + left + right).digest()
            for left, right in zip(level[0::2], level[1::2], strict=False)
        ]
        if not parents:
            return grown
        grown.append(parents)
        level, start = parents, start >> 1


def compact_range(start: int, end: int) -> list[NodeId]:
    """The complete nodes covering leaves [start, end), left to right, as few as possible.

    >>> compact_range(0, 13)
    [(3, 0), (2, 2), (0, 12)]
    >>> compact_range(6, 13)
    [(1, 3), (2, 2), (0, 12)]
    """
    if not 0 <= start <= end:
        raise ValueError(f"bad leaf range [{start}, {end})")
    nodes: list[NodeId] = []
    while start < end:
        # The largest aligned block starting at `start` that fits in what is left.
        align = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        level = min(align, (end - start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold_range(hashes: Sequence[bytes]) -> bytes:
    """MTH of a subtree from the hashes of its compact range, folded from the right.

    Valid for every range an RFC 6962 recursion produces (its start is aligned to the power of
    two at or above its length), where the compact range is a run of decreasing block sizes.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


def range_hash(start: int, end: int, get_node: GetNode) -> bytes:
    """MTH of leaves [start, end) from stored complete nodes."""
    return fold_range([get_node(level, index) for level, index in compact_range(start, end)])


def root_from_nodes(size: int, get_node: GetNode) -> bytes:
    """MTH of the first `size` leaves from at most log2(size)+1 stored complete nodes."""
    return range_hash(0, size, get_node)


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(index, D[size]): sibling subtree hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append(range_hash(lo + k, hi, get_node))
            hi = lo + k
        else:
            path.append(range_hash(lo, lo + k, get_node))
            lo += k
    path.reverse()  # collected from the root down; the RFC lists the deepest sibling first
    return path


def consistency_proof(old_size: int, new_size: int, get_node: GetNode) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(old_size, D[new_size]).

    Empty when the sizes are equal, and from size 0: the empty tree is a prefix of every tree.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == 0:
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    # SUBPROOF(m, D[lo:hi], complete), unrolled; each step appends the hash the RFC appends last.
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            proof.append(range_hash(lo + k, hi, get_node))
            hi = lo + k
        else:
            proof.append(range_hash(lo, lo + k, get_node))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(range_hash(lo, hi, get_node))
    proof.reverse()
    return proof


def _recorded(run: Callable[[GetNode], object]) -> list[NodeId]:
    # Proof shapes depend only on sizes, never on hash values, so a dry run with dummy hashes
    # lists exactly the nodes a real run reads.
    seen: list[NodeId] = []

    def record(level: int, index: int) -> bytes:
        if (level, index) not in seen:
            seen.append((level, index))
        return bytes(HASH_SIZE)

    run(record)
    return seen


def root_nodes(size: int) -> list[NodeId]:
    """The stored nodes `root_from_nodes(size, …)` reads."""
    return compact_range(0, size)


def inclusion_nodes(index: int, size: int) -> list[NodeId]:
    """The stored nodes `inclusion_proof(index, size, …)` reads."""
    return _recorded(lambda get: inclusion_proof(index, size, get))


def consistency_nodes(old_size: int, new_size: int) -> list[NodeId]:
    """The stored nodes `consistency_proof(old_size, new_size, …)` reads."""
    return _recorded(lambda get: consistency_proof(old_size, new_size, get))


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` put leaf hash `leaf` at `index` of tree `expected_root`?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """RFC 9162 §2.1.4.2: does `proof` show the tree `old_root` is a prefix of `new_root`?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a proof node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
