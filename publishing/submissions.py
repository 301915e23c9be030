"""Publishing a partner's submission: only a submission without errors, atomically, recorded.

A partner publishes to its own dataset, ``{base}dataset/{partner}``: the submission is
validated (``validation.core``), and if it has no error its graph becomes the dataset's new
current version in one write (``triplestore.versions.write`` and ``publish_version``: a new version
graph, then one transaction on the catalogue, then a new snapshot). Readers see the old version
or the new one, never a mix; a failure at any point leaves the published data as it was.

Every submission, published or rejected, is recorded in the graph ``{base}submissions``: who,
when, the file's checksum, the version it became, whether it conforms and how many errors and
warnings it had (a ``prov:Activity`` and its ``sh:ValidationReport``). The answer says what
changed since the previous version: records added, removed and modified.

Partner tokens (``partners.toml``, the ``partners_file`` setting) are stored as salted PBKDF2
hashes, compared in constant time, and each opens its own partner's dataset only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from core.namespaces import CWM, DCTERMS, PROV, SH, SPDX, XSD
from core.problems import LoadError
from loaders import provenance
from loaders.load import sha256
from loaders.mapping import Mapping, load_mapping
from loaders.rdf import literal
from triplestore.versions import (
    StoreLocation,
    TripleStore,
    current_versions,
    publish_version,
    write,
)
from validation.confined import Confinement, Job, validate_confined
from validation.core import (
    MAX_FILE_BYTES,
    Report,
    published_places,
    template_mapping,
    validate_submission,
)

ITERATIONS = 200_000
PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class PartnerError(Exception):
    """An unknown partner, a bad token or a bad partners file."""


# ------------------------------------------------------------------------------ partners


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    token_hash: str


def hash_token(token: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", token.encode("utf-8"), bytes.fromhex(salt), ITERATIONS)
    return f"pbkdf2-sha256${ITERATIONS}${salt}${digest.hex()}"


def token_matches(token: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2-sha256":
        return False
    given = hashlib.pbkdf2_hmac(
        "sha256", token.encode("utf-8"), bytes.fromhex(salt), int(iterations)
    )
    return hmac.compare_digest(given.hex(), digest)


def read_partners(path: Path) -> dict[str, Partner]:
    """The partners of a partners file (none when it does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PartnerError(f"{path}: cannot be read ({error})") from None
    partners = {}
    for partner_id, entry in data.get("partners", {}).items():
        if not isinstance(entry, dict) or "token_hash" not in entry:
            raise PartnerError(f"{path}: partner {partner_id} has no token_hash")
        partners[partner_id] = Partner(
            partner_id, entry.get("name", partner_id), entry["token_hash"]
        )
    return partners


def _quote(text: str) -> str:
    """A TOML basic string of ``text`` (for partners.toml)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_partner(path: Path, partner_id: str, name: str) -> str:
    """Add (or give a new token to) a partner; return the token, which is not kept anywhere."""
    if not PARTNER_ID.match(partner_id):
        raise PartnerError(f"{partner_id!r}: a partner id is lower-case letters, digits and '-'")
    partners = read_partners(path)
    token = secrets.token_urlsafe(32)
    partners[partner_id] = Partner(partner_id, name, hash_token(token))
    lines = ["# CoworkMed partners: ids, names and hashed tokens (coworkmed partner add).", ""]
    for partner in sorted(partners.values(), key=lambda p: p.id):
        lines += [
            f"[partners.{partner.id}]",
            f"name = {_quote(partner.name)}",
            f"token_hash = {_quote(partner.token_hash)}",
            "",
        ]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    temporary.replace(path)
    return token


def partner_for_token(path: Path, token: str | None) -> Partner | None:
    """The partner this token opens, if any (every stored hash is checked, in constant time)."""
    if not token:
        return None
    found = None
    for partner in read_partners(path).values():
        if token_matches(token, partner.token_hash):
            found = partner
    return found


# ------------------------------------------------------------------------------ publishing


@dataclass
class Publication:
    """What a publish did: the report, whether it was published, the version, the changes."""

    report: Report
    published: bool
    dataset: str
    version: str | None = None
    generation: int | None = None
    changes: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "dataset": self.dataset,
            "version": self.version,
            "generation": self.generation,
            "changes": {k: len(v) for k, v in self.changes.items()},
            "changed_records": self.changes,
        }


def partner_mapping(mapping_path: Path | None, partner: Partner, lang: str) -> Mapping:
    """The mapping the partner's submission is read with, its source being the partner's."""
    mapping = load_mapping(mapping_path) if mapping_path else template_mapping(lang)
    source = {
        **mapping.source,
        "id": partner.id,
        "partner": {"id": partner.id, "name": partner.name},
    }
    return dataclasses.replace(mapping, source=source)


RECORD = re.compile(rb"^<[^>]*/(?:space|operator)/[^/>]+/([^/>]+)")


def record_digests(lines: Any) -> dict[str, str]:
    """A digest of each record (its space and operator triples, not where it sits in the file)."""
    grouped: dict[str, list[bytes]] = defaultdict(list)
    for line in lines:
        match = RECORD.match(line)
        if match:
            grouped[match.group(1).decode("utf-8")].append(line.strip())
    return {key: hashlib.sha256(b"\n".join(sorted(ls))).hexdigest() for key, ls in grouped.items()}


def _changes(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "modified": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
    }


def _published_lines(store: TripleStore, version: ox.NamedNode | None) -> list[bytes]:
    if version is None:
        return []
    triples = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{version.value}> {{ ?s ?p ?o }} }}"
    )
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines()


def _sha256(path: Path) -> str:
    return sha256(path) if path.is_file() else "0" * 64


def submissions_graph(base: str) -> str:
    """The graph that records every submission (``SUBMISSIONS`` lists them)."""
    return f"{base}submissions"


def _record(report: Report, partner: Partner, base: str, version: str | None, moment: str) -> str:
    """The SPARQL update that records a submission in the ``{base}submissions`` graph."""
    load = report.load
    digest = load.file_sha256 if load else _sha256(Path(report.file))
    activity = (
        f"{base}submission/{partner.id}/{moment.replace(':', '').replace('-', '')}-{digest[:8]}"
    )
    lines = [
        f"<{activity}> a <{PROV}Activity> ;",
        f"  <{PROV}wasAssociatedWith> <{base}agency/{partner.id}> ;",
        f'  <{PROV}startedAtTime> "{moment}"^^<{XSD}dateTime> ;',
        f"  <{DCTERMS}identifier> {literal(Path(report.file).name)} ;",
        f'  <{SPDX}checksumValue> "{digest}"^^<{XSD}hexBinary> ;',
    ]
    if version:
        lines.append(f"  <{PROV}generated> <{version}> ;")
    lines += [
        f"  <{PROV}generated> <{activity}/report> .",
        f"<{activity}/report> a <{SH}ValidationReport> ;",
        f"  <{SH}conforms> {'true' if report.conforms else 'false'} ;",
        f"  <{CWM}errorCount> {report.errors} ;",
        f"  <{CWM}warningCount> {report.warnings} .",
    ]
    body = "\n".join(lines)
    return f"INSERT DATA {{ GRAPH <{submissions_graph(base)}> {{ {body} }} }}"


def publish_submission(
    path: Path,
    partner: Partner,
    store_path: StoreLocation | Path,
    base: str,
    mapping_path: Path | None = None,
    lang: str = "en",
    max_bytes: int | None = None,
    confinement: Confinement | None = None,
    shown: str | None = None,
) -> Publication:
    """Validate ``path`` as ``partner``'s submission; publish it if it has no error. With a
    ``confinement``, the file is read and validated in a confined worker (``validation.
    confined``) and only the graph it returns is written here; ``shown``: the file's name in
    the report's messages (default: its own)."""
    mapping = partner_mapping(mapping_path, partner, lang)
    options = {} if max_bytes is None else {"max_bytes": max_bytes}
    if confinement is None:
        report = validate_submission(
            path, lang=lang, store_path=store_path, base=base, mapping=mapping, **options
        )
    else:
        published = published_places(store_path, base, mapping.source_id)
        limit = max_bytes or MAX_FILE_BYTES
        job = Job(path, lang, base, limit, mapping, published, shown or path.name)
        report = validate_confined(job, confinement)
    dataset = provenance.dataset_iri(base, partner.id)
    moment = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if not report.conforms:
        if Path(report.file).is_file():
            record = _record(report, partner, base, None, moment)
            write(store_path, lambda store: store.apply(record, [submissions_graph(base)]), base)
        return Publication(report, False, dataset)
    version = report.load.graph if report.load else None
    if version is None:
        raise LoadError("the submission produced no graph; nothing published")

    def change(store: TripleStore) -> dict[str, list[str]]:
        current = next(
            (v for v in current_versions(store, base) if v.value.startswith(f"{dataset}/")), None
        )
        before = record_digests(_published_lines(store, current))
        record = _record(report, partner, base, version, moment)
        publish_version(
            store,
            base,
            dataset,
            version,
            [report.ntriples],
            also=record,
            also_graphs=[submissions_graph(base)],
        )
        # both sides as the store gives them back: stores rewrite some values on the way in
        # (Oxigraph: canonical numbers; Virtuoso 7: WKT geometries), so compare like with like
        after = _published_lines(store, ox.NamedNode(version))
        return _changes(before, record_digests(after))

    changes, generation = write(store_path, change, base)
    return Publication(report, True, dataset, version, generation, changes)


SUBMISSIONS = """
SELECT ?submission ?partner ?time ?file ?checksum ?version ?conforms ?errors ?warnings
WHERE {{ GRAPH <{base}submissions> {{
  ?submission a <http://www.w3.org/ns/prov#Activity> ;
      <http://www.w3.org/ns/prov#wasAssociatedWith> ?partner ;
      <http://www.w3.org/ns/prov#startedAtTime> ?time ;
      <http://purl.org/dc/terms/identifier> ?file ;
      <http://spdx.org/rdf/terms#checksumValue> ?checksum ;
      <http://www.w3.org/ns/prov#generated> ?report .
  ?report <http://www.w3.org/ns/shacl#conforms> ?conforms ;
      <https://w3id.org/coworkmed/def/errorCount> ?errors ;
      <https://w3id.org/coworkmed/def/warningCount> ?warnings .
  OPTIONAL {{ ?submission <http://www.w3.org/ns/prov#generated> ?version .
             FILTER NOT EXISTS {{ ?version a <http://www.w3.org/ns/shacl#ValidationReport> }} }}
}} }}
ORDER BY DESC(?time)
"""


def submission_rows(
    solutions: Iterable[dict[str, str | None]], partner: str | None = None
) -> list[dict[str, Any]]:
    """The rows of the SUBMISSIONS query (each a variable -> value mapping), as plain records,
    of one partner if given."""
    rows = []
    for values in solutions:
        who = (values["partner"] or "").rsplit("/", 1)[-1]
        if partner and who != partner:
            continue
        rows.append(
            {
                "submission": values["submission"],
                "partner": who,
                "time": values["time"],
                "file": values["file"],
                "sha256": values["checksum"],
                "version": values.get("version"),
                "conforms": values["conforms"] == "true",
                "errors": int(values["errors"] or 0),
                "warnings": int(values["warnings"] or 0),
            }
        )
    return rows


def list_submissions(
    store: TripleStore, base: str, partner: str | None = None
) -> list[dict[str, Any]]:
    """The submissions recorded in the store, newest first (of one partner, if given)."""
    solutions = store.query(SUBMISSIONS.format(base=base))
    names = [variable.value for variable in solutions.variables]
    values = (
        {name: None if s[name] is None else s[name].value for name in names} for s in solutions
    )
    return submission_rows(values, partner)
