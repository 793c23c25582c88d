"""A network printer for the browser tests that takes its time, as a cheap thermal printer does.

It accepts the connection at once (the kernel does), answers its status questions (DLE EOT) as
a real printer does, but reads nothing of the job for `delay` seconds, with a tiny receive
buffer, so the kiosk's sender sees the job unacknowledged until then: the print
request really lasts `delay` seconds, through the same TCP backend as a printer on port 9100.
"""

from __future__ import annotations

import socket
import threading
import time

from tests.hardware.conftest import STATUS_OK, StatusReader


class SlowPrinter:
    def __init__(self, delay: float = 2.0) -> None:
        self.delay = delay
        self.jobs: list[bytes] = []
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # inherited by accepts
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        # The stall timeout must outlast the printer's pause, as a real configuration would.
        return f"tcp://127.0.0.1:{self.port}?timeout={self.delay + 4}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._receive, args=(conn,), daemon=True).start()

    def _receive(self, conn: socket.socket) -> None:
        """Answers status questions at once (DLE EOT is real-time on a real printer too), and
        pauses `delay` seconds at the first byte of the job."""
        job = bytearray()
        reader = StatusReader()
        paused = False
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                data, questions = reader.feed(chunk)
                answers = b"".join(
                    STATUS_OK[i : i + 1]
                    for i in ({1: 0, 2: 1, 4: 2}.get(n) for n in questions)
                    if i is not None
                )
                if answers:
                    try:
                        conn.sendall(answers)
                    except OSError:
                        break
                if data and not paused:
                    paused = True
                    if self._stop.wait(self.delay):
                        return
                job += data
        with self._lock:
            self.jobs.append(bytes(job))

    def wait_for_jobs(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.jobs) >= count:
                    break
            time.sleep(0.05)
        with self._lock:
            return len(self.jobs)

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(timeout=2)
