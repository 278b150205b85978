"""``conformance diff``: normalisation, noise learning, grouping, the manifest, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.diff import command as diff_command
from conformance.diff.compare import Answer, Case, Noise, compare, differences, json_paths, signature
from conformance.diff.manifest import DiffManifest, DiffManifestError
from conformance.diff.normalise import MISSING_DOCUMENT, Normalisation, Symbols, normalise, ref_token
from conformance.diff.targets import parse_name
from conformance.targets.base import TargetError

RULES = Normalisation()


# -- normalisation ---------------------------------------------------------------------------------

def test_generated_values_become_placeholders_and_null_stays_null() -> None:
    symbols = Symbols("diff-x-A-00001-")
    symbols.bind(0, "abcdefghijklmnopqrstuvwx")
    body = {"data": {"id": 17, "documentId": "abcdefghijklmnopqrstuvwx", "title": "t", "createdAt": "2026-01-01T00:00:00Z",
                     "publishedAt": None, "batch": "diff-x-A-00001-",
                     "author": {"id": 3, "documentId": "zyxwvutsrqponmlkjihgfedc"}},
            "error": "Document with id abcdefghijklmnopqrstuvwx not found"}
    out = normalise(body, symbols, 4, RULES)
    assert out == {"data": {"id": "<id>", "documentId": "<doc:0>", "title": "t", "createdAt": "<timestamp>",
                            "publishedAt": None, "batch": "<batch>",
                            "author": {"id": "<id>", "documentId": "<doc:4:data.author.documentId>"}},
                   "error": "Document with id <doc:0> not found"}


def test_two_targets_name_the_same_logical_documents_alike() -> None:
    a, b = Symbols("batch-a-"), Symbols("batch-b-")
    a.bind(2, "aaaaaaaaaaaaaaaaaaaaaaaa")
    b.bind(2, "bbbbbbbbbbbbbbbbbbbbbbbb")
    answer_a = {"data": [{"documentId": "aaaaaaaaaaaaaaaaaaaaaaaa", "batch": "batch-a-"}]}
    answer_b = {"data": [{"documentId": "bbbbbbbbbbbbbbbbbbbbbbbb", "batch": "batch-b-"}]}
    assert normalise(answer_a, a, 5, RULES) == normalise(answer_b, b, 5, RULES)


def test_the_field_names_are_configurable() -> None:
    rules = Normalisation(id_fields=frozenset({"pk"}), timestamp_fields=frozenset({"stamp"}))
    out = normalise({"pk": 4, "id": 5, "stamp": "now", "createdAt": "then"}, Symbols("b"), 0, rules)
    assert out == {"pk": "<id>", "id": 5, "stamp": "<timestamp>", "createdAt": "then"}


def test_placeholders_resolve_per_target_and_a_missing_document_is_the_same_everywhere() -> None:
    symbols = Symbols("diff-1-B-00003-")
    symbols.bind(1, "cccccccccccccccccccccccc")
    text = f'/api/articles/{ref_token(1)}?filters[batch][$eq]=zzbatchzz&x={ref_token(7)}'
    assert symbols.resolve(text) == (f"/api/articles/cccccccccccccccccccccccc?filters[batch][$eq]=diff-1-B-00003-"
                                     f"&x={MISSING_DOCUMENT}")


# -- comparing -------------------------------------------------------------------------------------

def test_json_paths_are_type_strict_and_name_missing_keys_and_lengths() -> None:
    assert json_paths({"a": 1, "b": True}, {"a": 1.0, "b": 1}) == ["b"]
    assert json_paths({"a": None}, {}) == ["a"]
    assert json_paths({"d": [1, 2]}, {"d": [1, 3, 4]}) == ["d[#]", "d[1]"]
    assert json_paths({"e": {"x": 1}}, {"e": "text"}) == ["e"]
    assert json_paths([], []) == []


def test_differences_cover_status_headers_and_body() -> None:
    a = Answer(200, {"content-type": "application/json"}, {"data": {"title": "x"}})
    b = Answer(201, {"content-type": "text/plain"}, {"data": {"title": "y"}})
    assert differences(a, b) == ["status", "header:content-type", "data.title"]
    assert differences(Answer(200, body="x", json=False), Answer(200, body={"a": 1})) == ["body"]


def _case(op: str, a: Answer, b: Answer, b2: Answer, sequence: int = 0) -> Case:
    return Case(sequence, 0, op, "stateful", {}, a, b, b2)


def test_noise_is_what_the_oracle_disagrees_with_itself_on_and_everything_below_it() -> None:
    noise = Noise()
    noise.learn("GET /x", ["data[3].rank", "meta"])
    assert noise.is_noise("GET /x", "data[0].rank")
    assert noise.is_noise("GET /x", "meta.pagination.total")
    assert not noise.is_noise("GET /x", "data[0].title")
    assert not noise.is_noise("GET /y", "meta")  # noise is per operation
    assert not noise.is_noise("GET /x", "data")  # a difference above a noisy path is not noise


def test_compare_learns_noise_from_the_oracle_and_keeps_the_rest() -> None:
    ok = Answer(200, {}, {"data": {"title": "a", "rank": 1}})
    cases = [
        # The oracle's own two answers differ on rank: rank is noise for GET /x.
        _case("GET /x", Answer(200, {}, {"data": {"title": "a", "rank": 9}}), ok,
              Answer(200, {}, {"data": {"title": "a", "rank": 2}})),
        # Title differs between A and B, never between B and B2: a divergence.
        _case("GET /x", Answer(200, {}, {"data": {"title": "b", "rank": 1}}), ok, ok, 1),
        _case("GET /x", Answer(200, {}, {"data": {"title": "c", "rank": 1}}), ok, ok, 2),
        _case("POST /x", Answer(400, {}, {"error": {"message": "m"}}), Answer(201, {}, {"data": {}}),
              Answer(201, {}, {"data": {}}), 3),
        _case("GET /x", ok, ok, ok, 4),
    ]
    result = compare(cases)
    assert result.total == 5 and result.agreeing == 2 and result.raw_divergent == 4
    assert [(g.signature.operation, g.signature.statuses, g.signature.paths, g.count) for g in result.groups] == [
        ("GET /x", "200/200", ("data.title",), 2),
        ("POST /x", "400/201", ("data", "error", "status"), 1)]
    assert result.noise.as_json() == {"GET /x": {"data.rank": 1}}


def test_a_signature_generalises_list_indices() -> None:
    a, b = Answer(200), Answer(200)
    one = signature("GET /x", a, b, ["data[0].title", "data[3].title"])
    two = signature("GET /x", a, b, ["data[7].title"])
    assert one == two and one.paths == ("data[*].title",)
    assert signature("GET /x", Answer(None), b, []).statuses == "-/200"


# -- the manifest ----------------------------------------------------------------------------------

ENTRY = """
[[divergence]]
id = "title-case"
operation = "GET /api/*"
statuses = "200/200"
paths = ["data*.title"]
reason = "A capitalises titles, B does not"
evidence = "GET /api/articles: A 'Alpha', B 'alpha'"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "diff.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_manifest_entry_explains_the_groups_it_matches(tmp_path: Path) -> None:
    manifest = DiffManifest.load(_write(tmp_path, "cases = 100\n" + ENTRY))
    ok = Answer(200, {}, {"data": [{"title": "a"}]})
    groups = compare([_case("GET /api/articles", Answer(200, {}, {"data": [{"title": "A"}]}), ok, ok),
                      _case("GET /api/articles", Answer(200, {}, {"data": [{"title": "a", "x": 1}]}), ok, ok)]).groups
    manifest.explain(groups)
    assert {g.signature.paths: g.known for g in groups} == {("data[*].title",): "title-case", ("data[*].x",): None}
    assert manifest.unmatched(groups) == [] and manifest.cases == 100


