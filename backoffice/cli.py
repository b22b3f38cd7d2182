"""Command-line commands: thin wrappers over the operations modules."""
import click
from flask import current_app

from backoffice import seeding
from backoffice.db import get_db


@click.command("seed")
@click.option("--reset", is_flag=True, help="Empty the collections first.")
@click.option("--if-empty", is_flag=True, help="Only seed a database that holds no record yet.")
def seed_command(reset, if_empty):
    """Load the demo data of seeds/*.json through the schemas (all or nothing, idempotent)."""
    db = get_db()
    if if_empty and not seeding.is_empty(db):
        click.echo("The database already holds records; nothing seeded.")
        return
    report = seeding.seed(db, current_app.config["SEEDS_DIR"], reset=reset)
    if report.errors:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(report.errors)} invalid fixture value(s): nothing was written.")
    for collection in seeding.SEED_COLLECTIONS:
        click.echo(
            f"{collection}: {report.created.get(collection, 0)} created, "
            f"{report.updated.get(collection, 0)} updated, {report.unchanged.get(collection, 0)} unchanged"
        )


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(seed_command)
