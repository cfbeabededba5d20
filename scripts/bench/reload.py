#!/usr/bin/env python3
"""Time from saving one page to the reload event of `guide serve`.

Usage: reload.py GUIDE_BINARY SITE_DIR [RUNS] [--front-matter | --kind KIND]

Starts `guide serve --port 0` on SITE_DIR, listens to /__guide/events, then RUNS times saves one
case study and measures the time until `event: reload` arrives. Prints each time and the
median, in milliseconds. Loopback only; stops the server at the end.

KIND (default `body`):
  body    appends a sentence to the body;
  title   changes the title (`--front-matter` is the same);
  date    changes the date;
  terms   adds a theme to the page, or takes it away, in turns;
  new     writes a new case study (removed at the end);
  delete  deletes the case study, then writes it back (the two saves are timed apart).
After the saves, it also times the first request of a listing (`/projets/`), which renders
the files the saves left out of date, and prints the server's counters (/__guide/etat).
"""
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path


def edit(kind, page, original, run):
    """Saves the page as the kind of edit asks; returns the file written."""
    if kind == "title":
        page.write_text(original.replace("title: \"", f"title: \"Version {run} : ", 1), encoding="utf-8")
    elif kind == "date":
        page.write_text(re.sub(r"^date: .*$", f"date: 2016-01-{run % 28 + 1:02d}", original, count=1,
                               flags=re.M), encoding="utf-8")
    elif kind == "terms":
        if run % 2 == 0:
            edited = re.sub(r"^themes: \[", "themes: [achats-responsables, ", original, count=1, flags=re.M)
            edited = re.sub(r"^themes: \[achats-responsables, ([^,\]]+)(, [^\]]+)?\]",
                            r"themes: [achats-responsables, \1]", edited, count=1, flags=re.M)
        else:
            edited = original
        page.write_text(edited, encoding="utf-8")
    elif kind == "new":
        new = page.with_name(f"nouvelle-fiche-{run}.md")
        new.write_text(original.replace("title: \"", f"title: \"Nouvelle {run} : ", 1), encoding="utf-8")
        return new
    elif kind == "delete":
        if run % 2 == 0:
            page.unlink()
        else:
            page.write_text(original, encoding="utf-8")
    else:
        page.write_text(original + f"\nAjout numéro {run}.\n", encoding="utf-8")
    return page


def pick_page(site, kind):
    """The second file of content/projets/ (the first case study); for `delete`, the first case
    study no other page names (deleting a page others link to is an error, not a save to time)."""
    pages = sorted((site / "content" / "projets").glob("*.md"))
    if kind != "delete":
        return pages[1]
    texts = "\n".join(p.read_text(encoding="utf-8") for p in site.glob("content/**/*.md"))
    for page in pages[1:]:
        if texts.count(page.stem) == 0:
            return page
    sys.exit("every case study is named by another page: nothing to delete safely")


def get(url, path):
    host, port = url.rsplit(":", 1)
    with socket.create_connection((host, int(port))) as connection:
        connection.settimeout(300)
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {url}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data.split(b"\r\n\r\n", 1)[-1]


def main():
    args = sys.argv[1:]
    kind = "body"
    if "--front-matter" in args:
        kind = "title"
        args.remove("--front-matter")
    if "--kind" in args:
        at = args.index("--kind")
        kind = args[at + 1]
        del args[at:at + 2]
    binary, site = args[0], Path(args[1])
    runs = int(args[2]) if len(args) > 2 else 10
    server = subprocess.Popen([binary, "serve", "--port", "0", "--root", str(site)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    written = []
    try:
        url = server.stdout.readline().strip().removeprefix("Serveur : http://").rstrip("/")
        host, port = url.rsplit(":", 1)
        events = socket.create_connection((host, int(port)))
        events.sendall(f"GET /__guide/events HTTP/1.1\r\nHost: {url}\r\n\r\n".encode())
        events.settimeout(300)  # a rebuild of the 10 000 corpus on a busy machine can take a while
        time.sleep(0.3)
        page = pick_page(site, kind)
        original = page.read_text(encoding="utf-8")
        times = []
        for run in range(runs):
            buffer = b""
            started = time.perf_counter()
            written.append(edit(kind, page, original, run))
            while b"event: reload" not in buffer:
                buffer += events.recv(4096)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
        started = time.perf_counter()
        get(url, "/projets/")
        listing = (time.perf_counter() - started) * 1000
        counters = get(url, "/__guide/etat").decode()
        for t in times:
            print(f"{t:.0f} ms")
        print(f"median: {statistics.median(times):.0f} ms over {runs} saves ({kind}, {page.name})")
        print(f"first listing request after the saves: {listing:.0f} ms; counters: {counters}")
    finally:
        page.write_text(original, encoding="utf-8")
        for extra in written:
            if extra != page and extra.exists():
                extra.unlink()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
