"""The `renown` command line: the operators' composition root."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from renown.app import Runtime, build_runtime, check_keys, create_app
from renown.domain.activity import Network
from renown.domain.consent import ConsentMethod
from renown.domain.errors import RenownError
from renown.domain.member import AgeBracket
from renown.domain.policies import ConsentPurpose, Policies
from renown.domain.scopes import parse_scopes
from renown.services.audit import ChainHead
from renown.services.ropa import record_of_processing, ropa_markdown
from renown.settings import Settings, SettingsError
from renown.storage import migrate as migrations
from renown.storage.keyring import KekState
from renown.storage.policy_loader import PolicyError, check_data_map, load_policies
from renown.storage.tables import metadata
from renown.telemetry.logs import configure_logging
from renown.telemetry.metrics import prepare_multiprocess_metrics

T = TypeVar("T")


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build a runtime, run one async job on it, close it; expected failures exit 1 with their message."""
    async def main() -> T:
        runtime = build_runtime(Settings())
        try:
            if not runtime.settings.is_production:  # development keeps its SQLite file current by itself
                await migrations.upgrade(runtime.engine)
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except (RenownError, SettingsError, PolicyError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Renown: privacy-first influence scores, served over GraphQL."""


@cli.command()
@click.option("--host", default=None, help="Address to bind (default from RENOWN_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to bind (default from RENOWN_PORT, 8000).")
@click.option("--workers", default=1, show_default=True,
              help="Worker processes (use one per core); metrics are summed across them, rate limits are per "
                   "worker unless RENOWN_REDIS_URL is set.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql in development)."""
    import uvicorn

    settings = Settings()
    try:
        settings.check_production()
        load_policies(settings.policies_dir)
    except (SettingsError, PolicyError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    configure_logging()  # JSON lines; uvicorn's access log (raw paths and query strings) stays off
    if workers > 1:
        # Each worker writes its samples to this directory and /metrics sums them (it must exist, empty,
        # before the workers import prometheus_client). Rate-limit buckets stay per worker unless Redis holds them.
        folder = prepare_multiprocess_metrics(settings.var_dir)
        logging.getLogger("renown.serve").info(
            "serving with %d workers; metrics aggregated in %s; rate limits %s", workers, folder,
            "shared in Redis" if settings.redis_url else "per worker process (set RENOWN_REDIS_URL to share them)")
        uvicorn.run("renown.app:app_from_environment", factory=True, host=host or settings.host,
                    port=port or settings.port, workers=workers, log_config=None, access_log=False)
    else:
        uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                    log_config=None, access_log=False)


@cli.command()
def migrate() -> None:
    """Apply the database migrations (creates the SQLite file if needed)."""
    async def work(runtime: Runtime) -> str | None:
        await migrations.upgrade(runtime.engine)
        return await migrations.current_revision(runtime.engine)

    click.echo(f"database at revision {_run(work)}")


@cli.command()
@click.option("--member", "subject", required=True, help="Token subject, e.g. alice@example.org.")
@click.option("--scopes", default="member", show_default=True, help="Space- or comma-separated scopes.")
@click.option("--ttl", default=None, type=int, help="Lifetime in seconds (default from settings).")
def token(subject: str, scopes: str, ttl: int | None) -> None:
    """Mint a development bearer token."""
    async def work(runtime: Runtime) -> str:
        if runtime.settings.is_production:
            raise SettingsError("`renown token` mints development tokens only")
        return runtime.tokens.mint(subject, sorted(parse_scopes(scopes)), ttl=ttl)

    click.echo(_run(work))


def _purposes(value: str) -> list[ConsentPurpose]:
    try:
        return [ConsentPurpose(p.strip()) for p in value.split(",") if p.strip()]
    except ValueError:
        raise click.BadParameter(f"choose among {', '.join(p.value for p in ConsentPurpose)}") from None


@cli.command(name="import")
@click.option("--member", "subject", required=True, help="The member's token subject (e.g. alice@example.org).")
@click.option("--network", type=click.Choice([n.value for n in Network]), required=True)
@click.option("--grant", default="", callback=lambda _c, _p, v: _purposes(v),
              help="Consents the member gives for this network first, e.g. scoring,topics.")
@click.option("--age-bracket", type=click.Choice([a.value for a in AgeBracket]), default=AgeBracket.UNDECLARED.value,
              show_default=True, help="The member's self-declared age bracket, if they are registered here.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(subject: str, network: str, grant: list[ConsentPurpose], age_bracket: str, path: Path) -> None:
    """Import an archive for a member (registering them if needed), with a progress bar and a summary."""
    async def work(runtime: Runtime) -> Any:
        member = await runtime.services.register(
            subject=subject, display_name=None, age_bracket=AgeBracket(age_bracket))
        for purpose in grant:
            scope = Network(network) if runtime.policies.purpose(purpose).per_network else None  # perks: all networks
            await runtime.services.grant_consent(member_id=member.id, purpose=purpose,
                                                 network=scope, method=ConsentMethod.CLI)
        with click.progressbar(length=0, label="importing", show_pos=True) as bar:
            return await runtime.services.import_file(
                member_id=member.id, network=Network(network), path=path, progress=bar.update)

    summary = _run(work)
    click.echo(f"imported {summary.imported}, skipped {summary.skipped}; coverage: {', '.join(summary.coverage)}")


@cli.command()
@click.option("--members", default=200, show_default=True, help="How many members to generate.")
@click.option("--seed", default=7, show_default=True, help="Random seed: the same seed gives the same population.")
def demo(members: int, seed: int) -> None:
    """Migrate, then store a reproducible synthetic population and print a token for one demo member."""
    from renown.services.demo import generate_population
    from renown.services.demo_seed import seed_population

    async def work(runtime: Runtime) -> tuple[str, int]:
        await migrations.upgrade(runtime.engine)
        population = generate_population(members, seed)
        first = population.member(0).email
        if await runtime.services.find_member(subject=first) is None:
            with click.progressbar(length=population.size, label="storing demo members") as bar:
                await seed_population(runtime.uow, population, signer=runtime.tokens, progress=bar.update)
            await _rescore(runtime, refit=True)  # so GraphiQL shows scores and topics right away
        return runtime.tokens.mint(first, sorted(parse_scopes("member public")), ttl=7 * 24 * 3600), population.size

    token_, size = _run(work)
    click.echo(f"{size} demo members stored. Bearer token for member0000@example.org (7 days):\n{token_}")


async def _rescore(runtime: Runtime, *, refit: bool) -> Any:
    with click.progressbar(length=1, label="scoring members") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        return await runtime.services.scoring.rescore(progress, refit=refit)


@cli.command()
@click.option("--refit", is_flag=True, help="Fit a new calibration curve instead of reusing the stored one.")
def rescore(refit: bool) -> None:
    """Score every member now (the daily job), with a progress bar."""
    report = _run(lambda runtime: _rescore(runtime, refit=refit))
    click.echo(f"scored {report.scored} members, withdrew {report.withdrawn} scores; calibration "
               f"{report.calibration_version}{' (new)' if report.refitted else ''}; seconds {report.seconds}")


@cli.group()
def topics() -> None:
    """The topic taxonomy."""


@topics.command(name="import-klout")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the taxonomy YAML here (default: standard output).")
def import_klout(folder: Path, output: Path | None) -> None:
    """Convert Klout's public topic ontology (its three CSV files in FOLDER) into Renown's taxonomy YAML."""
    from renown.services.taxonomy import dump_taxonomy, import_klout_topics

    try:
        taxonomy = import_klout_topics(folder)
    except RenownError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    text = dump_taxonomy(taxonomy)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(taxonomy.topics)} topics in {len(taxonomy.categories)} categories written to {output}",
                   err=True)


