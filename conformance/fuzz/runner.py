"""The fuzz run: schemathesis' generated cases, through hypothesis with a fixed seed, against a target.

Three phases:

- ``stateless``: every operation, cases drawn from its schema in positive and negative generation
  modes (valid and invalid bodies and bracket-syntax query parameters);
- ``stateful``: schemathesis' state machine over the document's OpenAPI links (create → findOne →
  update → delete), with the checks that follow resources (use after free, availability);
- ``methods``: every documented path with each undocumented method, which Strapi's router answers
  405 with an ``Allow`` header.

Failures are recorded, never raised into hypothesis: a run covers every operation whatever it finds,
and the same seed draws the same cases.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import schemathesis
from hypothesis import HealthCheck
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from .checks import private_attribute_leak
from .corpus import Corpus, StoredStep, freeze, thaw
from .options import PHASES
from .send import ClientTransport, curl_line, route_checks_through, send, transport_kwargs

# positive_data_acceptance and negative_data_rejection read the statuses each operation expects from
# the schema's configuration (``checks_config``); ignored_auth re-sends through ``ClientTransport``.
# private_attribute_leak is ours (checks.py): no answer's data holds a private attribute.
STATELESS_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance, positive_data_acceptance, negative_data_rejection, ignored_auth,
                    private_attribute_leak]
STATEFUL_CHECKS = [*STATELESS_CHECKS, use_after_free, ensure_resource_availability]
# Only too_slow: it fails a run when drawing its first cases takes over a second of wall time, which
# the deep query schemas (about 10 ms a case) reach on any busy machine, at random. How fast cases
# are drawn is measured by benchmarks/fuzz_speed.py instead. The other health checks stay on: a
# schema drawn only through filters, or cases too large to draw, is a document problem (exit 2).
SUPPRESSED_HEALTH_CHECKS: list[HealthCheck] = [HealthCheck.too_slow]
# Phases that send the document's operations (``methods`` probes undocumented ones only): an
# operation none of their cases reached fails the run.
OPERATION_PHASES = ("stateless", "stateful")
PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PROBE_ID = "conformance-method-probe"
# Findings in the webhook payloads the run caused (command.check_webhooks), after every phase.
WEBHOOKS = "webhooks"


@dataclass
class FuzzFailure:
    phase: str
    operation: str
    check: str
    title: str
    message: str
    status: int | None
    curl: str
    seed: int

    def replay(self) -> str:
        """One line: what failed, the seed that drew it, the curl command that shows it again."""
        status = self.status if self.status is not None else "-"
        return f"[{self.check}] {self.operation} -> {status} | seed={self.seed} | {self.curl}"

    def as_json(self) -> dict[str, Any]:
        return {"phase": self.phase, "operation": self.operation, "check": self.check, "title": self.title,
                "message": self.message, "status": self.status, "seed": self.seed, "curl": self.curl,
                "replay": self.replay()}


@dataclass
class FuzzOptions:
    seed: int = 0
    max_examples: int = 20
    phases: tuple[str, ...] = PHASES
    stateful_steps: int = 6
    corpus: Corpus | None = None  # stateless cases kept between runs (None: draw every time)


@dataclass
class FuzzResult:
    operations: list[str]
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)  # per (phase, operation label)
    answered: set[str] = field(default_factory=set)  # operations that got at least one answer
    # Operations whose documented success status came back at least once: a case got past routing,
    # authentication, policies and validation, to the operation itself.
    reached: set[str] = field(default_factory=set)
    sent_operations: bool = False  # a phase that sends the document's operations ran
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[FuzzFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # generation problems (not target failures)
    duration_s: float = 0.0
    cpu_s: float = 0.0  # this process' CPU time over the run (the in-process target included)
    phase_durations: dict[str, float] = field(default_factory=dict)
    corpus: str = "off"  # "drawn", "reused", "mixed" or "off"
    # The webhook payloads checked after the phases: {"deliveries": N, "idle": bool or None}; None
    # when the target sent its webhooks to no receiver of ours.
    webhooks: dict[str, Any] | None = None

    def count(self, phase: str, operation: str) -> None:
        self.cases[(phase, operation)] += 1

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def by_phase(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (phase, _), n in self.cases.items():
            out[phase] += n
        return dict(out)

    def by_operation(self, phase: str | None = None) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (p, operation), n in self.cases.items():
            if phase is None or p == phase:
                out[operation] += n
        return dict(sorted(out.items()))

    @property
    def unreached(self) -> list[str]:
        """Operations no case reached (none got its success status), when a phase sent them."""
        return [op for op in self.operations if op not in self.reached] if self.sent_operations else []

    def failures_by_check(self) -> dict[str, int]:
        return dict(sorted(Counter(f.check for f in self.failures).items()))


def _success_statuses(operation: dict[str, Any]) -> list[str]:
    return sorted(s for s in operation.get("responses", {}) if str(s).startswith("2"))


def checks_config(document: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis configuration for the document: what each operation must answer to valid and to
    invalid data, from the statuses it documents.

    The fuzzer sends the full-access token, so a valid case gets the operation's success status or,
    where the operation documents it, 404 (a drawn documentId names no document): never 401 or 403,
    which schemathesis accepts by default. Invalid data gets 400, 404 where documented (an invalid
    documentId), 413 where documented (a body over the limit) or 405/414 (a mutated path or query no
    route takes).
    """
    operations = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            documented = set(operation["responses"])
            positive = _success_statuses(operation) + (["404"] if "404" in documented else [])
            negative = ["400", "405", "414"] + [s for s in ("404", "413") if s in documented]
            if {} not in operation.get("security", [{}]):
                # Where the route needs a token, a case without one is invalid: 401 or 403.
                negative += ["401", "403"]
            operations.append({"include-name": f"{method.upper()} {path}", "checks": {
                "positive_data_acceptance": {"expected-statuses": positive},
                "negative_data_rejection": {"expected-statuses": sorted(negative)}}})
    return {"operations": operations}


