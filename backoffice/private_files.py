"""Files only the app's own account may read: the secret key and the data (0600 files in 0700 folders).

A world-readable `instance/secret_key` let any local account sign an admin session;
the embedded store's database holds every personal record. SQLite gives its journal
files the mode of the database file, so a database created 0600 keeps them private too.
"""
import os
import secrets

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path):
    """Create `path` (and missing parents) as 0700, and make an existing one 0700; return it."""
    os.makedirs(path, mode=FOLDER_MODE, exist_ok=True)
    os.chmod(path, FOLDER_MODE)
    return path


def private_file(path):
    """Create `path` empty as 0600 when missing, make an existing one 0600, in a 0700 folder; return it."""
    private_folder(os.path.dirname(os.path.abspath(path)))
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(descriptor)
    os.chmod(path, FILE_MODE)
    return path


def make_private(folder):
    """Make `folder` 0700 and everything already in it 0600 (files) or 0700 (folders)."""
    private_folder(folder)
    for root, folders, files in os.walk(folder):
        for name in folders:
            os.chmod(os.path.join(root, name), FOLDER_MODE)
        for name in files:
            os.chmod(os.path.join(root, name), FILE_MODE)


def demo_secret_key(path):
    """The demo's secret key, kept in `path` (0600, in a 0700 folder): created once, 32 random bytes as hex."""
    private_file(path)
    with open(path, encoding="ascii") as stream:
        key = stream.read().strip()
    if not key:
        key = secrets.token_hex(32)
        with open(path, "w", encoding="ascii") as stream:
            stream.write(key + "\n")
    return key