def test_an_entry_names_the_side_at_fault(tmp_path: Path) -> None:
    assert DiffManifest.load(_write(tmp_path, ENTRY)).entries[0].fault == "B"  # the oracle, by default
    assert DiffManifest.load(_write(tmp_path, ENTRY + 'fault = "A"\n')).entries[0].fault == "A"


def test_an_entry_matching_no_group_is_unmatched(tmp_path: Path) -> None:
    manifest = DiffManifest.load(_write(tmp_path, ENTRY))
    assert [e.id for e in manifest.unmatched([])] == ["title-case"]


@pytest.mark.parametrize(("text", "message"), [
    (ENTRY.replace('reason = "A capitalises titles, B does not"', 'reason = "TODO"'), ":3: [[divergence]] title-case: 'reason' is a placeholder"),
    (ENTRY.replace('evidence = "GET /api/articles: A \'Alpha\', B \'alpha\'"\n', ""), ":3: [[divergence]] title-case: needs 'evidence'"),
    (ENTRY + 'colour = "red"\n', "unknown key(s) ['colour']"),
    (ENTRY + ENTRY, ":11: [[divergence]] title-case is listed twice"),
    (ENTRY.replace('paths = ["data*.title"]', "paths = []"), "'paths' must be a non-empty list"),
    ("[[expected-failure]]\nid = 'x'\n", "unknown key(s) or section(s) ['expected-failure']"),
    ("cases = 'many'\n", "'cases' must be a whole number"),
    (ENTRY + 'fault = "C"\n', "'fault' must be \"A\" or \"B\""),
    ("[[divergence\n", "not valid TOML"),
])
def test_a_bad_manifest_is_refused_with_its_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DiffManifestError) as caught:
        DiffManifest.load(_write(tmp_path, text))
    assert message in str(caught.value)


