#!/usr/bin/env python3
"""Runs several long-lived commands together, like foreman/honcho, for `make run`.

Usage: supervise.py --proc NAME 'COMMAND' [--proc NAME 'COMMAND' ...]

Each command runs through /bin/sh in its own process group, with its output prefixed by its name.
One SIGINT (Ctrl-C) or SIGTERM stops everything: SIGTERM to each command (Celery does a warm shutdown),
then SIGKILL to whatever is left in their groups after --grace seconds (a second Ctrl-C skips the wait). When any
command exits on its own the others are stopped too, and the exit code is that command's.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time

COLOURS = ["36", "33", "35", "32", "34", "31"]


class Supervisor:
    def __init__(self, procs, grace):
        self.procs = procs  # list of (name, command)
        self.grace = grace
        self.children = []  # list of (name, Popen)
        self.stopping = False
        self.force = False
        self.lock = threading.Lock()
        self.width = max(len(name) for name, _ in procs)
        self.tty = sys.stdout.isatty()

    def say(self, name, line, colour="0"):
        label = name.ljust(self.width)
        prefix = f"\033[{colour}m{label} |\033[0m " if self.tty else f"{label} | "
        with self.lock:
            sys.stdout.write(prefix + line + ("" if line.endswith("\n") else "\n"))
            sys.stdout.flush()

    def pump(self, name, stream, colour):
        for raw in iter(stream.readline, b""):
            self.say(name, raw.decode(errors="replace"), colour)
        stream.close()

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for i, (name, command) in enumerate(self.procs):
            colour = COLOURS[i % len(COLOURS)]
            proc = subprocess.Popen(
                ["/bin/sh", "-c", "exec " + command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # own process group: the terminal's Ctrl-C reaches only us
            )
            self.children.append((name, proc))
            threading.Thread(target=self.pump, args=(name, proc.stdout, colour), daemon=True).start()
            self.say("system", f"started {name} (pid {proc.pid}): {command}")

    def on_signal(self, signum, _frame):
        if self.stopping:
            self.force = True
            return
        self.say("system", f"{signal.Signals(signum).name} received: stopping everything")
        self.stopping = True

    @staticmethod
    def group_alive(pgid):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def signal_groups(self, sig):
        for _name, proc in self.children:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass

    def wait_until(self, done, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.force:
            if done():
                return True
            time.sleep(0.1)
        return done()

    def stop_all(self):
        # SIGTERM to each leader first, so Celery drains its own pool and Django's reloader its child;
        # then whatever is left in any group (the leader gone or not) gets SIGKILL.
        for _name, proc in self.children:
            if proc.poll() is None:
                proc.terminate()
        self.wait_until(lambda: all(proc.poll() is not None for _n, proc in self.children), self.grace)
        self.wait_until(lambda: not any(self.group_alive(proc.pid) for _n, proc in self.children), 2)
        left = [name for name, proc in self.children if proc.poll() is None or self.group_alive(proc.pid)]
        if left:
            self.say("system", f"killing {', '.join(left)}")
            self.signal_groups(signal.SIGKILL)
        for _name, proc in self.children:
            proc.wait()
        self.say("system", "all processes stopped")

    def run(self):
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGHUP, self.on_signal)
        self.start()
        exit_code = 0
        while not self.stopping:
            for name, proc in self.children:
                code = proc.poll()
                if code is not None:
                    self.say("system", f"{name} exited with code {code}: stopping everything")
                    exit_code = code or 1
                    self.stopping = True
                    break
            else:
                time.sleep(0.2)
        self.stop_all()
        return exit_code


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proc", nargs=2, action="append", metavar=("NAME", "COMMAND"), required=True)
    parser.add_argument("--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    args = parser.parse_args(argv)
    return Supervisor([tuple(p) for p in args.proc], args.grace).run()


if __name__ == "__main__":
    sys.exit(main())
