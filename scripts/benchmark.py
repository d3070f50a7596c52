"""Run every benchmark (`scripts/bench_*.py`) and print their figures.

python scripts/benchmark.py            # all
python scripts/benchmark.py upload     # only scripts/bench_upload.py
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

wanted = sys.argv[1:]
for script in sorted(HERE.glob("bench_*.py")):
    name = script.stem.removeprefix("bench_")
    if wanted and name not in wanted:
        continue
    print(f"== {name}", flush=True)
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:  # a benchmark script may end with sys.exit(...)
        if stop.code not in (None, 0):
            print(f"{script.name} a échoué (code {stop.code})")
