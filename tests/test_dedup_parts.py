"""The pieces of clustering dedup against plain references: datasketch's MinHash."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHash

from geocorpus.dedup import identifiers
from geocorpus.dedup.clustered import candidate_edges
from geocorpus.dedup.shingles import shingle, tokens, unique_per_doc
from geocorpus.dedup.signatures import LshShape, signatures


def test_signatures_equal_datasketch_minhash_of_the_same_shingles() -> None:
    rng = random.Random(1)
    texts = [" ".join(rng.choice(["rock", "ice", "sand", "clay", "silt", "mud"]) for _ in range(rng.randint(0, 60)))
             for _ in range(40)] + ["", "single", "Ünïcode café Straße"]
    shingles = shingle(texts, [False] * len(texts), 5)
    shape = LshShape.choose(0.8, 64, seed=7, bands=None, rows=None)
    ours = signatures(shingles, shape)
    for index in range(len(texts)):
        reference = MinHash(num_perm=64, seed=7, hashfunc=lambda value: value)
        reference.update_batch([int(h) & 0xFFFFFFFF for h in shingles.hashes[shingles.doc == index]])
        assert np.array_equal(ours[index], reference.hashvalues), texts[index]


def test_tokens_fold_prose_but_keep_code_as_written() -> None:
    flat, offsets = tokens(["The Café, the CAFÉ!", "x = Foo.bar(1)"], [False, True])
    assert flat.to_pylist() == ["the", "café", "the", "café", "x", "=", "Foo", ".", "bar", "(", "1", ")"]
    assert offsets.tolist() == [0, 4, 12]


def test_shingles_of_short_documents_and_distinct_sets() -> None:
    shingles = shingle(["a b c d e f", "a b", "", "a b c d e a b c d e"], [False] * 4, 5)
    assert np.bincount(shingles.doc, minlength=4).tolist() == [2, 1, 0, 6]
    values, bounds = unique_per_doc(shingles)
    assert np.diff(bounds).tolist() == [2, 1, 0, 5]  # "a b c d e" twice in the last document
    assert values[bounds[3]] in shingles.hashes[:2], "the same 5 words hash alike in any document"


def test_candidate_edges_star_large_runs_and_pair_small_ones() -> None:
    keys = np.array([5, 5, 5, 7, 7, 9, 5], dtype=np.uint64)
    docs = np.array([3, 1, 2, 4, 5, 6, 0])
    star = candidate_edges(keys, docs, 0)
    assert list(zip(*(a.tolist() for a in star), strict=True)) == [(0, 1), (0, 2), (0, 3), (4, 5)]
    every = candidate_edges(keys, docs, 8)
    assert list(zip(*(a.tolist() for a in every), strict=True)) == [
        (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (4, 5)]


def test_scholarly_identifiers_are_normalised() -> None:
    assert identifiers.doi({"doi": "https://doi.org/10.1029/2020GL089999."}) == "10.1029/2020gl089999"
    assert identifiers.arxiv_id({"arxiv_id": "arXiv:2101.01234v3"}) == "2101.01234"
    assert identifiers.arxiv_id({"doi": "10.48550/arXiv.2101.01234"}) == "2101.01234"
    assert identifiers.arxiv_id({"arxiv_id": "physics/0601001v2"}) == "physics/0601001"
    assert identifiers.version({"arxiv_id": "2101.01234v3"}) == 3
    assert identifiers.first_author_surname({"authors": ["Müller, Anna", "Smith, J."]}) == "muller"
    assert identifiers.first_author_surname({"authors": [{"family": "de la Cruz", "given": "M."}]}) == "de la cruz"
    assert identifiers.first_author_surname({"author": "Jane Q. Smith"}) == "smith"
    assert identifiers.normalised_title("Glacier  Flow: a Model!") == "glacier flow a model"
    assert identifiers.normalised_title("Introduction") is None
    assert identifiers.year({"date": "2021-03-04"}) == 2021
    assert identifiers.is_published({"doi": "10.1029/2020GL089999"})
    assert not identifiers.is_published({"doi": "10.31223/X5ABCD"})  # EarthArXiv
    assert not identifiers.is_published({"arxiv_id": "2101.01234"})
    assert identifiers.is_published({"journal": "Nature Geoscience"})
