#!/usr/bin/env python3
"""Hostile inputs that must stay linear: times `BIN build` on four generated sites.

Usage: scripts/bench/hostile.py BIN [--before OLD_BIN] [--runs 1] [--timeout 600] [--work DIR]
                                [--only NAME,...] [--no-write]

Each case is a small site written into a temporary folder (or under --work), with this
repository's themes and a minimal guide.yaml:

- `declared-terms`: 10 000 terms declared in guide.yaml for one taxonomy, 100 pages naming one
  of them each (so 10 000 term pages, most of them empty);
- `unique-terms`: 1 000 pages with 5 terms each that no other page names (5 000 terms, none
  declared);
- `long-paragraph`: one page whose body is a single paragraph of 1.35 MB (a sentence with
  apostrophes, `&` and brackets repeated, so that Markdown cuts it into many text events);
- `code-block`: one page whose body is a fenced `rust` code block of 6 MB.

For each case it runs `BIN build --root SITE --output OUT --no-cache` (a fresh OUT each run, a
cold build: `--no-cache` is left out for an earlier binary without a build cache), and reports
the wall time (time.perf_counter() around the process) and the peak RSS (/usr/bin/time's %M,
or getrusage of a python wrapper when /usr/bin/time is missing). A run longer than --timeout is
killed and reported as such. With --before, each case is also timed with OLD_BIN (an earlier
build, to show a change) and the table has both. Then it writes the table into BENCHMARKS.md between the markers
`<!-- hostile:start -->` and `<!-- hostile:end -->` (added after the `<!-- notes -->` line when
absent), a part that `run.py` keeps when it rewrites the file.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
START = "<!-- hostile:start -->"
END = "<!-- hostile:end -->"
NOTES_MARK = "<!-- notes -->"
WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]); "
           "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
           "sys.exit(r.returncode)")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- sites -----------------------------------------------------------------------------------

def config(taxonomy_terms=None):
    """guide.yaml with one taxonomy `mots-cles`, its terms declared when given."""
    lines = [
        "title: Site hostile",
        "description: Un site généré pour mesurer les entrées hostiles.",
        "base_url: https://example.org/",
        "language: fr",
        "theme: innovation-sociale",
        "taxonomies:",
        "  - name: mots-cles",
        "    title: Mots-clés",
    ]
    if taxonomy_terms is not None:
        lines.append("    terms:")
        for slug in taxonomy_terms:
            lines.append(f"      - slug: {slug}")
            lines.append(f"        title: Terme {slug}")
    return "\n".join(lines) + "\n"


def skeleton(site, guide_yaml):
    (site / "content" / "notes").mkdir(parents=True)
    shutil.copytree(REPO / "themes", site / "themes")
    (site / "guide.yaml").write_text(guide_yaml, encoding="utf-8")
    (site / "content" / "_index.md").write_text("---\ntitle: Accueil\n---\nBienvenue.\n", encoding="utf-8")
    (site / "content" / "notes" / "_index.md").write_text("---\ntitle: Notes\n---\n", encoding="utf-8")


def page(site, name, terms, body):
    front = f"---\ntitle: Note {name}\n"
    if terms:
        front += "mots-cles: [" + ", ".join(terms) + "]\n"
    (site / "content" / "notes" / f"{name}.md").write_text(front + "---\n" + body, encoding="utf-8")


def declared_terms(site):
    slugs = [f"terme-{i:05}" for i in range(10_000)]
    skeleton(site, config(slugs))
    for i in range(100):
        page(site, f"n{i:03}", [slugs[i * 100]], "Un paragraphe.\n")


def unique_terms(site):
    skeleton(site, config())
    for i in range(1_000):
        page(site, f"n{i:04}", [f"mot-{i:04}-{k}" for k in range(5)], "Un paragraphe.\n")


def long_paragraph(site):
    # Apostrophes, ampersands and brackets cut the text into many Markdown events.
    sentence = "L'entreprise d'Annecy & l'équipe [atelier] ont mis en place l'accord du 3 mai ; "
    count = 1_350_000 // len(sentence.encode())
    skeleton(site, config())
    page(site, "paragraphe", [], sentence * count + "fin.\n")


def code_block(site):
    skeleton(site, config())
    line = "let valeur = calcul(entree, 42) + \"texte\"; // commentaire\n"
    count = 6_000_000 // len(line.encode())
    page(site, "code", [], "```rust\n" + line * count + "```\n")


CASES = [
    ("declared-terms", "10 000 declared terms, 100 pages", declared_terms),
    ("unique-terms", "1 000 pages × 5 unique terms (5 000 terms)", unique_terms),
    ("long-paragraph", "one paragraph of 1.35 MB", long_paragraph),
    ("code-block", "one fenced code block of 6 MB", code_block),
]


# --- measuring -------------------------------------------------------------------------------

def cold_flag(binary, known={}):
    """`--no-cache` for a binary that has a build cache (every run is a cold build); nothing for
    an earlier binary, which has none."""
    if binary not in known:
        help_text = subprocess.run([str(binary), "build", "--help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True).stdout
        known[binary] = ["--no-cache"] if "--no-cache" in help_text else []
    return known[binary]


def measure(binary, site, out, timeout, time_bin, rss_file):
    """(wall seconds, peak RSS KiB, outcome) of one `build`; outcome is 'ok', 'timeout' or
    'exit N'."""
    cmd = [str(binary), "build", "--root", str(site), "--output", str(out)] + cold_flag(binary)
    if time_bin:
        full = [time_bin, "-f", "%M", "-o", str(rss_file)] + cmd
    else:
        full = [sys.executable, "-c", WRAPPER, str(rss_file)] + cmd
    started = time.perf_counter()
    try:
        result = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, None, "timeout"
    wall = time.perf_counter() - started
    rss = rss_file.read_text().strip().splitlines() if rss_file.exists() else []
    peak = int(rss[-1]) if rss and rss[-1].isdigit() else None
    if result.returncode != 0:
        log(result.stderr[-2000:])
        return wall, peak, f"exit {result.returncode}"
    return wall, peak, "ok"


def run_case(binaries, work, name, make, runs, timeout, time_bin):
    """The samples of each binary on the site of one case (generated once)."""
    site = work / name
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    make(site)
    results = []
    for binary in binaries:
        samples = []
        for _ in range(runs):
            out = work / f"{name}-out"
            if out.exists():
                shutil.rmtree(out)
            sample = measure(binary, site, out, timeout, time_bin, work / "rss.txt")
            log(f"{name} ({binary}): {sample[0]:.2f} s, {sample[1]} KiB, {sample[2]}")
            samples.append(sample)
            if sample[2] != "ok":
                break
        results.append(samples)
    shutil.rmtree(site)
    shutil.rmtree(work / f"{name}-out", ignore_errors=True)
    return results


def cells(samples, timeout):
    """Wall time and peak RSS cells of one binary's samples."""
    failed = [s for s in samples if s[2] != "ok"]
    if failed:
        outcome = failed[0][2]
        wall = f"> {timeout} s (killed)" if outcome == "timeout" else f"{failed[0][0]:.2f} s ({outcome})"
        peak = f"{failed[0][1] / 1024:.0f} MiB" if failed[0][1] else "–"
        return [wall, peak]
    walls = [s[0] for s in samples]
    peak = max(s[1] or 0 for s in samples)
    spread = f" ({min(walls):.2f}–{max(walls):.2f})" if len(walls) > 1 else ""
    return [f"{statistics.median(walls):.2f} s{spread}", f"{peak / 1024:.0f} MiB"]