def _memoize_checks_config(config: Any) -> None:
    """Schemathesis merges the configuration hierarchy again for every response it validates (a
    quarter of the time of a replayed case); it is fixed for the run, so merge once per operation."""
    original = config.checks_config_for
    merged: dict[tuple[str | None, str | None], Any] = {}

    def checks_config_for(*, operation: Any = None, phase: str | None = None) -> Any:
        key = (operation.label if operation is not None else None, phase)
        if key not in merged:
            merged[key] = original(operation=operation, phase=phase)
        return merged[key]

    config.checks_config_for = checks_config_for


MEDIA_FILES = "/api/upload/files"  # no run adds to this pool: media is written as none


def relation_targets(prefix: str = "/api") -> dict[str, dict[str, tuple[str, bool]]]:
    """Per collection path of the fixture's content types: relation field -> (target's path, to many)."""
    from ..openapi import load_content_types

    types = load_content_types()
    paths = {ct.uid: f"{prefix}/{ct.singular if ct.single else ct.plural}" for ct in types}
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for ct in types:
        for name, attr in ct.relations().items():
            if attr.get("target") in paths:
                many = str(attr.get("relation", "")).endswith("ToMany")
                out.setdefault(paths[ct.uid], {})[name] = (paths[attr["target"]], many)
        for name, attr in ct.attributes.items():
            if attr.get("type") == "media":
                # Media names uploaded files by id: the fuzzer uploads none, so a valid case names none.
                out.setdefault(paths[ct.uid], {})[name] = (MEDIA_FILES, bool(attr.get("multiple")))
    return out


def always_published(prefix: str = "/api") -> set[str]:
    """Collection paths of the fixture's types without draft & publish: every document is published,
    whether or not an answer shows ``publishedAt`` (a drawn ``fields`` leaves it out)."""
    from ..openapi import load_content_types

    return {f"{prefix}/{ct.singular if ct.single else ct.plural}" for ct in load_content_types()
            if not ct.draft_and_publish}


def unique_attributes(prefix: str = "/api") -> dict[str, list[str]]:
    """Per collection path of the fixture's content types: the attributes whose values must be
    unique (``unique: true`` and every uid)."""
    from ..openapi import load_content_types

    out: dict[str, list[str]] = {}
    for ct in load_content_types():
        names = [k for k, a in ct.attributes.items() if a.get("unique") or a.get("type") == "uid"]
        if names:
            out[f"{prefix}/{ct.singular if ct.single else ct.plural}"] = names
    return out


