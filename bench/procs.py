"""Start, watch and stop the benchmark's server processes, each in its own process group.

Why: a benchmark that leaves gunicorn or RQ workers behind on Ctrl-C poisons the next run; every
process is started in a new session and stopped by signalling its whole group (never by name).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

DEFAULT_STOP_SECONDS = 10.0
"""How long a group gets after SIGTERM before SIGKILL."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """Direct child pids of ``pid`` (from /proc; empty if it is gone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MB (VmRSS), or None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (gone processes count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    """One started command: its Popen, a name and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the process's output."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Procs:
    """Processes of one benchmark run; ``stop_all`` (in a ``finally``) ends every group."""

    log_dir: Path
    started: list[Proc] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: str | Path | None = None) -> Proc:
        """Run ``argv`` in a new session with output to ``log_dir/name.log``."""
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def stop(self, proc: Proc, timeout: float = DEFAULT_STOP_SECONDS) -> None:
        """SIGTERM the process group of ``proc``; SIGKILL it if still alive after ``timeout``."""
        if proc.popen.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=timeout)
        _signal_group(proc.pid, signal.SIGKILL)  # stragglers in the group (workers, work horses)
        if proc.popen.poll() is None:
            proc.popen.wait(timeout=timeout)
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        """Stop every process still listed, newest first."""
        for proc in reversed(list(self.started)):
            self.stop(proc)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_http(url: str, proc: Proc, timeout: float = 30.0) -> None:
    """Block until GET ``url`` answers (any status) while ``proc`` is alive.

    Raises:
        RuntimeError: the process exited or did not answer within ``timeout``; carries its log tail.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout}s:\n{proc.tail()}")


def wait_children(proc: Proc, count: int, timeout: float = 30.0) -> list[int]:
    """Pids of ``proc``'s children once there are ``count`` of them (gunicorn's workers).

    Raises:
        RuntimeError: fewer children than ``count`` after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children(proc.pid)
        if len(kids) >= count:
            return kids
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name}: expected {count} child processes:\n{proc.tail()}")
