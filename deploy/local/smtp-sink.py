#!/usr/bin/env python3
"""smtp-sink.py: a local SMTP server that keeps every message it receives as files, for development and tests.

    smtp-sink.py --port 2525 --dir /tmp/mail [--tls-cert server.crt --tls-key server.key [--implicit-tls]]
                 [--user billing --password secret [--auth-mechanisms PLAIN,LOGIN]] [--reject a@x.example,b@y.example]
                 [--ready-file FILE] [--exit-with-parent]

Each message becomes DIR/<seq>-<timestamp>.eml (the raw bytes as received, dot-stuffing undone) and, next to it, a .json
parsed by Python's email package (policy=email.policy.default): envelope, decoded headers, text and html bodies,
attachments (filename, content type, size, sha256), MIME defects, who authenticated and whether TLS was on. The .json is
written last and atomically: once it exists, the message is complete. DIR/index.txt gets one line per message.
Every AUTH attempt is appended to DIR/auth.jsonl (mechanism, login, success, tls; never the password).

With --tls-cert/--tls-key, STARTTLS is offered and required before anything but EHLO/HELO/NOOP/RSET/QUIT (with
--implicit-tls: TLS from the first byte instead, as on port 465). With --user/--password, AUTH (PLAIN, LOGIN) is
required before MAIL, and offered only over TLS when TLS is configured.
--reject makes RCPT TO answer 550 for those addresses (tests of permanent failures). Needs aiosmtpd (PyPI); the cluster's
`packages` step installs it. Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import datetime
import email
import email.policy
import hashlib
import hmac
import json
import os
import signal
import ssl
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError as error:
    print(f"smtp-sink: aiosmtpd is missing ({error}); install it: python3 -m pip install aiosmtpd", file=sys.stderr)
    sys.exit(3)


def parse_arguments():
    parser = argparse.ArgumentParser(description="A local SMTP sink that stores received mail as .eml and .json files.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525, help="0 picks a free port (written to the ready file)")
    parser.add_argument("--dir", required=True, help="where messages go (created if missing)")
    parser.add_argument("--tls-cert", help="PEM certificate (chain): offer and require STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (as on port 465) instead of STARTTLS")
    parser.add_argument("--user", help="require AUTH (PLAIN or LOGIN) with this user name")
    parser.add_argument("--password", help="the password of --user")
    parser.add_argument("--auth-mechanisms", default="PLAIN,LOGIN", help="the AUTH mechanisms offered (PLAIN, LOGIN)")
    parser.add_argument("--reject", default="", help="comma-separated recipient addresses refused with 550")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process goes (test runs)")
    parser.add_argument("--ready-file", help="written (host:port) once the sink listens")
    arguments = parser.parse_args()
    if bool(arguments.tls_cert) != bool(arguments.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if arguments.implicit_tls and not arguments.tls_cert:
        parser.error("--implicit-tls needs --tls-cert and --tls-key")
    if (arguments.user is None) != (arguments.password is None):
        parser.error("--user and --password go together")
    return arguments


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


class Sink:
    """The aiosmtpd handler: recipient refusals, AUTH checks, and storing each message."""

    def __init__(self, directory, rejected, user, password):
        self.directory = directory
        self.rejected = rejected
        self.user = user.encode() if user is not None else None
        self.password = password.encode() if password is not None else None
        self.sequence = 0

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        accepted = (
            isinstance(auth_data, LoginPassword)
            and self.user is not None
            and hmac.compare_digest(auth_data.login, self.user)
            and hmac.compare_digest(auth_data.password, self.password)
        )
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else None
        attempt = {"mechanism": mechanism, "login": login, "success": accepted, "tls": over_tls(server)}
        with open(os.path.join(self.directory, "auth.jsonl"), "a", encoding="utf-8") as file:
            file.write(json.dumps(attempt) + "\n")
        if not accepted:
            # handled=False: aiosmtpd answers 535 5.7.8 itself (handled=True would mean we had answered).
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return f"550 5.1.1 <{address}>: recipient refused by the sink (--reject)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sequence += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        name = f"{self.sequence:06d}-{now.strftime('%Y%m%dT%H%M%S.%fZ')}"
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
        write_atomically(os.path.join(self.directory, name + ".eml"), raw)
        summary = describe(raw)
        authenticated = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            authenticated = session.auth_data.login.decode("utf-8", "replace")
        summary.update(
            {
                "file": name + ".eml",
                "mailFrom": envelope.mail_from,
                "rcptTos": list(envelope.rcpt_tos),
                "authenticatedAs": authenticated,
                "tls": over_tls(server),
            }
        )
        write_atomically(os.path.join(self.directory, name + ".json"), json.dumps(summary, indent=2).encode("utf-8"))
        with open(os.path.join(self.directory, "index.txt"), "a", encoding="utf-8") as index:
            line = "\t".join([now.isoformat(timespec="seconds"), ", ".join(envelope.rcpt_tos), summary["subject"] or "", name + ".eml"])
            index.write(line.replace("\n", " ") + "\n")
        print(f"smtp sink: {name}.eml to {', '.join(envelope.rcpt_tos)}: {summary['subject']!r}", flush=True)
        return f"250 2.0.0 Ok: queued as {name}"


def over_tls(server):
    """Whether the session runs over TLS, from the start or after STARTTLS."""
    return server.transport is not None and server.transport.get_extra_info("ssl_object") is not None


def describe(raw):
    """What Python's email package makes of the message: decoded headers, bodies, attachments and defects."""
    message = email.message_from_bytes(raw, policy=email.policy.default)

    def header(name):
        value = message[name]
        return str(value) if value is not None else None

    def body(kind):
        part = message.get_body(preferencelist=(kind,))
        return part.get_content() if part is not None else None

    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename(),
                "contentType": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        )
    defects = [f"{type(defect).__name__}: {defect}" for part in message.walk() for defect in part.defects]
    return {
        "messageId": header("message-id"),
        "subject": header("subject"),
        "from": header("from"),
        "to": header("to"),
        "replyTo": header("reply-to"),
        "date": header("date"),
        "headers": [[name, str(value)] for name, value in message.items()],
        "contentType": message.get_content_type(),
        "text": body("plain"),
        "html": body("html"),
        "attachments": attachments,
        "defects": defects,
    }


