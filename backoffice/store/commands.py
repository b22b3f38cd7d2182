"""`flask --app app store ...` and `search ...`: commands about the storage layer."""
import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice import reindex, search
from backoffice.store import connect, tinymongo_import
from backoffice.store.app import get_store


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


@click.group("search")
def search_group():
    """The stored search terms."""


@search_group.command("reindex")
@click.option("--if-stale", is_flag=True, help="Only when the terms were built with other search rules.")
@with_appcontext
def reindex_command(if_stale):
    """Rebuild every record's search terms with today's search rules (in batches)."""
    store = get_store()
    counts = reindex.reindex_if_stale(store) if if_stale else reindex.reindex(store)
    if counts is None:
        click.echo(f"The search terms already follow the search rules (version {search.SEARCH_RULES_VERSION}).")
        return
    click.echo(f"Search terms rebuilt (rules version {search.SEARCH_RULES_VERSION}): "
               + ", ".join(f"{name} {count}" for name, count in counts.items()))
