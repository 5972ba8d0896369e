"""Benchmark: find_agreements on hostile text at 0.1 MB and 1 MB (issue 8, linear time).

    .venv/bin/python benchmarks/agreement_hostile.py

Each hostile form is a block of about 20 kB repeated. The block's monetary figures and
organisation mentions are found once by the real finders (as extract_document finds them) and
shifted to every copy, so only find_agreements is timed (the finders' own cost belongs to their
benchmarks). Prints both times and their ratio: linear work gives about 10. A benchmark prints
figures; tests/test_agreement_linear_time.py holds the bound.
"""

from __future__ import annotations

import sys
import time

from pipeline.extract.agreements import find_agreements
from pipeline.ingest.cleaning import clean_text
from pipeline.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))
from tests.adversarial_texts import AGREEMENT_UNITS, tiled_agreement_inputs  # noqa: E402

def hostile_blocks() -> dict[str, str]:
    """One block of about 20 kB per hostile form; a hostile text is a block repeated."""
    seeds = " ".join(clean_text(p.read_text(encoding="utf-8")).text for p in sorted((PROJECT_ROOT / "raw").glob("*.txt")))
    units = AGREEMENT_UNITS | {"one-line article": seeds.replace("\n", " ")}
    return {name: unit * -(-20_000 // len(unit)) for name, unit in units.items()}


def main() -> None:
    find_agreements("Russia and China signed a deal.")  # rules loaded before timing
    for name, block in hostile_blocks().items():
        seconds = []
        for megabytes in (0.1, 1.0):
            copies = max(1, round(megabytes * 1e6 / len(block)))
            text = block * copies
            figures, parties = tiled_agreement_inputs(block, copies)
            started = time.perf_counter()
            find_agreements(text, figures, organisations=parties)
            seconds.append(time.perf_counter() - started)
        print(f"{name:22s} {len(block) * round(0.1e6 / len(block)) / 1e6:.2f} MB {seconds[0]:7.3f} s   "
              f"{len(block) * round(1e6 / len(block)) / 1e6:.2f} MB {seconds[1]:7.3f} s   ratio {seconds[1] / max(seconds[0], 1e-9):5.1f}")


if __name__ == "__main__":
    main()