async def serve(arguments):
    directory = os.path.abspath(arguments.dir)
    os.makedirs(directory, exist_ok=True)
    rejected = {address.strip().lower() for address in arguments.reject.split(",") if address.strip()}
    sink = Sink(directory, rejected, arguments.user, arguments.password)
    tls_context = None
    if arguments.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    loop = asyncio.get_running_loop()
    requires_auth = arguments.user is not None
    offered = {mechanism.strip().upper() for mechanism in arguments.auth_mechanisms.split(",") if mechanism.strip()}

    starttls = tls_context if not arguments.implicit_tls else None

    def session():
        # With implicit TLS the whole session is encrypted: aiosmtpd's own TLS checks only know STARTTLS.
        return SMTP(
            sink,
            hostname="smtp-sink",
            ident="billing smtp-sink",
            tls_context=starttls,
            require_starttls=starttls is not None,
            auth_required=requires_auth,
            auth_require_tls=starttls is not None,
            authenticator=sink.authenticate if requires_auth else None,
            auth_exclude_mechanism=[mechanism for mechanism in ("PLAIN", "LOGIN") if mechanism not in offered],
            loop=loop,
        )

    implicit = tls_context if arguments.implicit_tls else None
    server = await loop.create_server(session, host=arguments.host, port=arguments.port, ssl=implicit)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    # A parent may start us with these blocked (a Swift test process does): unblock them, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    print(f"smtp sink listening on {arguments.host}:{port}; mail in {directory}", flush=True)
    if arguments.ready_file:
        write_atomically(arguments.ready_file, f"{arguments.host}:{port}\n".encode())
    if arguments.exit_with_parent:
        loop.create_task(watch_parent(stop))
    await stop.wait()
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass
    print("smtp sink stopped", flush=True)


async def watch_parent(stop):
    """Sets `stop` once the process that started the sink is gone (we are then adopted by another)."""
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
        await asyncio.sleep(1)


def main():
    arguments = parse_arguments()
    if arguments.user is not None and not arguments.tls_cert:
        print("smtp-sink: AUTH without TLS: passwords cross the connection in clear (local development only)", file=sys.stderr)
    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
