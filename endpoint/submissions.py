"""Partner submissions on the server: the validation page, the REST API and its OpenAPI
description. Thin shells over ``validation``: each route reads the upload, calls the core and
answers.

    GET  /validate            upload form, in the six languages (?lang=)
    POST /validate            the report, as a page
    GET  /template            a blank template (?lang=, ?format=xlsx|csv|csv-documentation)
    POST /api/validate        the report, as JSON (multipart: file, mapping, lang)
    POST /api/submissions     publish, with the partner's token (Authorization: Bearer)
    GET  /api/submissions     the submissions recorded (?partner=)
    GET  /api/openapi.json    this API, described in OpenAPI 3.1
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from core.names import shown_name
from core.problems import LoadError
from core.settings import PUBLISH_MODES
from core.translations import quoted
from core.vocabulary import LANGUAGES
from core.workers import WorkerFailed, WorkerTimedOut
from endpoint import site
from endpoint.auth import bearer_token, rate_wait
from endpoint.execution import TIME_LIMIT, TIMED_OUT, QueryError, QueryRequest, encoded
from endpoint.pool import STOPPING
from endpoint.published import Kept, each_solution, run, store_location
from endpoint.responses import (
    api_problem,
    attachment,
    json_answer,
    language_refused,
    problem_body,
    reader_language,
    store_problem_code,
    unknown_language,
)
from endpoint.rooms import VALIDATING, Room
from endpoint.spool import spooled
from endpoint.urls import public_root
from endpoint.writes import (
    SettledWrite,
    StoreMayGoOn,
    publication_in_worker,
    remote_failure,
    settled_answer,
    write_failure,
)
from linking.places import PLACES, Place, published_places
from loaders.guards import unpacked_limit
from loaders.mapping import MappingError, load_mapping
from observatory.figures import ALL_ROWS
from publishing.partners import partner_for_token
from publishing.publish import OtherPartnersMapping, SentAgainTooSoon, publish_submission
from publishing.published_places import read_published_places
from publishing.submissions import SUBMISSIONS, submission_rows
from triplestore.backends.sparql import RemoteStoreError
from triplestore.versions import StoreBusy, StoreLocation, announced
from validation.columns import template_mapping
from validation.confined import Confinement, Job, validate_confined
from validation.files import size_text
from validation.findings import Report
from validation.messages import ui, ui_words
from validation.report import FORMATS as REPORT_FORMATS
from validation.report import Links, as_json, render
from validation.template import write_template

blueprint = Blueprint("submissions", __name__)


@blueprint.after_request
def coding_taken(response: Response) -> Response:
    """A 415 to an upload sent with a content coding names the one taken (RFC 9110 12.5.3), as
    /sparql and /store do (stranger 95: the text said it, not the header)."""
    if response.status_code == 415 and encoded(request.content_encoding):
        response.headers["Accept-Encoding"] = "identity"
    return response


#: upload extensions kept (the readers tell formats by extension); anything else is refused
EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".ods", ".json", ".geojson")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what the template route can give: format -> (file name, media type, the template's format,
#: which of the files written is given: 0 the template, 1 its CSV documentation)
TEMPLATES: dict[str, tuple[str, str, str, int]] = {
    "xlsx": ("template.xlsx", XLSX_TYPE, "xlsx", 0),
    "csv": ("template.csv", "text/csv", "csv", 0),
    "csv-documentation": ("template-documentation.csv", "text/csv", "csv", 1),
}
UPLOAD_PATHS = ("/validate", "/api/validate", "/api/submissions")


class UploadError(Exception):
    """An upload not validated: its status, problem code and English detail; ``kind``: the
    problem's ``status`` (``unreadable``: the file could not be read; ``refused``: the
    request was, whatever its file)."""

    def __init__(
        self, status: int, code: str, detail: str, kind: str = "unreadable", **values: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.values = status, code, detail, values
        self.kind = kind


def _settings() -> dict[str, Any]:
    return current_app.config["COWORKMED"]


def available_mappings() -> list[str]:
    """The partner mappings the server knows: ``<mappings>/<source>/mapping.yaml``."""
    folder = Path(_settings()["mappings"])
    return sorted(p.parent.name for p in folder.glob("*/mapping.yaml"))


def server_mapping_problem(error: LoadError) -> str:
    """What a client is told of a mapping of the server's that cannot be used: its mistakes,
    its file named from the mappings' folder, never the server's own folders (stranger 84: the
    absolute path of the server's mappings, in a 500 to any partner)."""
    said = str(error)
    for folder in {Path(_settings()["mappings"]).resolve(), Path(_settings()["mappings"])}:
        said = said.replace(f"{folder}/", "")
    return f"the server's mapping: {said}"


def _mapping_path() -> Path | None:
    name = (request.values.get("mapping") or "template").strip()
    if name == "template":
        return None
    if name not in available_mappings():
        raise UploadError(400, "unknown-mapping", f"no mapping {name!r} on this server", value=name)
    return Path(_settings()["mappings"]) / name / "mapping.yaml"


@contextmanager
def uploaded_file() -> Iterator[Path]:
    """The uploaded ``file``, saved under a name of our own with its extension kept (a body
    sent with a content coding: 415, it was read as if plain; stranger 94, on /store)."""
    coding = request.content_encoding
    if encoded(coding):
        raise UploadError(
            415, "encoded-upload", f"a body encoded as {coding} is not read", coding=coding
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadError(  # a part whose headers are not UTF-8 is not read (werkzeug): say so
            400,
            "no-such-file",
            "send the submission as the multipart field 'file' (a file whose name is not in "
            "UTF-8 is not read: rename it, or send its name as filename*=UTF-8''...)",
        )
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise UploadError(
            415, "unknown-format", f"files ending {suffix or '(nothing)'} are not read"
        )
    with spooled(suffix) as path:
        upload.save(path)
        with unpacked_limit(_settings()["max_unpacked"]):
            yield path


def api_language() -> str:
    """The language of an API answer: ``lang`` when given, which must name one of the six (as
    the API's description promises: ``UploadError`` 400, told in the reader's other language,
    else English), else the cookie's or Accept-Language's."""
    given = unknown_language()
    if given is not None:
        raise UploadError(
            400,
            "unknown-language",
            f"lang: one of {', '.join(LANGUAGES)}, not {given!r}",
            value=given,
            languages=", ".join(LANGUAGES),
        )
    return reader_language()


def _problem(error: UploadError, lang: str) -> dict[str, Any]:
    return problem_body(error.code, lang, error.detail, error.kind, **error.values)


def _sent_name() -> str:
    """The name of the uploaded file as the partner sent it: its last part only, never a path
    of the client's, on one line (``core.names.shown_name``; empty when none was given)."""
    return shown_name(re.split(r"[/\\]", request.files["file"].filename or "")[-1])


def _named_as_sent(report: Report) -> Report:
    """The report names the file as the partner sent it, not our temporary copy."""
    report.file = _sent_name() or report.file
    return report


#: problems of an upload refused for what it would cost -> HTTP status (else the report is 200)
REFUSALS = {
    "too-many-rows": 413,
    "too-many-cells": 413,
    "too-many-columns": 413,
    "too-much-repeated": 413,
    "worker-limits": 422,
}


def refusal_status(report: Report, otherwise: int) -> int:
    """The status of an answer carrying ``report``: 413/422 when the upload was refused for
    what it would cost (``REFUSALS``), else ``otherwise``."""
    return next((REFUSALS[f.code] for f in report.findings if f.code in REFUSALS), otherwise)


def confinement() -> Confinement:
    """The limits of the worker each upload is validated in (settings)."""
    return Confinement.from_settings(_settings())


def _validate_upload(lang: str) -> Report:
    """Validate the uploaded file in a confined worker (raises UploadError when there is none
    to read); the server reads only its own mapping and published places."""
    store = store_location()
    mapping_path = _mapping_path()
    try:
        mapping = load_mapping(mapping_path) if mapping_path else template_mapping(lang)
    except (MappingError, LoadError) as error:
        raise UploadError(500, "bad-mapping", server_mapping_problem(error)) from None
    settings = _settings()
    with uploaded_file() as path:
        base = settings["base"]
        source = mapping.source_id
        published = _published_places(store, base, source)
        job = Job(
            path, lang, settings["base"], settings["max_upload"], mapping, published, _sent_name()
        )
        report = validate_confined(job, confinement())
    return _named_as_sent(report)


#: the places other sources published, per store generation and source: read once per
#: generation, not at each upload (stranger 61: every upload read them in the server, 5 MB of
#: Python objects each at 2,400 spaces, 40 uploads at once); never those of the generation
#: before (a submission is checked against what is published now)
_PUBLISHED = Kept(size=8, gives_before=False)


def _published_places(store: StoreLocation, base: str, source: str) -> list[Place]:
    """The places other sources than ``source`` published, asked of the query workers (the
    server opens no snapshot of the store: each one opened left memory in the server, stranger
    63), kept per generation (callers must not change the list)."""
    number = store.generation()
    if not number:
        return []
    key = ("published places", number, source)
    try:
        return _PUBLISHED.get(
            key, lambda: published_places(each_solution(PLACES, ALL_ROWS)[0], base, source)
        )
    except QueryError as problem:
        if problem.message == STOPPING:  # a publication the stopping server finishes
            return read_published_places(store, base, source)
        code = store_problem_code(problem.status)
        raise UploadError(problem.status, code, problem.message, kind="refused") from None


@contextmanager
def _validation_place() -> Iterator[None]:
    """A place in the validation room (``validation_workers``) for the block: at most that
    many uploads are read, checked against what is published and validated at once. None
    free: UploadError 503 ``validations-busy`` at once, before the body is read (stranger 61:
    40 uploads of 15 MB were each parsed, 3 to 9 s, before the refusal); the refusal is then
    said in the language of the URL's ``lang``, the cookie or Accept-Language."""
    room: Room = current_app.extensions[VALIDATING]
    busy = UploadError(503, "validations-busy", room.full, kind="refused", places=room.places)
    with room.entered(busy):
        yield


def _report_name(report: Report) -> str:
    return f"{Path(_sent_name() or 'submission').stem}-report"


# ------------------------------------------------------------------------------ the page


def language_notice(lang: str, key: str = "unknown-language-page") -> str | None:
    """What the page says (the ``ui`` text ``key``) when its ``lang`` names none of the six
    languages: that code, the six, and ``lang``, the language it is shown in instead (the
    cookie's, Accept-Language's or English); None when the ``lang`` asked for is one of them."""
    given = unknown_language()
    if given is None:
        return None
    return ui(key, lang).format(
        value=quoted(given, lang),
        languages=", ".join(LANGUAGES),
        language=site.table()["language_names"][lang],
    )


def _form(lang: str, error: str | None = None, notice: str | None = None) -> str:
    return render_template(
        "validate.html",
        lang=lang,
        languages=LANGUAGES,
        words=ui_words(lang),
        mappings=available_mappings(),
        limit=size_text(_settings()["max_upload"], lang),
        error=error,
        notice=notice,
        language_links=report_links(lang).languages if notice else (),
    )


def report_links(lang: str) -> Links:
    """Where the report the page gives leads: back to the form, home, the template, the API."""
    return Links(
        form=url_for("submissions.validate_page", lang=lang),
        home=url_for("pages.home", lang=lang),
        template=url_for("submissions.template_download", lang=lang, format="xlsx"),
        api=url_for("submissions.openapi"),
        languages=tuple(
            (
                code,
                site.table()["language_names"][code],
                url_for("submissions.validate_page", lang=code),
            )
            for code in LANGUAGES
        ),
    )


@blueprint.get("/validate")
def validate_page() -> str:
    """The form, in the reader's language; a ``lang`` that names none of the six is said on
    the form (the languages offered, the one shown instead), where it was passed over."""
    lang = reader_language()
    return _form(lang, notice=language_notice(lang))


def _too_many(limiter_name: str, page: bool = False) -> Response | None:
    """429 when this client has made too many requests of this kind lately (``rate_wait``),
    told in the reader's language: the problem details of the API, or the form with the
    message (``page``); with Retry-After. None when it may go on."""
    waited = rate_wait(limiter_name)
    if waited is None:
        return None
    seconds, per_minute = waited
    lang = reader_language()
    detail = f"at most {per_minute} requests a minute from this address; try again in {seconds} s"
    body = problem_body("too-many-requests", lang, detail, limit=per_minute, seconds=seconds)
    if page:
        response = Response(_form(lang, body["message"]), 429, mimetype="text/html")
    else:
        response = json_answer(body, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


#: a publication without a partner's token -> its code, English detail and challenge (RFC 6750),
#: by whether a token was given
UNAUTHORISED = {
    False: (
        "token-needed",
        "a partner's token is needed (Authorization: Bearer)",
        'Bearer realm="coworkmed-partners"',
    ),
    True: (
        "token-invalid",
        "the bearer token is no partner's token",
        'Bearer realm="coworkmed-partners", error="invalid_token"',
    ),
}
#: the rate limiters of anonymous validations and of publications (``endpoint.auth``)
VALIDATIONS, WRITES = "coworkmed.validations", "coworkmed.writes"


@blueprint.post("/validate")
def validate_upload() -> Response:
    limited = _too_many(VALIDATIONS, page=True)
    if limited is not None:
        return limited
    try:
        with _validation_place():
            return _validated_page()
    except UploadError as busy:  # refused before the body was read
        lang = reader_language(query_only=True)
        form = _form(lang, _problem(busy, lang)["message"])
        return Response(form, busy.status, mimetype="text/html")


def _validated_page() -> Response:
    """The validation page's answer to an upload (its report, or the form saying what is
    wrong)."""
    lang = reader_language()
    notice = language_notice(lang, "unknown-language-upload")
    if notice is not None:  # refused as the API refuses it (400 unknown-language), but said
        return Response(_form(lang, notice=notice), 400, mimetype="text/html")
    try:
        report = _validate_upload(lang)
    except UploadError as error:
        form = _form(lang, _problem(error, lang)["message"])
        return Response(form, error.status, mimetype="text/html")
    fmt = request.values.get("format", "html")
    if fmt not in REPORT_FORMATS:
        fmt = "html"
    status = refusal_status(report, 200)
    body = render(report, fmt, report_links(lang), _settings()["publish_mode"])
    response = Response(body, status, content_type=REPORT_FORMATS[fmt])
    if fmt != "html":
        attachment(response, f"{_report_name(report)}.{fmt}")
    return response


@blueprint.get("/template")
def template_download() -> Response:
    """The template in ``lang`` and ``format``; a language or a format it does not have is a
    400 with the API's problem details in the reader's language (it was given in English, or
    passed over: a template in another language than the one asked for)."""
    try:
        lang = api_language()
    except UploadError as error:
        body = problem_body(error.code, reader_language(), error.detail, **error.values)
        return json_answer(body, error.status)
    fmt = request.args.get("format") or "xlsx"
    if fmt not in TEMPLATES:
        formats = ", ".join(TEMPLATES)
        detail = f"format: one of {formats}, not {fmt[:40]!r}"
        return api_problem(
            400, "unknown-template-format", lang, detail, value=fmt[:40], formats=formats
        )
    name, media_type, _, _ = TEMPLATES[fmt]
    filename = f"coworkmed-{Path(name).stem}-{lang}{Path(name).suffix}"
    return attachment(Response(template_bytes(lang, fmt), mimetype=media_type), filename)


@functools.cache
def template_bytes(lang: str, fmt: str) -> bytes:
    """The template file in ``lang`` and ``fmt`` (one of ``TEMPLATES``), written once per
    process: it depends on the vocabulary and the code alone, and writing a workbook takes
    0.3 s of CPU, which any client could ask for again and again (stranger 91)."""
    _, _, written_as, given = TEMPLATES[fmt]
    with tempfile.TemporaryDirectory() as folder:
        written = write_template(Path(folder) / f"template.{written_as}", lang, written_as)
        return written[given].read_bytes()


# ------------------------------------------------------------------------------ the API


@blueprint.post("/api/validate")
def api_validate() -> Response:
    limited = _too_many(VALIDATIONS)
    if limited is not None:
        return limited
    try:
        with _validation_place():
            return _validated_api()
    except UploadError as busy:  # refused before the body was read
        return json_answer(_problem(busy, reader_language(query_only=True)), busy.status)


def _validated_api() -> Response:
    """The API's answer to an upload: its report, or the problem."""
    try:
        lang = api_language()
    except UploadError as error:
        return json_answer(_problem(error, reader_language()), error.status)
    try:
        report = _validate_upload(lang)
    except UploadError as error:
        return json_answer(_problem(error, lang), error.status)
    return json_answer(as_json(report), refusal_status(report, 200))


@blueprint.post("/api/submissions")
def api_publish() -> Response:
    limited = _too_many(WRITES)
    if limited is not None:
        return limited
    try:
        lang = api_language()
    except UploadError as error:
        return json_answer(_problem(error, reader_language()), error.status)
    given = bearer_token()
    partner = partner_for_token(Path(_settings()["partners_file"]), given)
    if partner is None:
        code, detail, challenge = UNAUTHORISED[given is not None]
        response = api_problem(401, code, lang, detail)
        response.headers["WWW-Authenticate"] = challenge
        return response
    wanted = request.values.get("partner")
    if wanted and wanted != partner.id:
        detail = f"this token publishes for {partner.id}, not {wanted}"
        return api_problem(403, "other-partner", lang, detail, partner=partner.id, value=wanted)
    mode = request.values.get("mode") or _settings()["publish_mode"]
    if mode not in PUBLISH_MODES:
        modes = ", ".join(PUBLISH_MODES)
        detail = f"mode: {' or '.join(PUBLISH_MODES)}, not {mode!r}"
        return api_problem(400, "unknown-mode", lang, detail, value=mode[:40], modes=modes)
    try:
        # a place among the uploads validated at once, as /api/validate's (a partner's file is
        # validated in a worker too); a stopping server waits for the publication to the end
        with _validation_place(), announced(), uploaded_file() as path:
            outcome = publish_submission(
                path,
                partner,
                store_location(),
                _settings()["base"],
                _mapping_path(),
                lang,
                _settings()["max_upload"],
                confinement(),
                _sent_name() or None,
                mode=mode,
                writer=publication_in_worker,  # never in the server's threads (stranger 63)
                published_places=lambda source: _published_places(
                    store_location(), _settings()["base"], source
                ),
            )
            _named_as_sent(outcome.report)
    except UploadError as error:
        return json_answer(_problem(error, lang), error.status)
    except StoreBusy as error:
        code = BUSY_CODES.get(error.code, "store-busy")
        current_app.logger.warning("publication refused, the store busy: %s", error)
        response = api_problem(503, code, lang, error.public)
        response.headers["Retry-After"] = "5"
        return response
    except RemoteStoreError as error:
        if error.unfinished:
            _status, detail = remote_failure(error, "publication")
            return store_goes_on(lang, detail, _settings()["query_timeout"])
        if error.status == TIMED_OUT:
            return too_long(lang, str(error), _settings()["query_timeout"])
        return api_problem(error.status, "store-error", lang, str(error))
    except OtherPartnersMapping as error:
        return api_problem(403, error.code, lang, str(error), **error.values)
    except SentAgainTooSoon as error:
        response = api_problem(409, "publish-again", lang, str(error))
        response.headers["Retry-After"] = "1"
        return response
    except MappingError as error:  # the server's own: the partner's is checked as data
        return api_problem(500, "bad-mapping", lang, server_mapping_problem(error))
    except LoadError as error:
        return api_problem(500, "not-published", lang, str(error))
    except WorkerFailed as failed:
        return publication_failed(failed, lang)
    except SettledWrite as settled:  # stopped at its time limit, its change saved or not
        _status, detail = settled_answer(settled, "publication")
        if not settled.left.applied:
            return too_long(lang, detail, _settings()["validation_timeout"])
        return api_problem(503, "published-past-limit", lang, detail)
    body = {**outcome.as_dict(), "report": as_json(outcome.report)}
    if outcome.unchanged:
        return json_answer({**body, "message": ui("unchanged", outcome.report.language)}, 200)
    status = 201 if outcome.published else refusal_status(outcome.report, 422)
    answer = json_answer(body, status)
    if outcome.generation is not None:  # the generation it published, not the one its checks
        # read (stranger 100: a publication of generation 38 said 37)
        answer.headers["Store-Generation"] = str(outcome.generation)
    return answer


#: the partner's message for a StoreBusy, by its code (else ``store-busy``, a load holds the
#: store): it said "a load is running" when the server's own writes held it (stranger 101)
BUSY_CODES = {"store-unavailable": "store-error", "writes-ahead": "writes-ahead"}


def publication_failed(failed: WorkerFailed, lang: str) -> Response:
    """The answer when the publication's worker failed: once its change was committed, 503
    ``published-later`` (it is published with the next write, or a new try: the same file is
    then the current version); before, nothing changed: ``too_long`` at its time limit, else
    500, ``not-published``."""
    timeout = _settings()["validation_timeout"]
    _status, detail = write_failure(failed, timeout, "publication", "validation_timeout")
    if failed.passed:
        return api_problem(503, "published-later", lang, detail)
    if isinstance(failed, StoreMayGoOn):
        return store_goes_on(lang, detail, timeout)
    if isinstance(failed, WorkerTimedOut):
        return too_long(lang, detail, timeout)
    return api_problem(500, "not-published", lang, detail)


def store_goes_on(lang: str, detail: str, seconds: float) -> Response:
    """The answer to a publication stopped at a time limit of ``seconds`` while the external
    store wrote it: ``TIME_LIMIT``, ``publication-store-goes-on``, which says the store may
    still finish it and to look at the submissions before sending it again (it was said that
    nothing was changed)."""
    return api_problem(
        TIME_LIMIT, "publication-store-goes-on", lang, detail, seconds=f"{seconds:g}"
    )


def too_long(lang: str, detail: str, seconds: float) -> Response:
    """The answer to a publication stopped at a time limit of ``seconds`` (its worker's, or the
    external store's): ``TIME_LIMIT``, ``publication-too-long``, which says to send the file in
    parts (sent again as it is, it would be stopped again; it was a 504, stranger 92)."""
    return api_problem(TIME_LIMIT, "publication-too-long", lang, detail, seconds=f"{seconds:g}")


@blueprint.get("/api/submissions")
def api_submissions() -> Response:
    unknown = language_refused()
    if unknown is not None:
        return unknown
    lang = reader_language()
    base = _settings()["base"]
    query = QueryRequest(SUBMISSIONS.format(base=base), {"solutions": "json"}, max_rows=100_000)
    try:
        result = run(query)
    except QueryError as error:
        return api_problem(error.status, "store-error", lang, error.message)
    bindings = json.loads(result.body)["results"]["bindings"]
    values = ({name: b[name]["value"] for name in b} for b in bindings)
    rows = submission_rows(values, request.args.get("partner"))
    return json_answer({"submissions": rows})


@blueprint.get("/api/openapi.json")
def openapi() -> Response:
    """The API's OpenAPI description, its server the service's public URL: without one, a
    client resolves the paths against the host's root, outside a public URL with a path
    (stranger 58: ``https://host/api/validate`` for a service at ``https://host/cwm``)."""
    return Response(_openapi_document(public_root()), mimetype="application/json")


@functools.lru_cache(maxsize=4)
def _openapi_document(root: str) -> str:
    """openapi.json with ``root`` as its server, read and written once per public URL."""
    document = json.loads((Path(__file__).parent / "openapi.json").read_bytes())
    document["servers"] = [{"url": root}]
    return json.dumps(document, ensure_ascii=False)
