"""Split the labelled files into eval/tune.jsonl and eval/test.jsonl, half of each file per group, by a hash."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# each file split on its own: questions added in a later file never move an earlier one between the halves
SOURCES = tuple(ROOT / "eval" / f"labelled{n}.jsonl" for n in ("", *(str(i) for i in range(2, 27))))


def split(rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Stratified by group and coverage; within a stratum ordered by the question's SHA-1, alternately."""
    strata: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        strata[(str(row.get("group")), str(row.get("coverage")))].append(row)
    tune: list[dict[str, object]] = []
    test: list[dict[str, object]] = []
    for key in sorted(strata):
        ordered = sorted(strata[key], key=lambda r: hashlib.sha1(str(r["question"]).encode()).hexdigest())
        for i, row in enumerate(ordered):
            (tune if i % 2 == 0 else test).append(row)
    return tune, test


def main() -> None:
    """Write both files; running it again gives the same split."""
    tune: list[dict[str, object]] = []
    test: list[dict[str, object]] = []
    for source in SOURCES:
        rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
        half, other = split(rows)
        tune += half
        test += other
    for name, part in (("tune", tune), ("test", test)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part)
        (ROOT / "eval" / f"{name}.jsonl").write_text(text, encoding="utf-8")
        print(f"{name}: {len(part)} questions")


if __name__ == "__main__":
    main()
