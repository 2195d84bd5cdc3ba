"""Words in the reader's language: choosing it, the catalogs, and Spanish end to end."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.core.i18n import LANGUAGES, LOCALES, accepted, negotiate
from app.seed.messages import extract_categories
from tests.factories import auth, register

ROOT = Path(__file__).resolve().parents[2]


def makefile_keywords() -> dict[str, tuple[int, ...] | None]:
    """The keywords `make messages` extracts with, read from the Makefile."""
    line = next(
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if line.startswith("MESSAGE_KEYWORDS")
    )
    keywords: dict[str, tuple[int, ...] | None] = {}
    for spec in re.findall(r"-k (\S+)", line):
        name, _sep, positions = spec.partition(":")
        keywords[name] = tuple(int(n) for n in positions.split(",")) if positions else None
    return keywords


KEYWORDS = makefile_keywords()
TODAY = "2026-11-23"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("es", "es"),
        ("en-US,en;q=0.9", "en"),
        ("fr-CA,fr;q=0.9", "en"),  # not spoken yet: English, never an error
        ("en;q=0.1, es", "es"),
        ("es;q=0, en", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        (";;;,q=abc, es;q=x", "en"),
        ("pt-BR, es;q=0.5", "es"),
    ],
)
def test_the_language_is_the_best_match_for_accept_language(
    header: str | None, language: str
) -> None:
    assert negotiate(header) == language


def test_accepted_languages_come_most_wanted_first() -> None:
    assert accepted("en;q=0.5, es-MX, fr;q=0.7") == ["es_MX", "fr", "en"]
    assert accepted(",".join(["xx"] * 100)) == ["xx"] * 20  # a header cannot make us work


def code_messages() -> set[str]:
    """What `make messages` extracts (babel.cfg): the code's messages and the categories'."""
    found = extract_from_dir(
        str(ROOT / "app"),
        method_map=[("**.py", "python"), ("seed/categories.json", extract_categories)],  # type: ignore[list-item]
        keywords=KEYWORDS,  # type: ignore[arg-type]
    )
    return {
        message[0] if isinstance(message, tuple) else message for _f, _l, message, _c, _x in found
    }


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_in_the_code_is_translated(language: str) -> None:
    """Fails on a message added to the code without its translation (run `make messages`, then
    translate), on an empty or fuzzy entry, and on placeholders that do not match."""
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"untranslated: {key!r}"
        assert "fuzzy" not in message.flags, f"fuzzy: {key!r}"
        assert not list(message.check(catalog)), f"placeholders differ: {key!r}"
        translated[key] = forms
    missing = code_messages() - set(translated)
    assert not missing, f"no {language} entry for: {sorted(missing)}"


def spanish_member(client: TestClient) -> dict:  # type: ignore[type-arg]
    member = register(client, language="es")
    tracks = [
        {"slug": "heroin", "label": "Heroína"},
        {"slug": "the-life", "label": "Salir de la vida"},
    ]
    assert client.put("/v1/me/tracks", json=tracks, headers=auth(member)).status_code == 200
    return member


ENGLISH_WORDS = re.compile(
    r"\b(the|you|your|days?|lapse|track|with|and|call|text|safe|welcome|nothing)\b", re.I
)


def test_a_spanish_member_reads_progress_and_support_in_spanish(client: TestClient) -> None:
    member = spanish_member(client)
    # The browser of a shared computer asks for English: the member's own language wins.
    english = {**auth(member), "Accept-Language": "en-US"}
    for days_ago, lapses in ((2, "none"), (1, "none")):
        day = f"2026-11-2{3 - days_ago}"
        body = {"lapses": {"heroin": lapses, "the-life": "none"}}
        assert client.put(f"/v1/checkins/{day}", json=body, headers=english).status_code == 201
    written = client.put(
        f"/v1/checkins/{TODAY}",
        json={
            "safe": False,
            "lapses": {"heroin": "none", "the-life": "heavy"},
            "needs": ["shelter"],
        },
        headers=english,
    )
    assert written.headers["content-language"] == "es"
    assert "Accept-Language" in written.headers["vary"]
    support = written.json()["support"]["message"]
    assert support.startswith(
        "Tu seguridad es lo primero. Si estás en peligro ahora, llama al 911."
    )
    assert "no se envía nada a nadie" in support
    assert written.json()["support"]["resources"][0]["name"] == "Refugio"

    progress = client.get("/v1/progress", headers=english)
    assert progress.headers["content-language"] == "es"
    message = progress.json()["message"]
    assert message == (
        "Gracias por contarlo con honestidad. Un tropiezo en “Salir de la vida” no te quita tus "
        "3 días en camino con “Heroína”. Muchas personas vuelven de cinco a diez veces antes de "
        "que un cambio se sostenga."
    )
    without_names = message.replace("“Salir de la vida”", "").replace("“Heroína”", "")
    assert not ENGLISH_WORDS.search(without_names)


def test_plural_forms_come_from_the_catalog(client: TestClient) -> None:
    member = register(client, language="es")
    body = {"lapses": {"recovery": "none"}}
    client.put(f"/v1/checkins/{TODAY}", json=body, headers=auth(member))
    one = client.get("/v1/progress", headers=auth(member)).json()["message"]
    assert one.startswith("Llevas 1 día en camino.")
    client.put("/v1/checkins/2026-11-22", json=body, headers=auth(member))
    two = client.get("/v1/progress", headers=auth(member)).json()["message"]
    assert two.startswith("Llevas 2 días en camino.")


def test_the_language_is_chosen_at_registration_and_changed_later(client: TestClient) -> None:
    from_browser = client.post(
        "/v1/auth/register",
        json={"handle": "rio-tranquilo", "password": "lantern orchard pebble harbor"},
        headers={"Accept-Language": "es-MX,es;q=0.9"},
    )
    assert from_browser.status_code == 201
    assert from_browser.json()["account"]["language"] == "es"
    assert from_browser.headers["content-language"] == "es"
    member = {"token": from_browser.json()["token"]}

    changed = client.patch("/v1/me", json={"language": "en"}, headers=auth(member))
    assert changed.status_code == 200
    assert changed.json()["language"] == "en"
    assert changed.headers["content-language"] == "en"
    # A language Waymark does not speak yet reads as English, never as an error.
    assert register(client, language="fr-CA")["account"]["language"] == "en"
    assert register(client)["account"]["language"] == "en"


@pytest.mark.parametrize("language", ["", "español", "e", "es_MX_" + "x" * 40, 3, True])
def test_a_language_that_is_not_a_tag_is_422(client: TestClient, language: object) -> None:
    response = client.post(
        "/v1/auth/register",
        json={
            "handle": "rio-claro",
            "password": "lantern orchard pebble harbor",
            "language": language,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_anonymous_answers_follow_accept_language_and_keep_caches_apart(
    client: TestClient,
) -> None:
    spanish = client.get("/v1/program/steps", headers={"Accept-Language": "es"})
    english = client.get("/v1/program/steps", headers={"Accept-Language": "en"})
    unknown = client.get("/v1/program/steps", headers={"Accept-Language": "tlh"})
    assert (spanish.headers["content-language"], english.headers["content-language"]) == (
        "es",
        "en",
    )
    assert unknown.status_code == 200
    assert unknown.headers["content-language"] == "en"
    for response in (spanish, english):
        assert "Accept-Language" in response.headers["vary"]
    # A shared cache must never answer one language with the other's copy.
    tags = [
        client.get("/v1/resources/categories", headers={"Accept-Language": code}).headers["etag"]
        for code in ("es", "en")
    ]
    assert tags[0] != tags[1]


def test_the_twelve_steps_read_in_spanish(client: TestClient) -> None:
    spanish = client.get("/v1/program/steps", headers={"Accept-Language": "es-US"}).json()
    english = client.get("/v1/program/steps").json()
    assert [step["number"] for step in spanish] == list(range(1, 13))
    assert spanish[0]["title"] == "Nombrar lo que me controla"
    for ours, theirs in zip(spanish, english, strict=True):
        assert ours["title"] != theirs["title"]
        assert ours["summary"] != theirs["summary"]
        assert not ENGLISH_WORDS.search(ours["title"] + " " + ours["summary"]), ours


def test_categories_read_in_spanish_in_the_api_and_stay_as_they_are_in_hsds(
    client: TestClient,
) -> None:
    spanish = client.get("/v1/resources/categories", headers={"Accept-Language": "es"}).json()
    english = client.get("/v1/resources/categories").json()
    names = {category["slug"]: category["name"] for category in spanish}
    assert names["shelter"] == "Refugio"
    assert names["trafficking-services"] == "Servicios para sobrevivientes de trata"
    for ours, theirs in zip(spanish, english, strict=True):
        assert ours["slug"] == theirs["slug"]
        assert ours["description"] != theirs["description"]
    # Integrators read HSDS, whose taxonomy terms keep the names they were published with.
    terms = client.get("/hsds/taxonomy_terms", headers={"Accept-Language": "es"}).json()
    assert "Shelter" in {term["name"] for term in terms["contents"]}


def test_errors_read_in_the_language_asked_for(client: TestClient) -> None:
    spanish = {"Accept-Language": "es"}
    missing = client.get("/v1/progress", headers=spanish)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["content-language"] == "es"
    assert missing.json()["title"] == "Hace falta iniciar sesión"
    assert missing.json()["type"] == "/problems/unauthorized"  # identifiers never change
    member = register(client, language="es")
    gone = client.get("/v1/checkins/2026-11-01", headers={**auth(member), "Accept-Language": "en"})
    assert (gone.status_code, gone.json()["title"]) == (404, "No encontrado")
    assert gone.json()["detail"] == "No hay registro para ese día."
    bad = client.post(
        "/v1/auth/register",
        content=b"{not json",
        headers={**spanish, "Content-Type": "application/json"},
    )
    assert bad.json()["detail"] == "El contenido enviado no es JSON válido."
    english = client.get("/v1/progress")
    assert english.json()["title"] == "Sign-in needed"


def test_crisis_lines_show_the_way_to_reach_them_in_spanish_first(client: TestClient) -> None:
    spanish = client.get("/v1/crisis", headers={"Accept-Language": "es"}).json()["national"]
    english = client.get("/v1/crisis").json()["national"]
    lines = {line["name"]: line for line in spanish}
    lifeline = lines["988 Suicide & Crisis Lifeline"]
    assert lifeline["in_your_language"] == {
        "language": "es",
        "phone": "988, luego marca 2",
        "text": {"number": "988", "message": "AYUDA"},
        "note": None,
    }
    assert lifeline["language_codes"] == ["en", "es"]
    hotline = lines["National Human Trafficking Hotline"]
    assert hotline["in_your_language"]["note"].startswith("Hay personas que hablan español.")
    assert hotline["interpreted_languages"] == "más de 200 (solo por teléfono)"
    assert all(line["in_your_language"] is None for line in english)
    for line in spanish:
        words = " ".join(line[field] or "" for field in ("hours", "languages", "notes"))
        assert not ENGLISH_WORDS.search(words), line["name"]


def test_in_danger_a_spanish_reader_is_told_how_to_text_without_english_words(
    client: TestClient,
) -> None:
    member = register(client, language="es")
    written = client.put(f"/v1/checkins/{TODAY}", json={"safe": False}, headers=auth(member))
    message = written.json()["support"]["message"]
    assert "Si no es seguro hablar, manda un mensaje de texto al 233733." in message
    assert "BEFREE" not in message
    assert not ENGLISH_WORDS.search(message)


@pytest.mark.parametrize(
    ("body", "english", "spanish"),
    [
        ({"mood": 9}, "Use 5 or less.", "Usa 5 o menos."),
        ({"mood": "3"}, "Use a whole number.", "Usa un número entero."),
        (
            {"lapses": {"recovery": "lots"}},
            "Use one of: none, some, or heavy.",
            "Usa uno de estos: none, some o heavy.",
        ),
        ({"note": ""}, "This cannot be empty.", "Esto no puede quedar vacío."),
        ({"colour": "red"}, "This is not a field we know.", "Este campo no lo conocemos."),
        ({}, "A check-in needs at least one field.", "Un registro necesita al menos un dato."),
        ({"triggers": ["x"] * 11}, "Give at most 10 items.", "Da como máximo 10 elementos."),
    ],
)
def test_validation_messages_are_ours_in_both_languages(
    client: TestClient,
    body: dict,  # type: ignore[type-arg]
    english: str,
    spanish: str,
) -> None:
    """Pydantic's own English ("Input should be…", "Value error, …", regex patterns) never
    reaches a member: each kind of mistake has words of ours."""
    for language, expected in (("en", english), ("es", spanish)):
        member = register(client, language=language)
        response = client.put(f"/v1/checkins/{TODAY}", json=body, headers=auth(member))
        assert response.status_code == 422
        messages = [error["msg"] for error in response.json()["errors"]]
        assert expected in messages, messages
        assert not any(
            leak in " ".join(messages)
            for leak in ("Input should", "Value error", "String should", "^[", "Field required")
        )


def test_a_handle_that_looks_like_a_phone_number_is_refused_in_spanish(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register",
        json={"handle": "555 123 4567", "password": "lantern orchard pebble harbor"},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"].startswith("Esto parece un número de teléfono.")
    pattern = client.post(
        "/v1/auth/register",
        json={"handle": "ok-handle", "password": "x" * 10, "language": "xx!"},
        headers={"Accept-Language": "es"},
    )
    assert all("^" not in error["msg"] for error in pattern.json()["errors"])
