#!/usr/bin/env python3
"""Time from saving one page to the reload event of `guide serve`.

Usage: reload.py GUIDE_BINARY SITE_DIR [RUNS]

Starts `guide serve --port 0` on SITE_DIR, listens to /__guide/events, then RUNS times appends
a sentence to one case study and measures the time until `event: reload` arrives. Prints each
time and the median, in milliseconds. Loopback only; stops the server at the end.
"""
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main():
    binary, site = sys.argv[1], Path(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
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
            page.write_text(original + f"\nAjout numéro {run}.\n", encoding="utf-8")
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
