"""LibreOffice Calc, headless, as the real peer of our CSV and XLSX files.

`calc_read(path, ...)` opens a file the way a manager's Calc does (a CSV with the
Belgian French or Dutch import settings) and saves what it understood as a workbook,
which openpyxl then reads cell by cell: a value Calc took for a number comes back as a
number, text as text. `make test` installs Debian's libreoffice-calc-nogui when missing.
"""
import shutil
import subprocess
from pathlib import Path

import openpyxl

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Windows language ids of the import settings (fr-BE, nl-BE): the decimal comma, the date order.
LOCALES = {"fr-BE": 2060, "nl-BE": 2067}
SEPARATORS = {";": 59, ",": 44}


def calc_read(path, locale="fr-BE", delimiter=";", workdir=None):
    """The cells of the first sheet as Calc reads `path`: a list of rows of (value, openpyxl data type).

    For a CSV: UTF-8, the separator given, quoted fields not forced to text, and Calc's
    "detect special numbers" on (dates, thousands separators), as Excel users have it.
    """
    assert SOFFICE, "LibreOffice is missing: `make test` installs libreoffice-calc-nogui"
    path = Path(path)
    workdir = Path(workdir or path.parent)
    out = workdir / f"calc-{locale}"
    out.mkdir(exist_ok=True)
    command = [SOFFICE, "--headless", f"-env:UserInstallation=file://{workdir / 'lo-profile'}"]
    if path.suffix == ".csv":
        # Field separator, text delimiter ("), UTF-8 (76), first line, column types, language, quoted as text, special numbers.
        command.append(f"--infilter=CSV:{SEPARATORS[delimiter]},34,76,1,,{LOCALES[locale]},false,true")
    command += ["--convert-to", "xlsx", "--outdir", str(out), str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    converted = out / (path.stem + ".xlsx")
    assert done.returncode == 0 and converted.exists(), done.stderr or done.stdout
    sheet = openpyxl.load_workbook(converted).worksheets[0]
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
