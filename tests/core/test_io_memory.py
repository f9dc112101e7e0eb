"""Large files load from their path without a copy of the file in memory.

Fails if Parquet or .npy loading goes back to reading the whole file into bytes, or to
holding an Arrow table or a float64 array beside the float32 vectors. Ratios, not times:
peak memory while loading over the float32 vectors' size.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from embedlens.errors import DataError
from embedlens.io import load_table

ROOT = Path(__file__).resolve().parents[2]


def _parquet(path: Path, n: int, d: int = 384) -> np.ndarray:
    X = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(X.reshape(-1)), d)
    titles = pa.array([f"row {i} of the file" for i in range(n)])
    pq.write_table(pa.table({"title": titles, "embedding": vectors}), path)
    return X


@pytest.fixture
def no_whole_file_reads(monkeypatch):
    """Make reading a whole file into bytes fail, as a loader that holds the file would."""

    def refuse(self):
        raise AssertionError(f"{self.name} was read whole into memory")

    monkeypatch.setattr(Path, "read_bytes", refuse)


def test_parquet_and_npy_from_a_path_are_never_read_whole(tmp_path, no_whole_file_reads):
    X = _parquet(tmp_path / "v.parquet", 500, d=16)
    ds = load_table(tmp_path / "v.parquet")
    assert ds.vectors.flags.c_contiguous and ds.vectors.flags.writeable
    np.testing.assert_array_equal(ds.vectors, X)
    assert ds.text_column == "title" and ds.vector_column == "embedding"
    np.save(tmp_path / "v.npy", X.astype(np.float64))
    np.testing.assert_array_equal(load_table(tmp_path / "v.npy").vectors, X)


def test_npy_from_a_path_peaks_near_the_float32_result(tmp_path):
    """float64 on disk: blocks convert into the result (no whole-file bytes, no float64 copy)."""
    X = np.random.default_rng(1).normal(size=(20_000, 384))
    np.save(tmp_path / "big.npy", X)
    result = X.size * 4
    del X
    tracemalloc.start()
    try:
        ds = load_table(tmp_path / "big.npy")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ds.vectors.dtype == np.float32 and ds.vectors.shape == (20_000, 384)
    assert peak / result < 1.3, f"peak {peak / result:.2f} x the float32 vectors"


def test_npy_damage_found_block_by_block_is_named_by_row(tmp_path, monkeypatch):
    import embedlens.io.npy as npy

    monkeypatch.setattr(npy, "BLOCK_BYTES", 64 * 8)  # 16 rows of 4 float64 per block
    X = np.ones((100, 4))
    X[57, 2] = np.nan
    np.save(tmp_path / "nan.npy", X)
    with pytest.raises(DataError, match=r"nan.npy, row 58: the vector contains NaN"):
        load_table(tmp_path / "nan.npy")
    X[57, 2] = 1e39
    np.save(tmp_path / "big.npy", X)
    with pytest.raises(DataError, match=r"big.npy, row 58, column 3: 1e\+39 is too large"):
        load_table(tmp_path / "big.npy")
    with open(tmp_path / "big.npy", "r+b") as fh:  # cut the data short after the header
        fh.truncate(400)
    with pytest.raises(DataError, match="truncated or damaged"):
        load_table(tmp_path / "big.npy")


def test_parquet_from_a_path_peaks_near_the_float32_vectors(tmp_path):
    """Peak RSS of a fresh process loading 50k x 384 (73 MiB of vectors) from its path.

    Measured here at 1.6x with 4k-row batches; reading the file into bytes first was 4.3x
    and 16k-row batches 2.6x (Arrow's working memory is about four batches).
    """
    _parquet(tmp_path / "small.parquet", 1_000)
    _parquet(tmp_path / "big.parquet", 50_000)
    probe = textwrap.dedent(
        """
        import resource, sys
        from pathlib import Path
        from embedlens.io import load_table
        folder = Path(sys.argv[1])
        load_table(folder / "small.parquet")  # the readers' code and pools, warm
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ds = load_table(folder / "big.parquet")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((peak - base) * 1024 / ds.vectors.nbytes)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    ratio = float(run.stdout.strip().splitlines()[-1])
    assert ratio < 2.0, f"peak {ratio:.2f} x the float32 vectors"


def test_damaged_parquet_vectors_still_name_the_row(tmp_path):
    """A list column that cannot stream (a null row) is read plainly; the parser names it."""
    rows = [[0.1, 0.2], [0.3, 0.4], None, [0.5, 0.6]]
    table = pa.table({"text": ["a", "b", "c", "d"], "embedding": pa.array(rows)})
    pq.write_table(table, tmp_path / "holes.parquet")
    with pytest.raises(DataError, match="row 3, column 'embedding': the cell is empty"):
        load_table(tmp_path / "holes.parquet", vector_column="embedding")
