#!/usr/bin/env python3
"""Time from saving one page to the reload event of `guide serve`.

Usage: reload.py GUIDE_BINARY SITE_DIR [RUNS] [--front-matter]

Starts `guide serve --port 0` on SITE_DIR, listens to /__guide/events, then RUNS times appends
a sentence to one case study and measures the time until `event: reload` arrives. Prints each
time and the median, in milliseconds. Loopback only; stops the server at the end.

With --front-matter, each save changes the case study's title instead (a front-matter change:
listings show it, so `guide serve` loads the site again and renders the listings).
"""
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main():
    front_matter = "--front-matter" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--front-matter"]
    binary, site = args[0], Path(args[1])
    runs = int(args[2]) if len(args) > 2 else 10
    server = subprocess.Popen([binary, "serve", "--port", "0", "--root", str(site)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip().removeprefix("Serveur : http://").rstrip("/")
        host, port = url.rsplit(":", 1)
        events = socket.create_connection((host, int(port)))
        events.sendall(f"GET /__guide/events HTTP/1.1\r\nHost: {url}\r\n\r\n".encode())
        events.settimeout(120)  # a rebuild of the 10 000 corpus on a busy machine can take a while
        time.sleep(0.3)
        page = sorted((site / "content" / "projets").glob("*.md"))[1]
        original = page.read_text(encoding="utf-8")
        times = []
        for run in range(runs):
            buffer = b""
            started = time.perf_counter()
            if front_matter:
                edited = original.replace("title: \"", f"title: \"Version {run} : ", 1)
            else:
                edited = original + f"\nAjout numéro {run}.\n"
            page.write_text(edited, encoding="utf-8")
            while b"event: reload" not in buffer:
                buffer += events.recv(4096)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
        page.write_text(original, encoding="utf-8")
        for t in times:
            print(f"{t:.0f} ms")
        print(f"median: {statistics.median(times):.0f} ms over {runs} saves ({page.name})")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
