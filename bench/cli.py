"""The ``inaam bench`` command group: ``core`` here; other benchmarks add their own subcommands.

Why: operators and CI run every benchmark through the one ``inaam`` entry point; each
benchmark module keeps its own command and this group only collects them.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def bench() -> None:
    """Benchmarks against real PostgreSQL and Redis on this machine."""


@bench.command("core")
@click.option("--seconds", type=click.FloatRange(1, 120), default=10.0, show_default=True,
              help="Measuring time of each load; the reply-latency part sends for twice this.")
@click.option("--clients", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Load-generator threads, ledger threads and pgbench clients.")
@click.option("--rate", type=click.FloatRange(0.1, 100), default=None,
              help="Messages per second in the inbound→reply part (default 2).")
@click.option("--json", "as_json", is_flag=True, help="Also print the raw figures as JSON.")
def core_command(seconds: float, clients: int, rate: float | None, as_json: bool) -> None:
    """Webhook ack vs a bare app, ledger vs pgbench, inbound→reply latency and RSS, in one run.

    Uses a scratch database inaam_bench on 127.0.0.1:5432 and Redis db 14 (both emptied), and
    stops everything it starts, also on Ctrl-C.
    """
    import json
    import logging

    from bench import core, report

    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))  # the scratch data set-up logs every posting
    try:
        results = core.run(seconds, clients, rate=rate or core.DEFAULT_RATE, echo=click.echo)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    report.render(results)
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))


@bench.command("claims")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--bot-path/--no-bot-path", default=True, show_default=True,
              help="Also time every file through the whole bot (web, Redis queue, worker, PostgreSQL).")
@click.option("--bot-limit", type=click.IntRange(1), default=None,
              help="Time at most this many files of each kind through the bot (default: all).")
@click.option("--limit", type=click.IntRange(1), default=None, help="Read only the first LIMIT files.")
@click.option("--rows-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append each file's result to this JSON-lines file as it is read.")
@click.option("--from-rows", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Only summarise a --rows-out file of an earlier (or interrupted) run.")
@click.option("--json", "as_json", is_flag=True, help="Also print the raw figures as JSON.")
def claims_command(directory: Path, bot_path: bool, bot_limit: int | None, limit: int | None,
                   rows_out: Path | None, from_rows: Path | None, as_json: bool) -> None:
    """Invoice field accuracy, auto-credit safety, QR decode rate and timings over DIR/truth.jsonl.

    With --bot-path, each file is also sent as a WhatsApp photo through the real bot (scratch
    database inaam_bench_claims, Redis db 13) and the time to the reply is measured.
    """
    import json
    import logging
    import tempfile
    from contextlib import nullcontext

    from bench import botpath, claims

    logging.getLogger().setLevel(logging.WARNING)
    if from_rows is not None:
        claims.print_report(claims.summarize_rows(from_rows, directory))
        return
    with tempfile.TemporaryDirectory() as tmp:
        program = _program_with_key(directory, Path(tmp))
        context = botpath.bot_path(program_file=program) if bot_path else nullcontext(None)
        with context as measure:
            report = claims.run(directory, bot_path=measure, limit=limit, bot_limit=bot_limit, rows_out=rows_out)
    claims.print_report(report)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))


@bench.command("chaos")
@click.option("--numbers", type=click.IntRange(1, 500), default=40, show_default=True, help="WhatsApp numbers.")
@click.option("--seconds", type=click.FloatRange(5, 600), default=60.0, show_default=True,
              help="How long faults are injected (the conversations are paced over it).")
@click.option("--redis-down", type=click.FloatRange(1, 120), default=10.0, show_default=True,
              help="Seconds Redis stays stopped.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def chaos_command(numbers: int, seconds: float, redis_down: float, seed: int, as_json: bool) -> None:
    """Crashes and outages against the Procfile's processes: exit 1 unless nothing was lost or sent twice.

    Starts its own PostgreSQL cluster and Redis on free ports (nothing shared is touched).
    """
    import json
    import logging

    from bench import chaos

    logging.getLogger().setLevel(logging.WARNING)
    try:
        figures = chaos.run(numbers, seconds, redis_down=redis_down, seed=seed, echo=click.echo)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            click.echo(f"{key:>28}: {value}")
    click.echo("CHAOS RUN OK: every number got exactly its replies." if figures["ok"] else "CHAOS RUN FAILED.")
    if not figures["ok"]:
        raise SystemExit(1)


def _program_with_key(directory: Path, tmp: Path) -> str | None:
    """The default program, trusting DIR's e-invoice public key when DIR ships one."""
    from bench.claims import PUBLIC_KEY_NAME
    from bot.program import DEFAULT_PROGRAM_FILE

    key = directory / PUBLIC_KEY_NAME
    if not key.exists():
        return None
    program = tmp / "program.toml"
    program.write_text(DEFAULT_PROGRAM_FILE.read_text().replace('einvoice_public_key = ""',
                                                                f'einvoice_public_key = "{key.resolve()}"'))
    return str(program)


@bench.command("language")
@click.option("--split", type=click.Choice(["dev", "held", "all"]), default="held", show_default=True,
              help="Which part of the utterance set: held is the part never tuned on.")
