"""The translation catalogs (locale/) are complete and current.

Every language but English (the source language) has every marked string translated, no
fuzzy entry, the same `%(name)s` placeholders as the English, and a compiled .mo that says
what its .po says. And the .po files know every string the code marks: `makemessages`, run
on a copy of the tree, finds nothing new. A change that adds `gettext("…")` fails here
with the new strings listed; `make messages` then adds them to the .po files to translate
(docs/architecture.md, "Translations").
"""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
DOMAINS = ["django", "djangojs"]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
CATALOGS = [(lang, domain) for lang in LANGUAGES for domain in DOMAINS]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# What `make messages` does not look at (the Makefile's MESSAGES_IGNORE): the tree copy for
# makemessages leaves these out (and the dot-directories).
NOT_SOURCE = {"staticfiles", "node_modules", "bench", "tests", "docs", "deploy", "scripts"}
IGNORE = ["tests", "migrations"]


def po_path(lang: str, domain: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def catalog(lang: str, domain: str) -> polib.POFile:
    return polib.pofile(str(po_path(lang, domain)))


def listing(entries: list[polib.POEntry]) -> str:
    return "\n".join(f"  {entry.msgid!r}" for entry in entries)


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize(("lang", "domain"), CATALOGS)
def test_every_entry_is_translated_and_none_is_fuzzy(lang: str, domain: str) -> None:
    po = catalog(lang, domain)
    assert len(po) > 0
    untranslated = [e for e in po if not e.obsolete and not all(translations(e))]
    fuzzy = [e for e in po if "fuzzy" in e.flags]
    assert not untranslated, (
        f"{po_path(lang, domain).relative_to(ROOT)}: {len(untranslated)} untranslated "
        f"(translate them, then `make messages`):\n{listing(untranslated)}"
    )
    assert not fuzzy, (
        f"{po_path(lang, domain).relative_to(ROOT)}: {len(fuzzy)} fuzzy (check the "
        f"translation, remove the `#, fuzzy` line, then `make messages`):\n{listing(fuzzy)}"
    )
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize(("lang", "domain"), CATALOGS)
def test_translations_keep_the_placeholders(lang: str, domain: str) -> None:
    wrong = [
        entry
        for entry in catalog(lang, domain)
        for text in translations(entry)
        if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(entry.msgid))
    ]
    assert not wrong, f"translations whose %(name)s placeholders differ:\n{listing(wrong)}"


@pytest.mark.parametrize(("lang", "domain"), CATALOGS)
def test_the_committed_mo_is_the_po_compiled(lang: str, domain: str) -> None:
    """Compared by content (msgfmt and other compilers lay the bytes out differently)."""
    mo_file = po_path(lang, domain).with_suffix(".mo")
    assert mo_file.exists(), f"{mo_file.relative_to(ROOT)} is missing: run `make messages`"

    def entries(source: polib.POFile | polib.MOFile) -> dict[tuple[str, str], tuple[str, ...]]:
        return {
            (e.msgid, e.msgid_plural or ""): tuple(translations(e))
            for e in source
            if not e.obsolete and "fuzzy" not in e.flags and all(translations(e))
        }

    po, mo = entries(catalog(lang, domain)), entries(polib.mofile(str(mo_file)))
    stale = sorted(key[0] for key in po.keys() ^ mo.keys()) + sorted(
        key[0] for key in po.keys() & mo.keys() if po[key] != mo[key]
    )
    assert not stale, (
        f"{mo_file.relative_to(ROOT)} differs from its .po (run `make messages`) on:\n"
        + "\n".join(f"  {msgid!r}" for msgid in stale)
    )


def _copy_of_the_tree(target: Path) -> Path:
    def ignore(directory: str, names: list[str]) -> set[str]:
        top = Path(directory) == ROOT
        return {
            name
            for name in names
            if name.startswith(".")
            or name == "__pycache__"
            or name.endswith((".mo", ".pyc"))
            or (top and name in NOT_SOURCE)
            or name == "tests"
            or name == "migrations"
        }

    copy = target / "tree"
    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    return copy


def test_the_catalogs_know_every_marked_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`makemessages` on a copy of the tree: no new, changed or vanished msgid."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext, msgmerge) is needed: .ci/system-packages")
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    copy = _copy_of_the_tree(tmp_path)
    # In this process (a Django start-up costs more than the extraction): from the copy's
    # root, into the copy's locale/.
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        for domain in DOMAINS:
            call_command(
                "makemessages",
                domain=domain,
                locale=LANGUAGES,
                no_obsolete=True,
                ignore_patterns=IGNORE,
                verbosity=0,
            )
    problems = []
    for lang, domain in CATALOGS:
        committed = {e.msgid for e in catalog(lang, domain)}
        fresh = polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"))
        new = [e for e in fresh if e.msgid not in committed or "fuzzy" in e.flags]
        gone = sorted(committed - {e.msgid for e in fresh})
        if new:
            problems.append(
                f"{lang}/{domain}.po lacks {len(new)} marked string(s) "
                f"(`make messages`, then translate them):\n{listing(new)}"
            )
        if gone:
            problems.append(
                f"{lang}/{domain}.po has {len(gone)} string(s) the code no longer marks "
                "(`make messages` drops them):\n" + "\n".join(f"  {m!r}" for m in gone)
            )
    assert not problems, "\n".join(problems)
