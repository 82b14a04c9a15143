"""A real IMAP server for the tests: Debian's dovecot (dovecot-imapd, installed by
scripts/ensure-system-packages.sh), started as a throwaway process on 127.0.0.1 with its own config,
a passwd-file user and Maildir storage in a temporary folder, and stopped after the test.

Run as root (CI), dovecot keeps its usual unprivileged users (dovecot, dovenull) and the mail belongs
to `dovecot`; run as anyone else, everything runs as that user."""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.notifications.processes import wait_until
from tests.notifications.smtp_sink import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotServer:
    user = "cases"
    password = "imap-test-password"

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mailin-dovecot-"))
        self.proc = None

    def _users(self):
        if os.geteuid() == 0:
            return "dovecot", "dovenull", "dovecot"
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, me

    def start(self):
        internal, login, mail_user = self._users()
        os.chmod(self.root, 0o701)  # dovecot's own users only need to pass through
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root / "mail", user=mail_user, group=mail_user)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, internal=internal, login=login,
                                        mail_user=mail_user, mail_group=mail_user))
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._answers, timeout=15, what="dovecot to accept IMAP connections")
        return self

    def _answers(self):
        import imaplib

        if self.proc.poll() is not None:
            raise AssertionError(f"dovecot exited:\n{self.log()}")
        try:
            imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
        except OSError:
            return False
        imap.logout()
        return True

    def log(self):
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self):
        """An IMAPClient logged in as the test user (what the test uses to deliver and look)."""
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw, folder="INBOX"):
        with self.client() as client:
            client.append(folder, raw)

    def count(self, folder):
        with self.client() as client:
            if not client.folder_exists(folder):
                return 0
            return client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
