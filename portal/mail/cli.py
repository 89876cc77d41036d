"""``flask mail …``: the inbound SMTP receiver for replies by e-mail, and one reply by hand."""

import signal
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.mail.receiver import accept_reply, make_receiver
from portal.mail.reply_addresses import reply_token_in

mail_cli = AppGroup("mail", help="Replies by e-mail.")


@mail_cli.command("inbound")
def inbound():
    """Take replies by SMTP on INBOUND_HOST:INBOUND_PORT until stopped (SIGTERM or Ctrl-C).

    In production the agency's MX relays mail for REPLY_DOMAIN here.
    """
    config = current_app.config
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    # Blocked before the server's thread starts, so only this thread takes them, below.
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    receiver = make_receiver(current_app._get_current_object())
    receiver.start()
    click.echo(f"Taking replies for @{config['REPLY_DOMAIN'] or 'the PUBLIC_URL host'} on "
               f"{config['INBOUND_HOST']}:{config['INBOUND_PORT']}.")  # fmt: skip
    try:
        signal.sigwait(stop_signals)
    finally:
        receiver.stop()


@mail_cli.command("receive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "recipient", help="The reply address (default: found in the headers).")
@click.option("--sender", help="The envelope sender (default: Return-Path, else From).")
def receive(file, recipient, sender):
    """Feed one reply, saved as FILE (.eml), to the portal as if it came by SMTP."""
    raw = file.read_bytes()
    headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    if recipient is None:
        fields = ("Delivered-To", "X-Original-To", "To", "Cc")
        candidates = getaddresses([str(v) for name in fields for v in headers.get_all(name, [])])
        recipient = next((a for _n, a in candidates if reply_token_in(a)), None)
        if recipient is None:
            raise click.ClickException("No reply address in the message: give one with --to.")
    if sender is None:
        sender = str(headers.get("Return-Path") or headers.get("From") or "")
    accept_reply(raw, recipient, sender)
    click.echo(f"Handed the reply to {recipient} to the portal.")
