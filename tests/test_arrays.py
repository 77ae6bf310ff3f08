from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from factlint.arrays import sorted_unique


@given(
    hnp.arrays(
        st.sampled_from([np.dtype(np.int64), np.dtype(np.uint64), np.dtype(np.intp)]),
        st.integers(0, 60),
        elements=st.integers(0, 2**62),
    )
)
def test_sorted_unique_is_numpys_unique(keys: np.ndarray) -> None:
    """The same keys, in order, once each, and of the same type: the provenance cache's
    keys and the registry's member closures depend on it."""
    got = sorted_unique(keys)
    assert got.dtype == keys.dtype
    assert np.array_equal(got, np.unique(keys))


def test_keys_near_the_top_of_the_64_bit_range_stay_in_order() -> None:
    keys = np.array([2**64 - 1, 0, 2**63, 2**64 - 1, 2**63 - 1], dtype=np.uint64)
    assert sorted_unique(keys).tolist() == [0, 2**63 - 1, 2**63, 2**64 - 1]