@cli.command()
@click.option("--metrics-port", type=int, default=None,
              help="Serve Prometheus metrics (job durations, queue depth) on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address for the metrics endpoint.")
def worker(metrics_port: int | None, metrics_host: str) -> None:
    """Run background jobs and the schedule until SIGTERM."""
    from renown.jobs.worker import run_worker

    configure_logging()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    _run(run_worker)


@cli.group()
def audit() -> None:
    """The hash-chained audit log."""


def _chain_head(_: click.Context, __: click.Parameter, value: str | None) -> ChainHead | None:
    try:
        return None if value is None else ChainHead.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit.command()
@click.option("--head", "recorded_head", metavar="ID:HASH", default=None, callback=_chain_head,
              help="A head recorded earlier with `renown audit head`: also fail if it was cut off or rewritten.")
def verify(recorded_head: ChainHead | None) -> None:
    """Re-hash the audit chain; exit 1 naming the first altered, missing or reordered entry."""
    from renown.services.audit import ChainVerification, verify_chain

    async def work(runtime: Runtime) -> ChainVerification:
        async with runtime.uow() as uow:
            return await verify_chain(uow, recorded_head=recorded_head)

    result = _run(work)
    if not result.intact:
        click.echo(f"audit chain broken at entry {result.first_broken_id}: {result.reason} "
                   f"({result.checked} entries verified before it)", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {result.checked} entries verified")


@audit.command()
def head() -> None:
    """Print the newest entry as ID:HASH, to record outside the database (for `audit verify --head`)."""
    from renown.services.audit import chain_head

    async def work(runtime: Runtime) -> ChainHead:
        async with runtime.uow() as uow:
            return await chain_head(uow)

    click.echo(str(_run(work)))


@cli.group()
def keys() -> None:
    """Key-encryption key rotation and retirement."""


@keys.command()
def rotate() -> None:
    """Add a KEK version and re-wrap every data key under it; rerun to resume an interrupted rotation."""
    async def work(runtime: Runtime) -> int:
        vault = runtime.vault
        async with runtime.engine.connect() as conn:
            if await vault.keys_not_current(conn) == 0:
                vault.keyring.add_version()
            total = await vault.keys_not_current(conn)
            with click.progressbar(length=total, label="re-wrapping data keys") as bar:
                return await vault.rewrap(conn, progress=bar.update)

    click.echo(f"re-wrapped {_run(work)} data keys")


@keys.command()
@click.argument("version", type=int)
def retire(version: int) -> None:
    """Retire a KEK version once no data key needs it."""
    async def work(runtime: Runtime) -> None:
        async with runtime.engine.connect() as conn:
            if await runtime.vault.keys_needing(conn, [version]):
                raise SettingsError(f"data keys still need version {version}: run `renown keys rotate` first")
        runtime.vault.keyring.set_state(version, KekState.RETIRED)
        await check_keys(runtime)

    _run(work)
    click.echo(f"key-encryption key version {version} retired")


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Run the benchmarks in ./benchmarks (from a source checkout) and print JSON."""
    import subprocess

    if not Path("benchmarks/__main__.py").exists():
        click.echo("error: run `renown bench` from a source checkout (it needs ./benchmarks)", err=True)
        sys.exit(1)
    sys.exit(subprocess.call([sys.executable, "-m", "benchmarks", *args]))  # noqa: S603 - our own module


@cli.group()
def policies() -> None:
    """Policies as data: validate them, and print the record of processing activities."""


_POLICY_DIR = click.option("--dir", "folder", default=None, type=click.Path(file_okay=False, path_type=Path),
                           help="Policy folder (default RENOWN_POLICIES_DIR, ./policies).")


def _load_policies(folder: Path | None) -> tuple[Policies, Path]:
    folder = folder or Settings().policies_dir
    try:
        return load_policies(folder), folder
    except PolicyError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)


@policies.command()
@_POLICY_DIR
def check(folder: Path | None) -> None:
    """Validate the policy files, and the data map against every table; exit 1 on any problem."""
    loaded, where = _load_policies(folder)
    problems = check_data_map(loaded, metadata, where)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    columns = sum(len(t.columns) for t in loaded.data_map.values())
    click.echo(f"policies valid: {len(loaded.purposes)} purposes, {len(loaded.data_map)} tables and "
               f"{columns} columns declared")


@policies.command()
@_POLICY_DIR
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
def ropa(folder: Path | None, fmt: str) -> None:
    """Print the GDPR Art. 30 record of processing activities, generated from the policies."""
    loaded, _ = _load_policies(folder)
    record = record_of_processing(loaded, notice_version=loaded.current_notice(datetime.now(UTC).date()).version)
    click.echo(json.dumps(record, indent=2, ensure_ascii=False) if fmt == "json" else ropa_markdown(record))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
