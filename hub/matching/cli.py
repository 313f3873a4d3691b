"""``link_file``: deduplicate a CSV of person records, no database needed.

``run_link_file`` returns a process exit code and prints one-line errors to ``stderr``; it
never lets a traceback out for a malformed input file.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from .engine import deduplicate
from .record import FIELDS, prepare

__all__ = ["LinkFileError", "link_file", "parse_columns", "read_records", "run_link_file"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class LinkFileError(ValueError):
    """A user error in the input file or arguments; ``str()`` is the one-line message."""


def parse_columns(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"given_name=first_names,surname=birth_name"`` -> ``{"given_name": "first_names", ...}``."""
    if spec is None or spec == "":
        return {}
    if isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        items = []
        for part in str(spec).split(","):
            src, sep, dst = part.partition("=")
            if not sep or not src.strip() or not dst.strip():
                raise LinkFileError(f"--columns: cannot parse {part!r}, expected src=dst,...")
            items.append((src.strip(), dst.strip()))
    mapping: dict[str, str] = {}
    for src, dst in items:
        if dst not in FIELDS:
            raise LinkFileError(
                f"--columns: unknown target column {dst!r} (known: {', '.join(FIELDS)})"
            )
        if src in mapping:
            raise LinkFileError(f"--columns: column {src!r} mapped twice")
        mapping[src] = dst
    if len(set(mapping.values())) != len(mapping):
        raise LinkFileError("--columns: two source columns mapped to the same target")
    return mapping


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LinkFileError(f"line {line}: not valid UTF-8 (byte {exc.start})") from None


def read_records(text: str, columns: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Validate and read CSV text into records keyed by our field names."""
    mapping = dict(columns or {})
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise LinkFileError(
            "line 1: empty file, a header with an 'id' column is expected"
        ) from None
    except csv.Error as exc:
        raise LinkFileError(f"line 1: unreadable CSV header ({exc})") from None
    header = [h.strip() for h in header]
    missing_src = sorted(set(mapping) - set(header))
    if missing_src:
        raise LinkFileError(f"line 1: --columns names {missing_src[0]!r}, absent from the header")
    names = [mapping.get(h, h) for h in header]
    dup_cols = sorted({n for n in names if names.count(n) > 1})
    if dup_cols:
        raise LinkFileError(f"line 1: column {dup_cols[0]!r} appears twice")
    if "id" not in names:
        raise LinkFileError("line 1: missing required column 'id'")
    keep = [(i, n) for i, n in enumerate(names) if n in FIELDS]
    records: list[dict[str, str]] = []
    first_line: dict[str, int] = {}
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != len(header):
                raise LinkFileError(f"line {line}: {len(row)} fields, the header has {len(header)}")
            rec = {n: row[i].strip() for i, n in keep}
            rid = rec["id"]
            if not rid:
                raise LinkFileError(f"line {line}: empty id")
            if rid in first_line:
                raise LinkFileError(
                    f"line {line}: duplicated id {rid!r} (first on line {first_line[rid]})"
                )
            first_line[rid] = line
            try:
                prepare(rec)
            except ValueError as exc:
                raise LinkFileError(f"line {line}: {exc}") from None
            records.append(rec)
    except csv.Error as exc:
        raise LinkFileError(f"line {reader.line_num or line}: malformed CSV ({exc})") from None
    return records


def link_file(
    in_path: str | Path,
    out_path: str | Path,
    threshold: float | None = None,
    columns: str | Mapping[str, str] | None = None,
) -> int:
    """Read ``in_path``, write predicted duplicate pairs to ``out_path``; return their count.

    Output header ``id_a,id_b,score,grade``; one row per pair, ``id_a < id_b``, sorted.
    Raises ``LinkFileError`` (one-line message naming the line) for any bad input.
    """
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise LinkFileError(f"--threshold must be between 0 and 1, got {threshold}")
    mapping = parse_columns(columns)
    try:
        data = Path(in_path).read_bytes()
    except OSError as exc:
        raise LinkFileError(f"cannot read {in_path}: {exc.strerror}") from None
    records = read_records(_decode(data), mapping)
    pairs = deduplicate(records, threshold=threshold)
    try:
        with open(out_path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id_a", "id_b", "score", "grade"])
            for p in pairs:
                w.writerow([p.id_a, p.id_b, f"{p.score:.6f}", p.grade])
    except OSError as exc:
        raise LinkFileError(f"cannot write {out_path}: {exc.strerror}") from None
    return len(pairs)


def run_link_file(
    in_path: str | Path,
    out_path: str | Path,
    threshold: float | None = None,
    columns: str | Mapping[str, str] | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``link_file`` as a process: returns the exit code (0, or 2 with a one-line error on
    ``stderr``)."""
    try:
        link_file(in_path, out_path, threshold, columns)
    except LinkFileError as exc:
        print(f"link_file: error: {exc}", file=stderr or sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``python -m hub.matching.cli IN.csv --output OUT.csv [--threshold X] [--columns ...]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="link_file", description=__doc__)
    parser.add_argument("input")
    parser.add_argument("--output", required=True)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--columns", default=None)
    args = parser.parse_args(argv)
    return run_link_file(args.input, args.output, args.threshold, args.columns)


if __name__ == "__main__":
    raise SystemExit(main())