class Runner:
    """One run of the phases against one target client."""

    def __init__(self, schema: schemathesis.BaseSchema, client: httpx.Client, base_url: str,
                 headers: dict[str, str], options: FuzzOptions, replay_base_url: str | None = None) -> None:
        self.schema = schema
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.replay_base_url = (replay_base_url or base_url).rstrip("/")
        self.headers = headers
        self.options = options
        # load_schema refused documents with operations schemathesis cannot read: all are Ok here.
        self.operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        self.result = FuzzResult([op.label for op in self.operations])
        self._seen: set[tuple[str, str, str, str]] = set()
        self._success = {op.label: {int(s) for s in _success_statuses(op.definition.raw)} for op in self.operations}
        # documentIds the target created or listed, per collection path: stateless cases on
        # ``/{id}`` operations use them every other case, so reads, updates and deletes of a
        # document that exists are fuzzed without the stateful phase. ``_published`` holds those
        # known to be published, the only ones a valid relation may name.
        self._documents: dict[str, list[str]] = {}
        self._published: dict[str, list[str]] = {}
        self._always_published = always_published()
        # Operations whose authentication ignored_auth confirmed once (it re-sends two requests).
        self._auth_confirmed: set[str] = set()
        route_checks_through(schema, ClientTransport(client, self.base_url, schema.transport))
        _memoize_checks_config(schema.config)
        self._relations = relation_targets()
        self._unique = unique_attributes()
        self._drawn = 0  # suffixes that keep drawn values of unique attributes apart
        self.corpus = options.corpus

    # -- shared --------------------------------------------------------------------------------------
    def settings(self, examples: int) -> hypothesis.settings:
        return hypothesis.settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                                   suppress_health_check=SUPPRESSED_HEALTH_CHECKS, print_blob=False,
                                   phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                                   stateful_step_count=self.options.stateful_steps)

    def exchange(self, case: Case, phase: str) -> Response | None:
        label = case.operation.label
        # The case is final: its metadata (valid or not, what was negated) is settled once here, if
        # the runner's substitutions touched it, instead of re-hashing every part on each of the
        # checks' dozen reads.
        _ = case.meta
        case.freeze_metadata()
        self.result.count(phase, label)
        try:
            response = send(self.client, case, self.base_url, self.headers)
        except httpx.TransportError as exc:
            self.record(phase, label, "transport", f"{type(exc).__name__}: {exc}", str(exc), None, case)
            return None
        self.result.answered.add(label)
        self.result.statuses.setdefault(label, Counter())[response.status_code] += 1
        if response.status_code in self._success[label]:
            self.result.reached.add(label)
            self._remember(case, response)
        return response

    def _remember(self, case: Case, response: Response) -> None:
        path = case.operation.path
        collection = path[: -len("/{id}")] if path.endswith("/{id}") else path
        if case.method.upper() == "DELETE":
            gone = case.path_parameters.get("id") if case.path_parameters else None
            for pools in (self._documents, self._published):
                pool = pools.get(collection, [])
                if gone in pool:
                    pool.remove(gone)
            return
        try:
            data = response.json().get("data")
        except (ValueError, AttributeError):
            return
        entries = [e for e in (data if isinstance(data, list) else [data])
                   if isinstance(e, dict) and isinstance(e.get("documentId"), str)]
        pool = self._documents.setdefault(collection, [])
        pool.extend(e["documentId"] for e in entries if e["documentId"] not in pool)
        # A relation from a published document to a draft-only one is a 400 like an unknown
        # documentId: only documents known to be published go to the relations' pool.
        always = collection in self._always_published
        published = self._published.setdefault(collection, [])
        published.extend(e["documentId"] for e in entries
                         if (always or e.get("publishedAt")) and e["documentId"] not in published)

    def existing_document(self, path: str) -> str | None:
        """A document of the operation's collection that exists (a draft will do for its path)."""
        collection = path[: -len("/{id}")] if path.endswith("/{id}") else ""
        pool = self._published.get(collection) or self._documents.get(collection, [])
        return pool[-1] if pool else None

    def checks_for(self, case: Case, checks: list[Any]) -> list[Any]:
        drop = set()
        if case.operation.label in self._auth_confirmed:
            drop.add(ignored_auth)
        if case.meta is not None and case.meta.is_negative_at(ParameterLocation.QUERY):
            # Query schemas bound what is drawn (at most 3 values in $in, 32-bit integers, formats
            # of filter values), they are not Strapi's query validation, which takes such values:
            # an answer to a negated query proves nothing. Bodies and paths are checked.
            drop.add(negative_data_rejection)
        return [c for c in checks if c not in drop]

    def valid_relations(self, case: Case) -> None:
        """Point a valid case's relations at documents that exist.

        A documentId the target never issued is a 400 ("Document with id ... not found") however
        well-formed: valid cases connect to documents this run created, or to none.
        """
        collection = case.operation.path.removesuffix("/{id}")
        relations = self._relations.get(collection)
        unique = self._unique.get(collection)
        meta = case.meta
        if not (relations or unique) or meta is None or not meta.generation.mode.is_positive:
            return
        data: Any = case.body.get("data") if isinstance(case.body, dict) else None
        if not isinstance(data, dict):
            return
        for name in unique or ():
            # Hypothesis draws the same small values again and again: a value already taken is a
            # 400 ("This attribute must be unique") however valid. The suffix keeps uid patterns.
            if isinstance(data.get(name), str) and data[name]:
                self._drawn += 1
                data[name] = f"{data[name]}-{self._drawn}"
        relations = relations or {}
        for name, (target, many) in relations.items():
            value = data.get(name)
            if value is None:
                continue
            pool = self._published.get(target, [])
            if many:
                data[name] = pool[-len(value):] if isinstance(value, list) and value else []
            else:
                data[name] = pool[-1] if pool else None

    def validate(self, case: Case, response: Response, phase: str, checks: list[Any],
                 recorder: Any = None) -> None:
        checks = self.checks_for(case, checks)
        failed: list[Failure] = []
        try:
            case.validate_response(response, checks=checks, headers=self.headers,
                                   transport_kwargs=transport_kwargs(self.base_url, self.headers), recorder=recorder)
        except FailureGroup as group:
            failed = [f for f in group.exceptions if isinstance(f, Failure)]
        except Failure as single:
            failed = [single]
        for item in failed:
            self.record_failure(phase, case, response.status_code, item)
        if ignored_auth in checks and 200 <= response.status_code < 300 \
                and not any("ignored_auth" in f.checks for f in failed if f.checks):
            # A 2xx with the token made ignored_auth re-send the case without it and with a wrong
            # one; once refused both ways, the operation's authentication is confirmed.
            self._auth_confirmed.add(case.operation.label)

    def record_failure(self, phase: str, case: Case, status: int, failure: Failure) -> None:
        check = failure.checks[0] if failure.checks else type(failure).__name__
        title = failure.title or type(failure).__name__
        # Schema violations differ by the keyword that failed: one finding per schema location.
        where = "/".join(str(p) for p in getattr(failure, "schema_path", None) or [])
        self.record(phase, case.operation.label, check, f"{title} at {where}" if where else title,
                    failure.message, status, case)

    def record(self, phase: str, operation: str, check: str, title: str, message: str, status: int | None,
               case: Case | None, curl: str | None = None) -> None:
        # One record per distinct problem: the same check failing the same way on the same operation
        # is one finding, however many cases hit it.
        key = (operation, check, title, str(status))
        if key in self._seen:
            return
        self._seen.add(key)
        if curl is None and case is not None:
            curl = curl_line(case, self.replay_base_url, self.headers)
        self.result.failures.append(FuzzFailure(phase, operation, check, title, message.strip(), status,
                                                curl or "", self.options.seed))

    # -- phases ----------------------------------------------------------------------------------------
    def run(self) -> FuzzResult:
        started = time.perf_counter()
        self.result.sent_operations = any(p in OPERATION_PHASES for p in self.options.phases)
        steps: dict[str, Callable[[], None]] = {"stateless": self.stateless, "stateful": self.stateful,
                                                "methods": self.methods}
        cpu = time.process_time()
        for phase in self.options.phases:
            phase_started = time.perf_counter()
            steps[phase]()
            self.result.phase_durations[phase] = round(time.perf_counter() - phase_started, 3)
        self.result.duration_s = time.perf_counter() - started
        self.result.cpu_s = time.process_time() - cpu
        if self.corpus is not None and any(p in OPERATION_PHASES for p in self.options.phases):
            used = (self.corpus.reused > 0, self.corpus.drawn > 0)
            self.result.corpus = {(True, False): "reused", (False, True): "drawn"}.get(used, "mixed")
        return self.result

    def stateless(self) -> None:
        # Writes before reads on each path: a single type answers its GET 404 until a PUT gave it
        # content, and a collection's reads use the documents its creates made.
        order = {"POST": 0, "PUT": 1, "GET": 2, "PATCH": 3, "DELETE": 4}
        for operation in sorted(self.operations, key=lambda op: (op.path.removesuffix("/{id}"),
                                                                 order.get(op.method.upper(), 5))):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                self._stateless_operation(operation, mode)

    def _stateless_operation(self, operation: Any, mode: GenerationMode) -> None:
        drawn = [0]

        cached = self.corpus.load(operation, mode.value) if self.corpus is not None else None
        frozen: list[bytes] = []
        last: list[Case] = []

        def test(case: Case) -> None:
            if cached is None and self.corpus is not None:
                frozen.append(freeze(case))
            drawn[0] += 1
            last[:] = [case]
            if mode is GenerationMode.POSITIVE and "id" in (case.path_parameters or {}) and drawn[0] % 2 == 0:
                existing = self.existing_document(case.operation.path)
                if existing is not None:
                    case.path_parameters = {**case.path_parameters, "id": existing}
            self.valid_relations(case)
            response = self.exchange(case, "stateless")
            if response is not None:
                self.validate(case, response, "stateless", STATELESS_CHECKS)

        if cached is not None:
            for case in cached:
                test(case)
            self._reach(operation, mode, last)
            return
        strategy = operation.as_strategy(generation_mode=mode)
        wrapped = hypothesis.given(case=strategy)(test)
        wrapped = self.settings(self.options.max_examples)(wrapped)
        wrapped = hypothesis.seed(self.options.seed)(wrapped)
        try:
            wrapped()
        except hypothesis.errors.Unsatisfiable as exc:
            if mode is GenerationMode.POSITIVE:  # every operation has valid cases: a document problem
                self.result.errors.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}")
            return  # negative: nothing in the operation can be made invalid, nothing to send
        except Exception as exc:  # noqa: BLE001 (a generation problem is reported, the run goes on)
            self.result.errors.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}")
            return
        if self.corpus is not None:
            self.corpus.store(operation, mode.value, frozen)
        self._reach(operation, mode, last)

    def _reach(self, operation: Any, mode: GenerationMode, last: list[Case]) -> None:
        """One more valid case when none reached the operation: the last one drawn, on a document that
        exists and without query parameters (drawn filters rarely match the document), so that a
        working operation is reached whatever --max-examples, and a broken one still is not."""
        if mode is not GenerationMode.POSITIVE or not last or operation.label in self.result.reached:
            return
        case = last[0]
        if "id" in (case.path_parameters or {}):
            existing = self.existing_document(operation.path)
            if existing is None:
                return
            case.path_parameters = {**case.path_parameters, "id": existing}
        case.query = {}
        self.valid_relations(case)
        response = self.exchange(case, "stateless")
        if response is not None:
            self.validate(case, response, "stateless", STATELESS_CHECKS)

    def stateful(self) -> None:
        scenarios = self.corpus.load_scenarios(self.options.stateful_steps) if self.corpus is not None else None
        if scenarios is not None:
            self._replay_scenarios(scenarios)
            return
        runner = self
        machine = self.schema.as_state_machine()
        recorded: list[list[StoredStep]] | None = [] if self.corpus is not None else None

        class Recording(machine):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                if recorded is not None:  # one instance per scenario
                    recorded.append([])
                super().__init__()

            def step(self, input: Any) -> Any:
                if recorded is not None:
                    recorded[-1].append(stored_step(input))
                return super().step(input)

            def call(self, case: Case, **kwargs: Any) -> Any:
                runner.valid_relations(case)
                response = runner.exchange(case, "stateful")
                if response is None:
                    # The target stopped answering: end this scenario, the failure is recorded.
                    raise _ScenarioAborted()
                return response

            def validate_response(self, response: Any, case: Case, additional_checks: Any = None,
                                  **kwargs: Any) -> None:
                runner.validate(case, response, "stateful", STATEFUL_CHECKS, recorder=self.recorder)

        Recording.__name__ = "StrapiContentApi"
        hypothesis.seed(self.options.seed)(Recording)
        try:
            Recording.run(settings=self.settings(self.options.max_examples))
        except _ScenarioAborted:
            return
        except Exception as exc:  # noqa: BLE001
            self.result.errors.append(f"stateful: {type(exc).__name__}: {exc}")
            return
        if self.corpus is not None and recorded is not None:
            self.corpus.store_scenarios(self.options.stateful_steps, [steps for steps in recorded if steps])

    def _replay_scenarios(self, scenarios: list[list[StoredStep]]) -> None:
        """The stored scenarios, step by step as the state machine ran them: each link value taken
        again from the answer this target gave, each step checked with its scenario's record."""
        from schemathesis.engine.recorder import ScenarioRecorder
        from schemathesis.generation.stateful import STATEFUL_TESTS_LABEL
        from schemathesis.generation.stateful.state_machine import StepOutput
        from schemathesis.specs.openapi import expressions

        operations = {op.label: op for op in self.operations}
        for scenario in scenarios:
            recorder = ScenarioRecorder(label=STATEFUL_TESTS_LABEL, config=self.schema.config.output)
            answered: dict[str, StepOutput] = {}
            for step in scenario:
                case = thaw(step.case, operations[step.operation])
                parent = answered.get(step.parent) if step.parent is not None else None
                for container, name, expression in step.links:
                    if parent is None:
                        break
                    try:
                        value = expressions.evaluate(expression, parent)
                    except Exception:  # noqa: BLE001 (as the state machine: an unusable link keeps the drawn value)
                        continue
                    if value is not None and isinstance(value, (str, int, float, bool)):
                        setattr(case, container, {**(getattr(case, container) or {}), name: value})
                recorder.record_case(case=case, parent_id=step.parent if parent is not None else None,
                                     is_transition_applied=step.applied)
                self.valid_relations(case)
                response = self.exchange(case, "stateful")
                if response is None:
                    return  # the target stopped answering: the failure is recorded
                recorder.record_response(case_id=case.id, response=response)
                answered[case.id] = StepOutput(response, case)
                self.validate(case, response, "stateful", STATEFUL_CHECKS, recorder=recorder)

    def methods(self) -> None:
        document = self.schema.raw_schema
        for path, item in document.get("paths", {}).items():
            documented = {m.upper() for m in item if m.upper() in PROBE_METHODS}
            for method in PROBE_METHODS:
                if method in documented:
                    continue
                self._probe(path.replace("{id}", PROBE_ID), path, method, documented)

    def _probe(self, url_path: str, path: str, method: str, documented: set[str]) -> None:
        label = f"{method} {path}"
        self.result.count("methods", label)
        body = b'{"data":{}}' if method in ("POST", "PUT", "PATCH") else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if body else {})}
        curl = _curl(method, self.replay_base_url + url_path, headers, body)
        try:
            response = self.client.request(method, self.base_url + url_path, headers=headers, content=body)
        except httpx.TransportError as exc:
            self.record("methods", label, "transport", type(exc).__name__, str(exc), None, None, curl)
            return
        self.result.statuses.setdefault(label, Counter())[response.status_code] += 1
        if response.status_code != 405:
            self.record("methods", label, "unsupported_method", f"Undocumented method answered {response.status_code}",
                        f"{method} {url_path} answered {response.status_code}, expected 405 Method Not Allowed",
                        response.status_code, None, curl)
            return
        allow = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if not documented <= allow:
            self.record("methods", label, "unsupported_method", "405 without the documented methods in Allow",
                        f"Allow: {response.headers.get('allow')!r}; documented: {', '.join(sorted(documented))}",
                        405, None, curl)


def stored_step(input: Any) -> StoredStep:
    """A state machine step (schemathesis' ``StepInput``) as the corpus keeps it: the values its link
    filled in named by the link's expression, to be taken again from the replayed answer."""
    transition = input.transition
    links = []
    for location, name in input.applied_parameters if transition is not None else ():
        extracted = transition.parameters.get(location.container_name, {}).get(name) if name else None
        if extracted is not None and isinstance(extracted.definition, str):
            links.append((location.container_name, name, extracted.definition))
    return StoredStep(input.case.operation.label, freeze(input.case),
                      transition.parent_id if transition is not None else None, tuple(links),
                      bool(input.applied_parameters))


class _ScenarioAborted(Exception):
    """The target stopped answering during a stateful scenario."""


def _curl(method: str, url: str, headers: dict[str, str], body: bytes | None) -> str:
    import shlex

    parts = ["curl", "-X", method]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["-d", body.decode()]
    parts.append(url)
    return " ".join(shlex.quote(p) for p in parts)
