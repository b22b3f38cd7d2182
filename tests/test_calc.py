"""Our CSV exports opened in LibreOffice Calc with Belgian import settings, read back cell by cell.

Calc reads `0123.456.749` as the number 123456749 in both Belgian locales, quoted or not;
the register's form with the country, `BE 0123.456.749`, stays text with its leading zero.
"""
import datetime as dt

import pytest

from libreoffice import calc_read

CASES = [("fr-BE", ";"), ("nl-BE", ";"), ("fr-BE", ","), ("nl-BE", ",")]


@pytest.fixture
def listed(make):
    """A provider and a request whose organisation gives its enterprise number, both with a leading zero."""
    make.lot()
    make.provider(enterprise_number="0123.456.749", contact={"phone": "0470 12 34 56"})
    make.provider(name="Babel vzw", enterprise_number="0484.956.250", lots=[])
    make.request(
        organisation={"enterprise_number": "0207.373.429"},
        estimated_budget="25000,50",
        received_on="2026-11-02",
        contact={"phone": "02 515 61 11"},
    )


def _download(client, tmp_path, view, delimiter, language):
    client.get(f"/admin/?lang={language}")
    response = client.get(f"/admin/{view}/export/csv/" + ("?sep=," if delimiter == "," else ""))
    assert response.status_code == 200
    path = tmp_path / f"{view}.csv"
    path.write_bytes(response.data)
    return path


def _column(rows, title):
    index = [value for value, _kind in rows[0]].index(title)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize("locale, delimiter", CASES)
def test_calc_keeps_enterprise_numbers_as_text_with_their_leading_zero(client, listed, tmp_path, locale, delimiter):
    language = locale[:2]
    providers = calc_read(_download(client, tmp_path, "providers", delimiter, language), locale, delimiter, tmp_path)
    requests = calc_read(_download(client, tmp_path, "requests", delimiter, language), locale, delimiter, tmp_path)

    title = {"fr": "Numéro d'entreprise (BCE)", "nl": "Ondernemingsnummer (KBO)"}[language]
    numbers = _column(providers, title)
    assert sorted(numbers) == [("BE 0123.456.749", "s"), ("BE 0484.956.250", "s")]
    assert "0123.456.749" in numbers[0][0] + numbers[1][0]
    organisation = {"fr": "Numéro d'entreprise (BCE) de l'organisation", "nl": "Ondernemingsnummer (KBO) van de organisatie"}[language]
    assert _column(requests, organisation) == [("BE 0207.373.429", "s")]
    # Phone numbers stay text, amounts are numbers, days are dates.
    phone = {"fr": "Téléphone du contact", "nl": "Telefoon contactpersoon"}[language]
    assert _column(requests, phone) == [("02 515 61 11", "s")]
    assert ("0470 12 34 56", "s") in _column(providers, phone)
    budget = {"fr": "Budget estimé (EUR, hors TVA)", "nl": "Geraamd budget (EUR, excl. btw)"}[language]
    assert _column(requests, budget) == [(25000.5, "n")]
    received = {"fr": "Date de réception", "nl": "Ontvangen op"}[language]
    assert _column(requests, received) == [(dt.datetime(2026, 11, 2), "d")]


def test_calc_would_lose_the_zero_of_the_bare_number(tmp_path):
    """Why the export writes `BE `: the bare form does not survive (if Calc ever keeps it, this says so)."""
    path = tmp_path / "bare.csv"
    path.write_text("\ufeffNumber;Prefixed\r\n0123.456.749;BE 0123.456.749\r\n", encoding="utf-8")

    for locale in ("fr-BE", "nl-BE"):
        rows = calc_read(path, locale, ";", tmp_path)
        assert rows[1] == [(123456749, "n"), ("BE 0123.456.749", "s")]
