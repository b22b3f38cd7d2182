"""`flask --app app store ...`: commands about the storage layer."""
import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice.store import connect, tinymongo_import


@click.group("store")
def store_group():
    """The storage layer: moving data into it."""


@store_group.command("import-tinymongo")
@click.argument("path", type=click.Path(exists=True))
@with_appcontext
def import_tinymongo_command(path):
    """Copy the tinymongo store at PATH (a data directory or its backoffice.sqlite) into the configured store.

    The new store must be empty; the copy is all or nothing.
    """
    store = connect(current_app.config)
    try:
        counts, skipped = tinymongo_import.import_store(path, store)
    except tinymongo_import.ImportRefused as refused:
        raise click.ClickException(f"{refused} Nothing was written.") from None
    finally:
        store.close()
    click.echo(f"Imported from {path}: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    if skipped:
        click.echo("Not imported (no schema declares them): " + ", ".join(skipped))
