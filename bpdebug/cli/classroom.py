"""`bpdebug quiz`, `bpdebug grade` and `bpdebug exam`: the quiz in the app, a student's answer
file graded headless, and question sheets with their answer keys for a class."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from bpdebug.cli.args import UsageError, limits_of
from bpdebug.cli.commands import load
from bpdebug.notation.parse import shown


def quiz_kinds(text: str | None) -> frozenset[str] | None:
    """'delta,dW', 'backward' or 'all' as the kinds of step to quiz (None: all)."""
    from bpdebug.session.quiz import parse_kinds

    try:
        return parse_kinds(text or "all")
    except ValueError as exc:
        raise UsageError(f"bpdebug: --kinds: {exc}") from None


def check_tolerance(command: str, tolerance: float) -> None:
    """A relative tolerance a right answer can be held to; UsageError otherwise."""
    if not (0 < tolerance < 1):
        raise UsageError(f"bpdebug {command}: --tolerance must be between 0 and 1, e.g. 1e-3")


def run_quiz(args: argparse.Namespace) -> int:
    from bpdebug.session.quiz import Quiz

    check_tolerance("quiz", args.tolerance)
    from bpdebug.cli.commands import run_app

    return run_app(args, Quiz(quiz_kinds(args.kinds), args.tolerance))


def run_grade(args: argparse.Namespace) -> int:
    from bpdebug.engine import build_trace
    from bpdebug.engine.grading import fit, grade
    from bpdebug.files.answers import printable, read_answers

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
            "also": list(answer.also),
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
            grade_text(trace.network.name, printable(args.answers), args.tolerance, results, right)
        )
    return 0


def grade_text(
    name: str, source: str, tol: float, results: list[dict[str, Any]], right: int
) -> str:
    lines = [f"{name}: {source}, tolerance {tol:g} (relative)"]
    width = max((len(r["symbol"]) for r in results), default=0)
    for r in results:
        where = f"step {r['step']:>2}  {r['symbol']:<{width}}"
        if r["right"]:
            lines.append(f"  ✓ {where}  right")
        else:
            lines.append(f"  ✗ {where}  wrong: {wrong_text(r)}")
        if r["also"]:
            lines.append(f"      {duplicates_note(r)}")
    lines.append(f"score: {right} of {len(results)} right")
    return "\n".join(lines) + "\n"


def wrong_text(r: dict[str, Any]) -> str:
    """Why an answer is wrong: its problem, the mistakes that give it, or the entries right."""
    if r["problem"]:
        return str(r["problem"])
    if r["mistakes"]:
        titles = " or ".join(m["title"] for m in r["mistakes"])
        said = f"{titles}: {r['mistakes'][0]['why']}"
        if len(r["mistakes"]) > 1:
            said += " (these mistakes give the same number here)"
        return said
    return f"{r.get('entries_right', 0)} of {r.get('entries', 0)} entries right"


def duplicates_note(result: dict[str, Any]) -> str:
    """The other names a step was answered under: '(also answered as '05', 'loss': …)'."""
    also = result["also"]
    names = ", ".join(shown(k, 20) for k in also[:5])
    if len(also) > 5:
        names += f" and {len(also) - 5:,} more"
    first = shown(result["key"], 20)
    return f"(also answered as {names}: the same step, graded once, as {first})"


# Folders of the system itself: sheets never go there, even for root or through a link.
SYSTEM_FOLDERS = tuple(
    Path(p)
    for p in (
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/lib",
        "/lib32",
        "/lib64",
        "/proc",
        "/run",
        "/sbin",
        "/sys",
        "/usr",
        "/var/lib",
        "/var/log",
    )
)


def run_exam(args: argparse.Namespace) -> int:
    from bpdebug.output.exam import SHEET_SUFFIX, exam_files

    kinds = quiz_kinds(args.kinds)
    folder = exam_folder(args.output_dir)
    net = load(args.net, limits_of(args))
    try:
        files = exam_files(net, args.variants, args.seed, kinds, args.format, args.data)
    except ValueError as exc:
        raise UsageError(f"bpdebug exam: {exc}") from None
    paths = [folder / name for name in files]
    write_sheets(folder, dict(zip(paths, files.values(), strict=True)), args.force)
    key = "-key" + SHEET_SUFFIX[args.format]
    sheets = [p.name for p in paths if p.name.startswith("exam-") and not p.name.endswith(key)]
    sheets = [name for name in sheets if name.endswith(SHEET_SUFFIX[args.format])]
    named = ", ".join(sheets[:3]) + (", …" if len(sheets) > 3 else "")
    real = Path(os.path.realpath(folder))
    where = f"{folder} (→ {real})" if folder.is_symlink() else str(folder)
    print(f"wrote {len(sheets)} question sheets ({named}) and their answer keys to {where}")
    return 0


def exam_folder(text: str) -> Path:
    """The -o folder, refused before any work when no sheet could go there: a name with a
    control character (a newline), a file (a pipe, a device) in its place, or a folder of the
    system (also through a link)."""
    folder = Path(text)
    if not text.isprintable():
        raise UsageError(f"bpdebug exam: -o {shown(text)}: a folder name with a control character")
    try:
        there = not stat.S_ISDIR(folder.stat().st_mode)
    except FileNotFoundError:
        there = False  # made once the sheets are ready
    except OSError as exc:
        raise UsageError(f"bpdebug exam: {folder}: {exc.strerror or exc}") from None
    if there:
        raise UsageError(f"bpdebug exam: {folder}: a file is there, not a folder")
    real = Path(os.path.realpath(folder))
    if real == Path("/") or any(real == s or s in real.parents for s in SYSTEM_FOLDERS):
        link = f" is {real}," if real != folder.absolute() else ""
        raise UsageError(
            f"bpdebug exam: -o {folder}:{link} a system folder: sheets go in a folder of your own"
        )
    return folder


def write_sheets(folder: Path, files: dict[Path, str | bytes], force: bool) -> None:
    """Every file, or none: the folder made if missing, then each file written atomically;
    on a failure the files this run added (and a folder it made) are removed again."""
    from bpdebug.files.atomic import OutputError, exists, write_output

    taken = [p for p in files if exists(p)]
    if taken and not force:
        said = (
            f"{taken[0]} and {len(taken) - 1} more exist"
            if len(taken) > 1
            else f"{taken[0]} exists"
        )
        raise UsageError(f"bpdebug exam: {said} already (use --force to replace them)")
    made = not exists(folder)
    added: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)  # sheets/ in a fresh checkout
        for path, text in files.items():
            new = not exists(path)
            write_output(path, text, force)
            if new:
                added.append(path)
    except (OSError, OutputError) as exc:
        for path in added:
            path.unlink(missing_ok=True)
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        problem = str(exc) if isinstance(exc, OutputError) else f"{folder}: {exc.strerror or exc}"
        raise UsageError(f"bpdebug exam: {problem} (nothing written)") from None