def test_target_names() -> None:
    assert parse_name("strapi").report_name == "strapi-5.54.0"
    assert parse_name("strapi:5.30.1").report_name == "strapi-5.30.1"
    assert parse_name("http://127.0.0.1:1337/").report_name == "127.0.0.1-1337"
    assert parse_name("reference-http").cli == "reference-http"
    for bad in ("nginx", "strapi:6.0.0", "reference:x", "url:ftp://x", "process"):
        with pytest.raises(TargetError):
            parse_name(bad)


# -- end to end ------------------------------------------------------------------------------------

def _run(tmp_path: Path, *argv: str) -> tuple[int, dict[str, Any]]:
    from conformance.cli import main

    code = main(["diff", "--report-dir", str(tmp_path / "out"), *argv])
    path = tmp_path / "out" / "diff.json"
    return code, json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def test_bad_input_is_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--target", "nginx")[0] == 2
    assert _run(tmp_path, "--cases", "0")[0] == 2
    assert _run(tmp_path, "--against", "http://127.0.0.1:9", "--cases", "5")[0] == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert any("unreachable" in line for line in lines) and all("Traceback" not in line for line in lines)


def test_reference_against_reference_http_agrees_completely(tmp_path: Path) -> None:
    code, data = _run(tmp_path, "--target", "reference", "--against", "reference-http", "--cases", "45", "--no-manifest",
                      "--noise-check", "all")
    assert code == 0, data.get("groups")
    summary = data["summary"]
    assert summary["cases"] == 45 and summary["agreement_percent"] == 100.0 and summary["groups"] == 0
    assert summary["oracle_runs"] == "separate" and summary["noise"] == {}
    assert (tmp_path / "out" / "diff.html").is_file()


