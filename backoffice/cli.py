"""Command-line commands: thin wrappers over the operations modules."""
import os
import sys
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext

from backoffice import audit, backup, exports, files, imports, migrations, outbox, records, reindex, seeding, users
from backoffice.admin import COLLECTION_VIEWS
from backoffice.i18n import LANGUAGES
from backoffice.store import Conflict
from backoffice.store.app import get_store
from backoffice.store.commands import search_group, store_group
from backoffice.store.mongo import MongoStore
from backoffice.views.base import default_list_sort
from schemas.user import ROLES


@click.command("seed")
@with_appcontext
@click.option("--reset", is_flag=True, help="Empty the collections first.")
@click.option("--if-empty", is_flag=True, help="Only seed a database that holds no record yet.")
def seed_command(reset, if_empty):
    """Load the demo data of seeds/*.json through the schemas (all or nothing, idempotent)."""
    store = get_store()
    if if_empty and not seeding.is_empty(store):
        click.echo("The database already holds records; nothing seeded.")
        # `make run` comes this way each time: records stored under older search rules are re-indexed.
        if reindex.reindex_if_stale(store) is not None:
            click.echo("Search terms rebuilt with today's search rules.")
        return
    try:
        report = seeding.seed(store, current_app.config["SEEDS_DIR"], reset=reset)
    except (records.SaveRefused, records.StaleRecord, Conflict):
        # A record changed (or the store stayed busy) between the check and the write: the transaction wrote nothing.
        raise click.ClickException("The store changed while seeding: nothing was written. Run the command again.") from None
    if report.errors:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(report.errors)} invalid fixture value(s): nothing was written.")
    for collection in seeding.SEED_COLLECTIONS:
        click.echo(
            f"{collection}: {report.created.get(collection, 0)} created, "
            f"{report.updated.get(collection, 0)} updated, {report.unchanged.get(collection, 0)} unchanged"
        )


@click.group("users")
def users_group():
    """Manage the people who may sign in."""


@users_group.command("create")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True, help="What the user may do.")
@click.option("--name", help="Full name (defaults to the part of the e-mail before @).")
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
def create_user_command(email, role, name, language):
    """Create a user; the password comes from a prompt (or stdin), never from the command line."""
    password = _read_password()
    try:
        users.create_user(get_store(), email, role, password, name=name, language=language, actor="cli")
    except records.SaveRefused as refused:
        for field, messages in refused.errors.items():
            click.echo(f"{field}: {' '.join(map(str, messages))}", err=True)
        raise click.ClickException("The user was not created.") from None
    click.echo(f"User {email.lower()} created with the role {role}.")


def _read_password():
    # A password in the arguments would end up in the shell history and the process list.
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _user(email):
    user = get_store().find_one("users", {"email": email.strip().lower()})
    if user is None:
        raise click.ClickException(f"No user has the e-mail address {email}.")
    return user


def _refused(refused, what):
    for field, messages in refused.errors.items():
        click.echo(f"{field}: {' '.join(map(str, messages))}", err=True)
    raise click.ClickException(what) from None


@users_group.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(sorted(ROLES)))
def set_role_command(email, role):
    """Give a user another role (refused for the last active administrator); their sessions end."""
    user = _user(email)
    try:
        users.change_access(get_store(), user, role, user.get("active", True), actor="cli")
    except records.SaveRefused as refused:
        _refused(refused, "The role was not changed.")
    click.echo(f"{user['email']} now has the role {role}; their sessions have ended.")


@users_group.command("reactivate")
@with_appcontext
@click.argument("email")
def reactivate_command(email):
    """Let a deactivated user sign in again."""
    user = _user(email)
    try:
        users.change_access(get_store(), user, user["role"], True, actor="cli")
    except records.SaveRefused as refused:
        _refused(refused, "The user was not reactivated.")
    click.echo(f"{user['email']} may sign in again.")


@users_group.command("set-password")
@with_appcontext
@click.argument("email")
def set_password_command(email):
    """Set a user's password, read from a prompt or stdin (never an argument); their sessions end."""
    user = _user(email)
    password = _read_password()
    try:
        users.set_password(get_store(), user, password, actor="cli")
    except records.SaveRefused as refused:
        _refused(refused, "The password was not changed.")
    click.echo(f"The password of {user['email']} was changed; their sessions have ended.")


@users_group.command("list")
@with_appcontext
def list_users_command():
    """List the users with their role and whether they may sign in."""
    for doc in get_store().find("users", {}, sort=[("email", 1)], projection={"email": 1, "role": 1, "active": 1}):
        click.echo(f"{doc['email']}\t{doc['role']}\t{'active' if doc.get('active', True) else 'inactive'}")


@click.command("export")
@click.argument("collection", type=click.Choice(["requests", "briefings", "providers", "lots"]))
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True, help="Language of headers and values.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="File to write (default: standard output).")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="Keep records whose field equals the value (repeatable).")
@click.option("--sep", type=click.Choice([";", ","]), default=";", show_default=True, help="Column separator.")
@with_appcontext
def export_command(collection, lang, out, filters, sep):
    """Write the same CSV as the admin's export (in the list's order), e.g. `export requests --filter status=received`."""
    query = {}
    for item in filters:
        field, _sep, value = item.partition("=")
        if not _sep or field not in exports.export_fields(collection) and field != "status":
            raise click.BadParameter(f"{item!r}: use FIELD=VALUE with an exported field", param_hint="--filter")
        query[field] = value  # a plain string: never a query operator
    g.cli_language = lang
    sort = default_list_sort(COLLECTION_VIEWS[collection])
    stream = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        for chunk in exports.generate_csv(get_store(), collection, query, sep, language=lang, sort=sort):
            stream.write(chunk)
    finally:
        if out:
            stream.close()
    audit.record(get_store(), "export", "cli", collection, details={"filters": list(filters)})


