"""The storage benchmark still runs and prints its table (`make bench-store`; figures in docs/storage.md)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_store_benchmark_prints_its_table_for_a_small_store():
    done = subprocess.run(
        [sys.executable, "bench/store_bench.py", "--sizes", "120", "--repeat", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "120 requests (filled in" in done.stdout
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if re.match(r"[a-z]", line) and "ms" not in line}
    for operation in ("page", "deep", "filtered", "search", "get", "save", "batches"):
        figures = rows[operation].split()[-3:]
        assert all(re.fullmatch(r"[0-9]+\.[0-9]{2}", figure) for figure in figures), rows[operation]