class _Altered(httpx.BaseTransport):
    """The reference's answers, with one deliberate change: a 404's message says "Gone"."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code != 404:
            return response
        body = json.loads(response.read())
        body["error"]["message"] = "Gone"
        return httpx.Response(404, headers={"content-type": "application/json"}, content=json.dumps(body).encode(),
                              request=request)


def _altered_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.targets.reference import ReferenceTarget

    class AlteredReference(ReferenceTarget):
        def client(self, timeout: float = 10.0) -> httpx.Client:
            plain = super().client(timeout)
            return httpx.Client(base_url=plain.base_url, transport=_Altered(plain._transport), timeout=timeout)

    built = {"n": 0}
    original = diff_command.build_target

    def build(name: Any, **kwargs: Any) -> Any:
        built["n"] += 1
        return AlteredReference() if built["n"] == 1 else original(name, **kwargs)

    monkeypatch.setattr(diff_command, "build_target", build)


def test_a_deliberately_altered_target_shows_a_divergence_group_and_the_manifest_judges_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _altered_candidate(monkeypatch)
    args = ("--target", "reference", "--against", "reference", "--cases", "45")
    code, data = _run(tmp_path, *args, "--no-manifest")
    assert code == 1
    groups = [(g["operation"], g["statuses"], g["paths"]) for g in data["groups"]]
    assert ("GET /api/articles/{id}", "404/404", ["error.message"]) in groups
    assert all(g[1] == "404/404" and g[2] == ["error.message"] for g in groups), groups
    assert data["summary"]["agreement_percent"] < 100.0
    assert "conformance diff --target reference --against reference --seed" in data["groups"][0]["replay"]
    known = tmp_path / "known.toml"
    known.write_text('cases = 45\n[[divergence]]\nid = "gone"\noperation = "* /api/*"\nstatuses = "404/404"\n'
                     'paths = ["error.message"]\nreason = "the altered target says Gone"\n'
                     'evidence = "tests/test_diff.py: _Altered rewrites every 404 message"\n', encoding="utf-8")
    _altered_candidate(monkeypatch)
    code, data = _run(tmp_path, *args, "--manifest", str(known))
    assert code == 0 and {g["known"] for g in data["groups"]} == {"gone"}
    # The same entry against an unaltered candidate matches nothing: stale, the run fails.
    monkeypatch.setattr(diff_command, "build_target", _original_build())
    code, data = _run(tmp_path, *args, "--manifest", str(known))
    assert code == 1 and data["summary"]["stale_entries"] == ["gone"]


def _original_build() -> Any:
    from conformance.diff.targets import build_target

    return build_target


def test_short_documentids_are_not_replaced_inside_text() -> None:
    symbols = Symbols("diff-1-A-00001-")
    symbols.name("", 1, "data.documentId")
    symbols.name("ab", 1, "data[1].documentId")
    assert normalise({"label": "kappa ab"}, symbols, 2, RULES) == {"label": "kappa ab"}


def test_numbers_beyond_double_precision_compare_as_javascript_reads_them() -> None:
    assert json_paths({"r": 45733859711204472}, {"r": 45733859711204470}) == []
    assert json_paths({"r": -3.317929139003945e16}, {"r": -33179291390039450}) == []
    assert json_paths({"r": 9007199254740993}, {"r": 9007199254740995}) == ["r"]
    assert json_paths({"r": 3}, {"r": 4}) == ["r"]


def test_a_drawn_list_query_gets_the_batch_filter_as_a_bracket_key() -> None:
    from conformance.diff.plan import _flat_batch_filter

    assert _flat_batch_filter({"filters[title][$eq]": "x", "filters[batch][$ne]": "y"}) == {
        "filters[title][$eq]": "x", "filters[batch][$eq]": "zzbatchzz"}
    assert _flat_batch_filter({"filters": "text"}) == {"filters": "text"}


def test_the_shipped_diff_manifests_are_valid() -> None:
    paths = sorted((Path(__file__).resolve().parents[1] / "conformance" / "manifests" / "diff").glob("*.toml"))
    assert paths
    for path in paths:
        manifest = DiffManifest.load(path)
        assert manifest.entries and manifest.cases > 0


def test_the_oracle_replayed_in_a_second_namespace_of_one_server_learns_no_false_noise(tmp_path: Path) -> None:
    code, data = _run(tmp_path, "--target", "reference", "--against", "reference", "--oracle-runs", "same",
                      "--cases", "45", "--no-manifest", "--noise-check", "all")
    assert code == 0 and data["summary"]["oracle_runs"] == "same"
    assert data["summary"]["oracle_second_run_sequences"] == data["summary"]["sequences"]
    assert data["summary"]["noise"] == {} and data["summary"]["agreement_percent"] == 100.0
