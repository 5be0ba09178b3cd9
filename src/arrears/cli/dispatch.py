"""``arrears dispatch``: sends the queued messages through their transports, exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

import typer

from arrears.cli.common import console, err_console, reports_errors
from arrears.kit import clock
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import FIRST_DAY, LAST_DAY


class ChannelOption(StrEnum):
    sms = "sms"
    email = "email"
    push = "push"
    letter = "letter"


@reports_errors
def dispatch(
    channel: ChannelOption | None = typer.Option(
        None, "--channel", help="One channel only (default: sms, email and push)."
    ),
    once: bool = typer.Option(False, "--once", help="Send what is due now, then exit."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="Worker processes, each claiming its own batches."
    ),
    policy: str = typer.Option(
        "cn", "--policy", help="Compliance policy of the re-check: cn, us or a policy file."
    ),
    at: str | None = typer.Option(
        None,
        "--at",
        help="Dispatch as if it were this time (ISO 8601 with an offset, e.g. 2005-10-01T10:00+08:00), "
        "the clock running on from there: to send a past business date in a demo or a replay. Only "
        "with file transports, one process.",
    ),
) -> None:
    """Send the outbox: claim due messages in batches, re-check each against the rulebook at the
    moment of sending (hours, holds, opt-outs, invalid contact points; service messages go at once),
    send them through the channel's transport (ARREARS_SMS_TRANSPORT, ARREARS_EMAIL_TRANSPORT,
    ARREARS_PUSH_TRANSPORT; default file:<data_dir>/outbox/<channel>) at the rate the settings allow,
    and record what became of each; receipts and replies the transport reports are applied. Without
    --once it runs until SIGTERM or Ctrl-C, finishing the batch in hand. --channel letter renders the
    due letters for the print house (a batch per run date in ARREARS_LETTER_DIR/DATE,
    as `arrears letters render` does).

    Exit codes:
    0 all done (messages waiting for the hours or a retry are not failures);
    1 an error (settings, input);
    3 the transport was down or a step failed (the messages wait and are tried again within their deadline);
    4 messages failed or expired;
    5 both 3 and 4.
    """
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.messaging import runner

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    channels = [channel.value] if channel is not None else list(runner.DISPATCHED)
    now = clock.now if at is None else runner.replay_clock(_instant(at), settings, channels=channels)
    if channel is ChannelOption.letter:
        raise typer.Exit(code=_letters(policy, now))
    started = time.perf_counter()
    if at is not None and workers > 1:
        raise ArrearsError(
            "--at runs one process (leave out --workers)", "--at 只能单进程运行（去掉 --workers）"
        )
    if workers > 1:
        code = runner.run_processes(channels=channels, once=once, policy=policy, workers=workers)
        console.print(
            f"{workers} dispatchers stopped after {time.perf_counter() - started:.1f} s (exit {code})"
        )
        raise typer.Exit(code=code)
    tally = runner.run_here(channels=channels, once=once, policy=policy, now=now)
    figures = {
        "sent": tally.sent,
        "retried": tally.retried,
        "failed": tally.failed,
        "expired": tally.expired,
        "cancelled": tally.cancelled,
        "waiting": tally.waiting,
        "receipts and replies": tally.inbound,
    }
    said = ", ".join(f"{name} {count:,}" for name, count in figures.items())
    console.print(f"{said} in {time.perf_counter() - started:.1f} s")
    if tally.down:
        err_console.print(f"[yellow]stopped by a fault: {tally.errors[-1]}[/yellow]", highlight=False)
    raise typer.Exit(code=runner.exit_code(tally))


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ArrearsError(
            f"--at: {text[:40]!r} is not a time with an offset (e.g. 2005-10-01T10:00+08:00)",
            f"--at：{text[:40]!r} 不是带时区偏移的时间（例如 2005-10-01T10:00+08:00）",
        )
    if not FIRST_DAY <= value.date() <= LAST_DAY:  # the clock runs on from it: year 1 or 9999 overflows
        raise ArrearsError(
            f"--at: {text[:40]!r} is not between {FIRST_DAY} and {LAST_DAY}",
            f"--at：{text[:40]!r} 不在 {FIRST_DAY} 至 {LAST_DAY} 之间",
        )
    return value


def _letters(policy: str, now: Callable[[], datetime]) -> int:
    from arrears.messaging import runner

    done = runner.render_due_letters(policy=policy, now=now)
    skipped = ", ".join(f"{status} {count:,}" for status, count in sorted(done.skipped.items())) or "none"
    console.print(f"letters rendered {done.rendered:,}; not rendered: {skipped}", highlight=False)
    for folder in done.folders:
        console.print(f"  batch for the print house: {folder}", highlight=False)
    return done.exit_code
