"""Schemathesis against the running API's own OpenAPI schema, signed in as a real user: whatever
each operation is sent, valid or not, it never answers with a server error.

Schemathesis's Python API drives Hypothesis per operation here rather than its pytest plugin,
whose `parametrize` does not run under pytest 9 (it reads a private pytest attribute)."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from benchmarks import stack

EXAMPLES = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def test_no_operation_answers_with_a_server_error(api, tmp_path):
    user = stack.Client(api)
    signed_in = {"Authorization": user.http.headers["Authorization"]}
    own_job = user.upload(stack.piano_wav(tmp_path / "phrase.wav", seconds=2.0))["id"]
    schema = schemathesis.openapi.from_url(f"{api}/openapi.json", headers=stack.OPERATOR)
    calls: Counter[str] = Counter()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # random ids, invalid inputs, and (where a route takes one) the caller's own job
        runs = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if "{job_id}" in operation.path:
            runs.append((GenerationMode.POSITIVE, {"job_id": own_job}))
        for mode, path_parameters in runs:
            @EXAMPLES
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
            def call(case):
                calls[operation.label] += 1
                case.call_and_validate(headers=signed_in, checks=[not_a_server_error], timeout=30)

            try:
                call()
            except Unsatisfiable:  # an operation with no inputs has no invalid ones
                assert mode == GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as e:  # all operations run; failures reported together
                failures.append(f"{operation.label} ({mode.value}): {e}")
    assert not failures, "\n\n".join(failures)
    # auth 3, jobs 10 (create, list, get, 6 downloads, delete), limits, health; each really called
    assert len(calls) >= 13 and min(calls.values()) >= 1, calls