@click.command("import")
@click.argument("collection", type=click.Choice(imports.COLLECTIONS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True, help="Language of the messages.")
@with_appcontext
def import_command(collection, file, dry_run, lang):
    """Load a CSV or XLSX file (the export's own columns) into COLLECTION: all its records or none."""
    g.cli_language = lang
    name = Path(file).name
    try:
        result = imports.preview(collection, name, Path(file).read_bytes())
    except imports.ImportRefused as refused:
        raise click.ClickException(f"{refused} Nothing was imported.") from None
    for line in result.records:
        lines = ", ".join(map(str, line.lines))
        if line.status == "error":
            for number, column, message in line.errors:
                click.echo(f"line {number}" + (f", {column}" if column else "") + f": {message}", err=True)
        elif line.status == "changed":
            click.echo(f"line {lines}: {line.key} changed: " + "; ".join(line.changes))
        elif line.status == "new":
            click.echo(f"line {lines}: {line.key or '(new)'} new")
    counts = result.counts
    summary = f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, {counts['error']} refused"
    if counts["error"]:
        raise click.ClickException(f"{summary}: nothing was imported; correct the refused lines first.")
    if dry_run:
        click.echo(f"{summary} (dry run: nothing was written).")
        return
    try:
        imports.apply(result, "cli")
    except imports.ImportRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{summary}: imported.")


DEMO_PASSWORD = "demo-participation"
DEMO_ACCOUNTS = (("admin@demo.example", "admin"), ("staff@demo.example", "staff"), ("manager@demo.example", "manager"))
# The colleagues the demo requests are assigned to (seeds/requests.json): with accounts, lists name them.
DEMO_COLLEAGUES = (
    ("a.peeters@perspective.example", "An Peeters", "nl"),
    ("m.dubois@perspective.example", "Marc Dubois", "fr"),
    ("s.janssens@perspective.example", "Sofie Janssens", "nl"),
    ("y.elamrani@perspective.example", "Yasmina El Amrani", "fr"),
)


@click.command("demo-accounts")
@with_appcontext
def demo_accounts_command():
    """Create the demo sign-ins (embedded demo store only) and print how to use them."""
    store = get_store()
    if isinstance(store, MongoStore):
        raise click.ClickException("Demo accounts exist only on the embedded demo store, never on MongoDB.")
    for email, role in DEMO_ACCOUNTS:
        if store.find_one("users", {"email": email}, {"_id": 1}) is None:
            users.create_user(store, email, role, DEMO_PASSWORD, name=f"Demo {role}", actor="demo")
    for email, name, language in DEMO_COLLEAGUES:
        if store.find_one("users", {"email": email}, {"_id": 1}) is None:
            users.create_user(store, email, "staff", DEMO_PASSWORD, name=name, language=language, actor="demo")
    # The address `make run` serves: its HOST and PORT (Flask's own default port otherwise).
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT") or os.environ.get("FLASK_RUN_PORT") or "5000"
    click.echo(f"Sign in at http://{host}:{port}/login with one of these demo accounts:")
    for email, _role in DEMO_ACCOUNTS:
        # What is stored, not what was meant: an admin may have changed a demo account since.
        stored = store.find_one("users", {"email": email}, {"role": 1, "active": 1})
        state = "" if stored.get("active", True) else " (deactivated)"
        click.echo(f"  {email:<24} role {stored['role']:<8} password {DEMO_PASSWORD}{state}")


def _file_folder():
    """The folder of file contents when the store keeps them outside the database (the embedded store)."""
    blobs = files.blobs(get_store())
    return blobs if isinstance(blobs, files.FolderBlobs) else None


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write every collection to FILE as Extended JSON (put it back with `restore`)."""
    counts = backup.backup(get_store(), file, _file_folder())
    click.echo(f"Backup written to {file}: " + ", ".join(f"{name} {count}" for name, count in counts.items()))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file):
    """Replace every collection by those of the backup FILE (checked whole first, then replaced in one transaction)."""
    try:
        counts = backup.restore(get_store(), file, _file_folder())
    except backup.NotABackup as refused:
        raise click.ClickException(f"{refused} Nothing was changed.") from None
    click.echo(f"Restored from {file}: " + ", ".join(f"{name} {count}" for name, count in counts.items()))


@click.group("outbox")
def outbox_group():
    """The e-mails waiting in the outbox."""


@outbox_group.command("send")
@with_appcontext
def outbox_send_command():
    """Send the queued and failed messages (each once); without MAIL_SERVER they stay queued."""
    counts = outbox.send_pending(get_store())
    if not outbox.configured():
        click.echo(f"No MAIL_SERVER is set: {counts['queued']} message(s) stay in the outbox.")
        return
    click.echo(f"{counts['sent']} sent, {counts['failed']} failed.")
    failed = get_store().find(outbox.COLLECTION, {"status": "failed"}, projection={"to": 1, "subject": 1, "last_error": 1})
    for message in failed:
        click.echo(f"  not sent to {message['to'] or '(no address)'}: {message['subject']}: {message['last_error']}", err=True)
    if counts["failed"]:
        raise SystemExit(1)


@click.command("migrate-awards")
@with_appcontext
def migrate_awards_command():
    """Convert briefings that hold one award for the whole briefing to one award per lot."""
    try:
        lines = migrations.migrate_awards(get_store())
    except records.SaveRefused as refused:
        raise click.ClickException(f"A briefing could not be migrated: {refused.errors}") from None
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} briefing(s) migrated." if lines else "No briefing holds a single award: nothing changed.")


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_accounts_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(users_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(store_group)
    app.cli.add_command(search_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(migrate_awards_command)
