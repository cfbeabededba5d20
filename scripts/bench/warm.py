#!/usr/bin/env python3
"""`guide build` with its cache against a cold build, on one corpus.

Usage: scripts/bench/warm.py BIN SITE [--runs 3] [--kinds none,body,title,terms] [--no-write]

For `guide build` and `guide build --no-search`: times a cold build (`--no-cache`, into a fresh
output folder) and, for each kind of edit, a build with the cache of the previous one into the
same folder after editing one case study (the edits of reload.py: `body` appends a sentence,
`title` changes the title, `terms` adds or removes a theme, `date` changes the date, `new` adds a
case study, `delete` deletes one; `none` changes nothing). The edit is undone after each run
(undoing is not timed). Once per kind, the warm output is compared with a cold build of the same
content (`diff -r`, the `.guide-sortie` marker aside): the script fails if they differ. A last
row times a `body` edit built right after a cold build into the same folder (what follows a
`--no-cache` build or a new version of guide).

Wall time: time.perf_counter() around the process, median of the runs (min-max). Writes the
table into BENCHMARKS.md between `<!-- warm:start -->` and `<!-- warm:end -->` (after the
`<!-- notes -->` line when absent), a part `run.py` keeps.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from hostile import write_benchmarks  # noqa: E402
from reload import edit  # noqa: E402

START = "<!-- warm:start -->"
END = "<!-- warm:end -->"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def build(binary, site, out, extra):
    cmd = [str(binary), "build", "--root", str(site), "--output", str(out)] + extra
    started = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        log(result.stderr[-3000:])
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, result.stderr


def same(a, b):
    result = subprocess.run(["diff", "-rq", "-x", ".guide-sortie", str(a), str(b)],
                            stdout=subprocess.PIPE, text=True)
    return result.returncode == 0, result.stdout[:2000]


def cell(samples, cold=None):
    med = statistics.median(samples)
    text = f"{med:.2f} s ({min(samples):.2f}–{max(samples):.2f})"
    if cold:
        text += f", {100 * med / cold:.1f} % of cold"
    return text


def run_mode(binary, site, work, extra, kinds, runs):
    out = work / "warm-out"
    if out.exists():
        shutil.rmtree(out)
    colds = []
    for _ in range(runs):
        fresh = work / "cold-out"
        if fresh.exists():
            shutil.rmtree(fresh)
        colds.append(build(binary, site, fresh, extra + ["--no-cache"])[0])
    cold = statistics.median(colds)
    rows = [("cold (`--no-cache`)", cell(colds), "")]
    build(binary, site, out, extra)  # the cache for the first warm build
    page = sorted((site / "content" / "projets").glob("*.md"))[1]
    original = page.read_text(encoding="utf-8")
    for kind in kinds:
        samples, said = [], ""
        for run in range(runs):
            written = page if kind == "none" else edit(kind, page, original, 2 * run)
            try:
                wall, said = build(binary, site, out, extra)
                samples.append(wall)
                if run == 0:
                    check = work / "check-out"
                    if check.exists():
                        shutil.rmtree(check)
                    build(binary, site, check, extra + ["--no-cache"])
                    equal, diff = same(out, check)
                    if not equal:
                        sys.exit(f"{kind}: the warm build differs from a cold build:\n{diff}")
            finally:
                page.write_text(original, encoding="utf-8")
                if written != page and written.exists():
                    written.unlink()
            build(binary, site, out, extra)  # back to the unedited site, cache included
        reused = said.strip().splitlines()[-1] if said.strip() else ""
        rows.append((f"after `{kind}`", cell(samples, cold), reused))
        log(f"  {' '.join(extra) or 'build'} {kind}: {cell(samples, cold)}")
    rows.append(after_cold(binary, site, out, extra, page, original, runs, cold))
    return rows


def after_cold(binary, site, out, extra, page, original, runs, cold):
    """The row of a `body` edit built right after a cold build into the same folder (the
    kept output before the current one then holds none of the current one's files)."""
    samples, said = [], ""
    for run in range(runs):
        build(binary, site, out, extra + ["--no-cache"])
        edit("body", page, original, 2 * run + 1)
        try:
            wall, said = build(binary, site, out, extra)
            samples.append(wall)
        finally:
            page.write_text(original, encoding="utf-8")
    build(binary, site, out, extra)
    reused = said.strip().splitlines()[-1] if said.strip() else ""
    log(f"  {' '.join(extra) or 'build'} body after cold: {cell(samples, cold)}")
    return ("after `body`, right after a cold build into the same folder", cell(samples, cold), reused)


def section(binary, site, tables, argv):
    version = subprocess.run([str(binary), "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    pages = len(list((site / "content" / "projets").glob("*.md")))
    lines = [START, "## Builds with the cache", "",
             f"Command: `{argv}`, {date}; {version} (repository at commit {git}); "
             f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}; {pages} case studies.",
             "Written by `scripts/bench/warm.py` (this part is kept by `run.py`). Wall time of one",
             "build after one edit of one case study, with the cache of the previous build, against",
             "a cold build; each warm output was compared with a cold build's (`diff -r`): equal.", ""]
    for title, rows in tables:
        lines += [f"`{title}`:", "", "| build | wall time | what it said |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("site")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kinds", default="none,body,title,terms")
    ap.add_argument("--work", default="/tmp/guide-warm")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    site = Path(args.site).resolve()
    kinds = args.kinds.split(",")
    tables = []
    for extra in ([], ["--no-search"]):
        title = " ".join(["guide build"] + extra)
        tables.append((title, run_mode(args.binary, site, work, extra, kinds, args.runs)))
    text = section(args.binary, site, tables, " ".join(["scripts/bench/warm.py"] + sys.argv[1:]))
    print(text)
    if not args.no_write:
        write_benchmarks(text, START, END)


if __name__ == "__main__":
    main()
