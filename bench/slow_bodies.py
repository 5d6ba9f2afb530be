"""Slow clients against a running app server (docs/deploy.md, "Slow clients").

``python bench/slow_bodies.py PORT N body|headers SECONDS`` opens N connections that
announce a 1,000-byte POST body and send one byte of it (``body``) or stop in the middle
of their headers (``headers``), asks ``/healthz`` once a second meanwhile, and prints
when the server closed each stalled connection (None: still open after SECONDS) and how
long each ``/healthz`` took. Start the server first, e.g.
``gunicorn -c portal/gunicorn.conf.py portal.wsgi --bind 127.0.0.1:8000 --workers 2``.
"""

import socket
import sys
import threading
import time
import urllib.request

BODY = (
    b"POST /api/v1/activations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
)
HEADERS = b"POST /api/v1/activations HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def main(port, count, kind, seconds):
    started = time.monotonic()
    closed = []

    def stall():
        conn = socket.create_connection(("127.0.0.1", port))
        conn.settimeout(seconds)
        conn.sendall(BODY if kind == "body" else HEADERS)
        try:
            while conn.recv(4096):
                pass
            closed.append(round(time.monotonic() - started, 1))
        except TimeoutError:
            closed.append(None)
        finally:
            conn.close()

    threads = [threading.Thread(target=stall) for _ in range(count)]
    for thread in threads:
        thread.start()
    latencies = []
    while time.monotonic() - started < seconds:
        asked = time.monotonic()
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(url, timeout=seconds) as response:
                response.read()
            latencies.append(round(time.monotonic() - asked, 2))
        except OSError:
            latencies.append("timeout")
            break
        time.sleep(max(0.0, 1 - (time.monotonic() - asked)))
    for thread in threads:
        thread.join()
    print(f"{count} stalled ({kind}), closed after (s):", sorted(closed, key=lambda c: c or 1e9))
    print("/healthz took (s):", latencies)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
