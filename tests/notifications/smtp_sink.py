"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, in a thread. It keeps
every message it accepted; it can refuse given recipients, be stopped and started again on the same
port (an outage), and hold one message before accepting it (to kill a worker mid-send)."""
import asyncio
import email
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        with sink.lock:
            sink.seen += 1
            number = sink.seen
        if sink.delay:
            await asyncio.sleep(sink.delay)
        if sink.hold_at == number:
            sink.holding.set()
            while not sink.release.is_set():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            if server.transport is None or server.transport.is_closing():
                return "421 4.4.2 Connection dropped before the message was accepted"
        msg = email.message_from_bytes(envelope.content)
        with sink.lock:
            sink.messages.append({"to": list(envelope.rcpt_tos), "subject": msg["Subject"],
                                  "message_id": msg["Message-ID"], "key": msg["X-Casetracker-Key"], "msg": msg,
                                  "peer": session.peer})  # (host, port): one per SMTP connection
        return "250 2.0.0 Accepted"


class SmtpSink:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.messages = []
        self.refuse = set()
        self.delay = 0.0
        self.hold_at = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.seen = 0
        self.lock = threading.Lock()
        self.controller = None

    def start(self):
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def keys(self):
        with self.lock:
            return [m["key"] for m in self.messages]

    def wait_for(self, count, timeout=30):
        """Wait until `count` messages were accepted (the worker is another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return True
            time.sleep(0.02)
        return False
