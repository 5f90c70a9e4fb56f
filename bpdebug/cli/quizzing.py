"""`bpdebug quiz`, `bpdebug grade` and `bpdebug exam`: the quiz in the app, a student's answer
file graded headless, and question sheets with their answer keys for a class."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .args import UsageError, limits_of
from .commands import load


def quiz_kinds(text: str | None) -> frozenset[str] | None:
    """'delta,dW', 'backward' or 'all' as the kinds of step to quiz (None: all)."""
    from ..tui.quiz import parse_kinds

    try:
        return parse_kinds(text or "all")
    except ValueError as exc:
        raise UsageError(f"bpdebug: --kinds: {exc}") from None


def check_tolerance(command: str, tolerance: float) -> None:
    """A relative tolerance a right answer can be held to; UsageError otherwise."""
    if not (0 < tolerance < 1):
        raise UsageError(f"bpdebug {command}: --tolerance must be between 0 and 1, e.g. 1e-3")


def run_quiz(args: argparse.Namespace) -> int:
    from ..tui.quiz import Quiz

    check_tolerance("quiz", args.tolerance)
    from .commands import run_app

    return run_app(args, Quiz(quiz_kinds(args.kinds), args.tolerance))


def run_grade(args: argparse.Namespace) -> int:
    from ..answers import read_answers
    from ..engine import build_trace
    from ..engine.quiz import fit, grade

    check_tolerance("grade", args.tolerance)
    trace = build_trace(load(args.net, limits_of(args)))
    answers = read_answers(Path(args.answers), trace)
    results: list[dict[str, Any]] = []
    for answer in answers:
        step = answer.step
        entry: dict[str, Any] = {
            "key": answer.key,
            "step": step.index + 1,
            "symbol": step.symbol,
            "right": False,
            "mistakes": [],
            "problem": answer.problem,
        }
        if answer.value is not None:
            try:
                shaped = fit(answer.value, step.shape)
            except ValueError as exc:
                shaped, entry["problem"] = answer.value, str(exc)
            g = grade(trace, step, shaped, args.tolerance)
            entry["right"] = g.right
            entry["entries_right"] = int(g.marks.sum())
            entry["entries"] = int(g.marks.size)
            entry["mistakes"] = [{"key": v.key, "title": v.title, "why": v.why} for v in g.mistakes]
        results.append(entry)
    right = sum(1 for r in results if r["right"])
    if args.format == "json":
        document = {
            "network": trace.network.name,
            "tolerance": args.tolerance,
            "answers": results,
            "right": right,
            "total": len(results),
        }
        sys.stdout.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(
            grade_text(trace.network.name, args.answers, args.tolerance, results, right)
        )
    return 0


def grade_text(
    name: str, source: str, tol: float, results: list[dict[str, Any]], right: int
) -> str:
    lines = [f"{name}: {source}, tolerance {tol:g} (relative)"]
    width = max((len(r["symbol"]) for r in results), default=0)
    for r in results:
        mark = "✓" if r["right"] else "✗"
        where = f"step {r['step']:>2}  {r['symbol']:<{width}}"
        if r["right"]:
            lines.append(f"  {mark} {where}  right")
            continue
        if r["problem"]:
            said = r["problem"]
        elif r["mistakes"]:
            titles = " or ".join(m["title"] for m in r["mistakes"])
            said = f"{titles}: {r['mistakes'][0]['why']}"
            if len(r["mistakes"]) > 1:
                said += " (these mistakes give the same number here)"
        else:
            said = f"{r.get('entries_right', 0)} of {r.get('entries', 0)} entries right"
        lines.append(f"  {mark} {where}  wrong: {said}")
    lines.append(f"score: {right} of {len(results)} right")
    return "\n".join(lines) + "\n"


def run_exam(args: argparse.Namespace) -> int:
    from ..atomic import OutputError, exists, write_output
    from ..exam import SHEET_SUFFIX, exam_files

    if args.variants > 200:
        raise UsageError("bpdebug exam: --variants: at most 200 sheets at once")
    kinds = quiz_kinds(args.kinds)
    net = load(args.net, limits_of(args))
    folder = Path(args.output_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)  # sheets/ in a fresh checkout
    except FileExistsError:
        raise UsageError(f"bpdebug exam: {folder}: a file is there, not a folder") from None
    except OSError as exc:
        raise UsageError(f"bpdebug exam: {folder}: {exc.strerror or exc}") from None
    try:
        files = exam_files(net, args.variants, args.seed, kinds, args.format, args.data)
    except ValueError as exc:
        raise UsageError(f"bpdebug exam: {exc}") from None
    paths = [folder / name for name in files]
    taken = [p for p in paths if exists(p)]
    if taken and not args.force:
        raise UsageError(f"bpdebug exam: {taken[0]} already exists (use --force to replace it)")
    for path, text in zip(paths, files.values(), strict=True):
        try:
            write_output(path, text, args.force)
        except OutputError as exc:
            raise UsageError(f"bpdebug exam: {exc}") from None
    key = "-key" + SHEET_SUFFIX[args.format]
    sheets = [p.name for p in paths if p.name.startswith("exam-") and not p.name.endswith(key)]
    sheets = [name for name in sheets if name.endswith(SHEET_SUFFIX[args.format])]
    named = ", ".join(sheets[:3]) + (", …" if len(sheets) > 3 else "")
    print(f"wrote {len(sheets)} question sheets ({named}) and their answer keys to {folder}")
    return 0
