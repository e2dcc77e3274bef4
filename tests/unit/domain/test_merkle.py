"""Merkle roots and proofs against RFC 6962's recursive definitions and published vectors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import merkle


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


# -- the RFC 6962 §2.1 definitions, transcribed as directly as possible -----------------------


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def node_store(leaves: list[bytes]) -> merkle.GetNode:
    """A get_node over every complete node of `leaves`, failing loudly on incomplete ones."""
    nodes: dict[merkle.NodeId, bytes] = {(0, i): h for i, h in enumerate(leaves)}
    level, row = 0, leaves
    while len(row) > 1:
        row = [merkle.hash_children(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        nodes.update({(level, i): h for i, h in enumerate(row)})

    def get(level: int, index: int) -> bytes:
        return nodes[level, index]

    return get


def leaves_of(n: int) -> list[bytes]:
    return [leaf(i.to_bytes(4, "big")) for i in range(n)]


# -- published vectors (certificate-transparency / transparency-dev test data) ----------------

CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, proof)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CT_CONSISTENCY = [  # (old size, new size, proof)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


@pytest.mark.parametrize("size", range(9))
def test_published_roots(size: int) -> None:
    leaves = [leaf(d) for d in CT_LEAVES[:size]]
    assert merkle.root(leaves).hex() == CT_ROOTS[size]
    if size:
        assert merkle.root_from_nodes(size, node_store(leaves)).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_published_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    leaves = [leaf(d) for d in CT_LEAVES[:size]]
    got = merkle.inclusion_proof(index, size, node_store(leaves))
    assert [h.hex() for h in got] == proof
    assert merkle.verify_inclusion(leaves[index], index, size, got, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY)
def test_published_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    leaves = [leaf(d) for d in CT_LEAVES[:new]]
    got = merkle.consistency_proof(old, new, node_store(leaves))
    assert [h.hex() for h in got] == proof
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert merkle.verify_consistency(old, new, old_root, new_root, got)


# -- every size against the recursive reference -----------------------------------------------

sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(sizes)
def test_root_matches_reference(n: int) -> None:
    leaves = leaves_of(n)
    expected = ref_mth(leaves)
    assert merkle.root(leaves) == expected
    assert merkle.root_from_nodes(n, node_store(leaves)) == expected
    assert len(merkle.root_nodes(n)) == bin(n).count("1")


@settings(max_examples=150, deadline=None)
@given(sizes, st.data())
def test_inclusion_proof_matches_reference_and_verifies(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    index = data.draw(st.integers(0, n - 1), label="index")
    proof = merkle.inclusion_proof(index, n, node_store(leaves))
    assert proof == ref_path(index, leaves)
    root = ref_mth(leaves)
    assert merkle.verify_inclusion(leaves[index], index, n, proof, root)
    read = merkle.inclusion_nodes(index, n)
    assert len(read) == len(set(read))
    assert all(((i + 1) << lv) <= n for lv, i in read), "only complete nodes are read"


@settings(max_examples=150, deadline=None)
@given(sizes, st.data())
def test_consistency_proof_matches_reference_and_verifies(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    old = data.draw(st.integers(1, n), label="old")
    proof = merkle.consistency_proof(old, n, node_store(leaves))
    assert proof == ref_proof(old, leaves)
    assert merkle.verify_consistency(old, n, ref_mth(leaves[:old]), ref_mth(leaves), proof)
    assert all(((i + 1) << lv) <= n for lv, i in merkle.consistency_nodes(old, n))


def test_every_proof_of_small_trees() -> None:
    # Exhaustive where hypothesis samples: every index and old size up to 64.
    for n in range(1, 65):
        leaves = leaves_of(n)
        get, root = node_store(leaves), ref_mth(leaves)
        for i in range(n):
            assert merkle.verify_inclusion(leaves[i], i, n, merkle.inclusion_proof(i, n, get), root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, n, get)
            assert merkle.verify_consistency(m, n, ref_mth(leaves[:m]), root, proof)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 1000))
def test_compact_range_covers_the_range_with_aligned_complete_nodes(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    covered = start
    for level, index in merkle.compact_range(start, end):
        assert index << level == covered
        covered += 1 << level
    assert covered == end


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300))
def test_grow_adds_exactly_the_complete_nodes_from_the_frontier_alone(a: int, b: int) -> None:
    # What `DuckDBLedger.append` stores: every complete node of the new tree not in the old one,
    # computed from the new leaves and the old tree's compact range only.
    first, new = min(a, b), max(a, b)
    leaves = leaves_of(new)
    get = node_store(leaves)
    frontier = {(lv, i): get(lv, i) for lv, i in merkle.root_nodes(first)}
    grown = merkle.grow(first, leaves[first:], frontier)
    for level, nodes in enumerate(grown):
        start = first >> level
        assert len(nodes) == (new >> level) - start
        assert nodes == [get(level, start + i) for i in range(len(nodes))]
    assert (new >> len(grown)) - (first >> len(grown)) == 0  # no level left out


# -- tampering ---------------------------------------------------------------------------------


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 0x08]) + h[1:]


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 300), st.data())
def test_tampered_inclusion_proofs_fail(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    index = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(index, n, node_store(leaves))
    root = ref_mth(leaves)
    pos = data.draw(st.integers(0, len(proof) - 1))
    bad = [*proof[:pos], flip(proof[pos]), *proof[pos + 1 :]]
    assert not merkle.verify_inclusion(leaves[index], index, n, bad, root)
    assert not merkle.verify_inclusion(flip(leaves[index]), index, n, proof, root)
    assert not merkle.verify_inclusion(leaves[index], index, n, proof, flip(root))
    assert not merkle.verify_inclusion(leaves[index], index, n, [*proof, root], root)
    assert not merkle.verify_inclusion(leaves[index], index, n, proof[:-1], root)
    assert not merkle.verify_inclusion(leaves[index], index, n * 2, proof, root)
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
    assert not merkle.verify_inclusion(leaves[index], other, n, proof, root)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 300), st.data())
def test_tampered_consistency_proofs_fail(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    old = data.draw(st.integers(1, n - 1))
    proof = merkle.consistency_proof(old, n, node_store(leaves))
    r1, r2 = ref_mth(leaves[:old]), ref_mth(leaves)
    pos = data.draw(st.integers(0, len(proof) - 1))
    bad = [*proof[:pos], flip(proof[pos]), *proof[pos + 1 :]]
    assert not merkle.verify_consistency(old, n, r1, r2, bad)
    assert not merkle.verify_consistency(old, n, flip(r1), r2, proof)
    assert not merkle.verify_consistency(old, n, r1, flip(r2), proof)
    assert not merkle.verify_consistency(old, n, r2, r1, proof)
    assert not merkle.verify_consistency(old, n, r1, r2, [])
    assert not merkle.verify_consistency(old, n, r1, r2, [*proof, r2])
    assert not merkle.verify_consistency(old, n, r1, r2, proof[:-1])


def test_degenerate_cases() -> None:
    one = leaf(b"x")
    assert merkle.inclusion_proof(0, 1, lambda lv, i: one) == []
    assert merkle.verify_inclusion(one, 0, 1, [], one)
    assert not merkle.verify_inclusion(one, 1, 1, [], one)
    assert not merkle.verify_inclusion(one, 0, 0, [], one)
    assert merkle.consistency_proof(0, 5, lambda lv, i: one) == []
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, one, [])
    assert merkle.verify_consistency(3, 3, one, one, [])
    assert not merkle.verify_consistency(3, 3, one, flip(one), [])
    assert not merkle.verify_consistency(3, 2, one, one, [])
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_proof(3, 3, lambda lv, i: one)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof(4, 3, lambda lv, i: one)
    assert merkle.root([]) == merkle.EMPTY_ROOT == bytes.fromhex(CT_ROOTS[0])