@click.option("--errors", is_flag=True, help="List every message that went to the wrong place.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Another utterance file (TSV: split, intent, script, kind, text).")
@click.option("--json", "as_json", is_flag=True, help="Also print the figures as JSON.")
def language_command(split: str, errors: bool, path: Path | None, as_json: bool) -> None:
    """Accuracy per intent and per script, near-miss triggers and confusion pairs, through the dialog engine."""
    import json
    import logging

    from bench import language

    logging.getLogger().setLevel(logging.WARNING)
    utterances = [u for u in language.load(path or language.DATA) if split == "all" or u.split == split]
    if not utterances:
        raise click.ClickException(f"no utterances in split {split!r}")
    results = language.run(utterances)
    figures = language.print_report(results, title=f"language ({split})", errors=errors, echo=click.echo)
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False, default=str))


@bench.group("corpus")
def corpus_group() -> None:
    """Our own corpus of photographed GST invoices (many layout families) with exact truth."""


@corpus_group.command("make")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--count", type=click.IntRange(1, 100000), default=100, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Split: tune on one seed, report on another.")
@click.option("--family", "families", multiple=True, help="Only these layout families (default: all).")
def corpus_make_command(directory: Path, count: int, seed: int, families: tuple[str, ...]) -> None:
    """Render and photograph COUNT invoices into DIRECTORY, with truth.jsonl."""
    from bench.corpus.families import FAMILIES
    from bench.corpus.make import make

    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise click.BadParameter(f"unknown families {unknown}; known: {sorted(FAMILIES)}", param_hint="--family")
    make(directory, count, seed, families=list(families) or None, echo=click.echo)
    click.echo(f"Wrote {count} invoices and truth.jsonl to {directory}")


def register(main: click.Group) -> None:
    """Add the ``bench`` group to the ``inaam`` command."""
    main.add_command(bench)


@bench.command("campaign")
@click.option("--members", type=click.IntRange(100, 2_000_000), default=100_000, show_default=True)
@click.option("--rate", type=click.IntRange(1, 1000), default=80, show_default=True,
              help="Configured messages per second for the sender.")
@click.option("--seconds", type=click.FloatRange(20, 3600), default=180.0, show_default=True,
              help="Sending time measured (one worker is SIGKILLed at half time).")
@click.option("--workers", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--database", default="inaam_bench_campaign", show_default=True,
              help="Scratch database on 127.0.0.1:5432 (dropped and recreated).")
@click.option("--redis-url", default="redis://127.0.0.1:6379/12", show_default=True,
              help="Redis database for the queue (flushed).")
@click.option("--json", "as_json", is_flag=True, help="Also print the raw figures as JSON.")
def campaign_command(members: int, rate: int, seconds: float, workers: int, database: str, redis_url: str,
                     as_json: bool) -> None:
    """Build+queue time of a large campaign, the paced send rate, and 0 duplicates / 0 skips after a SIGKILL."""
    import json
    import logging

    from bench import campaign
    from bench.core import DEFAULT_SERVER_URL

    logging.getLogger().setLevel(logging.WARNING)
    try:
        results = campaign.run(members=members, rate=rate, seconds=seconds, workers=workers,
                               server_url=DEFAULT_SERVER_URL, database=database, redis_url=redis_url, echo=click.echo)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    r, c = results["rate"], results["check"]
    click.echo(f"build+queue {results['audience']:,} recipients: {results['build_queue_seconds']} s (target < 60 s)")
    click.echo(f"send rate: {r['measured']} msg/s vs configured {r['target']} ({r['deviation_pct']:+} %, target ±5 %) "
               f"over {r['window_s']} s; before kill {r['before_kill']}, after {r['after_kill']}")
    click.echo(f"after SIGKILL of a worker at {results['killed_at_s']} s: claimed {c['claimed']}, sent {c['sent']}, "
               f"duplicates {c['duplicates']}, lost {c['lost']}, stuck {c['stuck_in_outbox']}")
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))


@bench.command("redeem")
@click.option("--count", type=click.IntRange(10, 5000), default=200, show_default=True,
              help="Redemptions through the whole path (one member each).")
@click.option("--members", type=click.IntRange(100, 1_000_000), default=100_000, show_default=True,
              help="Members for the expiry job.")
@click.option("--entries", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Earning entries per member for the expiry job.")
@click.option("--server", default="postgresql://postgres@127.0.0.1:5432", show_default=True,
              help="PostgreSQL server; a scratch database is created and dropped there.")
@click.option("--database", default="inaam_bench_redeem", show_default=True)
@click.option("--redis-url", default="redis://127.0.0.1:6379/12", show_default=True, help="Emptied first.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Run `ledger verify` over the expiry data set afterwards (minutes at 100,000 members).")
def redeem_command(count: int, members: int, entries: int, server: str, database: str, redis_url: str,
                   verify: bool) -> None:
    """Redemptions/s through hold → payout → webhook → post (vs ledger-only), and the expiry job's time."""
    import json
    import logging

    from bench import redeem

    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))
    results = redeem.run(server, database, redis_url, count=count, members=members, entries=entries,
                         echo=click.echo, verify=verify)
    click.echo(json.dumps(results, indent=2))