def row(label, results, timeout):
    columns = [label]
    for samples in results:
        columns += cells(samples, timeout)
    columns.append(str(len(results[-1])))
    return "| " + " | ".join(columns) + " |"


def section(binaries, rows, argv):
    binary = binaries[-1]
    version = subprocess.run([str(binary), "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    machine = f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    return "\n".join([
        START,
        "## Hostile inputs",
        "",
        f"Command: `{argv}`, {date}; {version} (repository at commit {git}); {machine}.",
        "Written by `scripts/bench/hostile.py` (this part is kept by `run.py`). Wall time of",
        "`guide build` (median of the runs, min–max) and its peak RSS"
        + (f'; "before" is `{binaries[0]}`, an earlier build.' if len(binaries) > 1 else '.'),
        "",
        *(["| input | before: wall time | before: peak RSS | wall time | peak RSS | runs |",
           "|---|---|---|---|---|---|"] if len(binaries) > 1 else
          ["| input | wall time | peak RSS | runs |", "|---|---|---|---|"]),
        *rows,
        END,
    ])


def write_benchmarks(text, start=START, end=END):
    """Puts `text` (which begins with `start` and ends with `end`) in place of that part of
    BENCHMARKS.md, or after the notes mark when absent (warm.py uses it too)."""
    path = REPO / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        new = old[:old.index(start)] + text + old[old.index(end) + len(end):]
    elif NOTES_MARK in old:
        at = old.index(NOTES_MARK) + len(NOTES_MARK)
        new = old[:at] + "\n" + text + "\n" + old[at:]
    else:
        new = old.rstrip("\n") + "\n\n" + NOTES_MARK + "\n" + text + "\n"
    path.write_text(new, encoding="utf-8")
    log(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary", help="the guide binary to measure")
    ap.add_argument("--before", default=None, help="an earlier guide binary, timed as well")
    ap.add_argument("--runs", type=int, default=1, help="timed runs per case")
    ap.add_argument("--timeout", type=int, default=600, help="seconds before a run is killed")
    ap.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write BENCHMARKS.md")
    args = ap.parse_args()
    binaries = ([Path(args.before).resolve()] if args.before else []) + [Path(args.binary).resolve()]
    only = {n for n in args.only.split(",") if n}
    time_bin = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
    with tempfile.TemporaryDirectory(prefix="guide-hostile-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = []
        for name, label, make in CASES:
            if only and name not in only:
                continue
            results = run_case(binaries, work, name, make, args.runs, args.timeout, time_bin)
            rows.append(row(f"`{name}`: {label}", results, args.timeout))
    text = section(binaries, rows, " ".join(["scripts/bench/hostile.py"] + sys.argv[1:]))
    print(text)
    if not args.no_write:
        write_benchmarks(text)


if __name__ == "__main__":
    main()
