"""The case/outcome JSON codec and its validation, and how outcomes differ."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.case import BEHAVIOUR, Case, CaseError, Outcome, decode_bytes, encode_bytes
from oracle.compare import explain, first_difference
from oracle.suite import case_id

names = st.lists(
    st.text("abc_.-", min_size=1, max_size=4).filter(lambda p: p not in ".."),
    min_size=1,
    max_size=3,
).map("/".join)
cases = st.builds(
    Case,
    args=st.lists(st.text(st.characters(exclude_characters="\0"), max_size=10), max_size=4).map(
        tuple
    ),
    stdin=st.binary(max_size=64),
    files=st.dictionaries(names, st.binary(max_size=32), max_size=3),
    env=st.dictionaries(
        st.text("ABC_", min_size=1, max_size=5),
        st.text(st.characters(exclude_characters="\0"), max_size=5),
        max_size=2,
    ),
    timeout=st.floats(0.1, 600),
)


@given(st.binary())
def test_bytes_round_trip(data: bytes) -> None:
    encoded = json.loads(json.dumps(encode_bytes(data)))
    assert decode_bytes(encoded, "field") == data


def test_utf8_stays_readable_and_other_bytes_use_base64() -> None:
    assert encode_bytes("héllo\n".encode()) == "héllo\n"
    assert encode_bytes(b"\xff\x00") == {"base64": "/wA="}


@given(cases)
def test_case_round_trip(case: Case) -> None:
    assert Case.from_json(json.loads(json.dumps(case.to_json()))) == case


@given(
    st.builds(
        Outcome,
        st.binary(),
        st.binary(),
        st.integers(0, 255) | st.none(),
        files=st.dictionaries(names, st.binary(max_size=32), max_size=3),
        files_truncated=st.booleans(),
    )
)
def test_outcome_round_trip(outcome: Outcome) -> None:
    again = Outcome.from_json(json.loads(json.dumps(outcome.to_json())))
    assert again.same_behaviour(outcome)
    assert again.files == outcome.files


def test_an_outcome_without_files_reads_as_before_files_were_recorded() -> None:
    record = Outcome(b"a", b"", 0).to_json()
    assert list(record) == [
        "stdout", "stderr", "exit_code", "signal", "timed_out", "stdout_truncated",
        "stderr_truncated", "duration",
    ]  # fmt: skip
    written = Outcome(b"", b"", 0, files={"out/x": b"\xff"}, files_truncated=True).to_json()
    assert written["files"] == {"out/x": {"base64": "/w=="}} and written["files_truncated"]
    with pytest.raises(CaseError, match="files: name"):
        Outcome.from_json({**record, "files": {"../x": ""}})


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "a/../../x", "a//b", "./a", "", "a\0b"])
def test_file_names_escaping_the_case_folder_are_refused(name: str) -> None:
    with pytest.raises(CaseError, match="files: name"):
        Case.from_json({"args": [], "files": {name: "x"}})


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"args": "not a list"}, "args"),
        ({"args": [], "stdin": 3}, "stdin"),
        ({"args": [], "stdin": {"base64": "***"}}, "stdin"),
        ({"args": [], "env": {"A=B": "x"}}, "env"),
        ({"args": [], "timeout": 0}, "timeout"),
        ({"args": [], "timeout": True}, "timeout"),
        ({"args": [], "files": {"a": 1}}, "files"),
    ],
)
def test_malformed_cases_name_the_field(record: dict, field: str) -> None:
    with pytest.raises(CaseError, match=field):
        Case.from_json(record)


@given(st.text())
def test_the_fast_client_writes_json_as_json_does(text: str) -> None:
    from oracle.wire import json_string

    assert json.loads(json_string(text)) == text


@given(cases)
def test_the_fast_client_request_parses_as_the_same_case(case: Case) -> None:
    from oracle.wire import raw_request

    line = raw_request(list(case.args), case.stdin, case.files, case.env, case.timeout)
    request = json.loads(line)
    assert request["reply"] == "raw" and Case.from_json(request["case"]) == case


def test_reserved_environment_names_are_refused() -> None:
    for name in ("LD_PRELOAD", "LD_LIBRARY_PATH", "MIRROR_SANDBOX", "GLIBC_TUNABLES"):
        with pytest.raises(CaseError, match="reserved"):
            Case.from_json({"args": [], "env": {name: "x"}})


# --- how outcomes differ ------------------------------------------------------------------------

outcomes = st.builds(
    Outcome,
    st.sampled_from([b"", b"a\n", b"\xff"]),
    st.sampled_from([b"", b"e\n"]),
    st.sampled_from([0, 1, None]),
    signal=st.sampled_from([None, 9]),
    timed_out=st.booleans(),
    stdout_truncated=st.booleans(),
    stderr_truncated=st.booleans(),
    duration=st.floats(0, 5),
    files=st.sampled_from([{}, {"o": b"1"}, {"o": b"2"}, {"p": b"1"}, {"o": b"1", "p": b""}]),
    files_truncated=st.booleans(),
)


@given(outcomes, outcomes)
def test_differences_agree_with_same_behaviour_and_first_difference(a: Outcome, b: Outcome) -> None:
    found = a.differences(b)
    assert a.same_behaviour(b) == (not found) == (first_difference(a, b) is None)
    assert found == [name for name in BEHAVIOUR if name in found]  # in the fields' order
    assert found == b.differences(a)


def test_differences_ignore_duration_and_name_each_field() -> None:
    gold = Outcome(b"a", b"", 0)
    assert gold.differences(Outcome(b"a", b"", 0, duration=3.0)) == []
    changed = Outcome(b"b", b"e", None, signal=9, stderr_truncated=True)
    expected = ["stdout", "stderr", "exit_code", "signal", "stderr_truncated"]
    assert gold.differences(changed) == expected


def test_first_difference_uses_the_receipts_names() -> None:
    gold = Outcome(b"a", b"", 0)
    assert first_difference(gold, Outcome(b"b", b"e", 1)) == "stdout"
    assert first_difference(gold, Outcome(b"a", b"e", 1)) == "stderr"
    assert first_difference(gold, Outcome(b"a", b"", None, signal=9)) == "exit_code"
    assert first_difference(gold, Outcome(b"a", b"", 0, timed_out=True)) == "timed_out"
    assert first_difference(gold, Outcome(b"a", b"", 0, stdout_truncated=True)) == "truncation"
    assert first_difference(gold, Outcome(b"a", b"", 0, stderr_truncated=True)) == "truncation"
    assert first_difference(gold, Outcome(b"a", b"", 0, files={"o": b""})) == "files"
    assert first_difference(gold, Outcome(b"a", b"", 0, files_truncated=True)) == "truncation"


def test_explain_diffs_each_file_and_names_missing_and_extra_ones() -> None:
    gold = Outcome(b"", b"", 0, files={"a.txt": b"one\ntwo\n", "b": b"x"})
    lines = explain(gold, Outcome(b"", b"", 0, files={"a.txt": b"one\nTWO\n", "c": b""}))
    assert lines[0] == "  file 'a.txt' differs:"
    assert "    -two" in lines and "    +TWO" in lines
    assert "  file 'b': expected, yours did not write it" in lines
    assert lines[-1] == "  file 'c': yours wrote it, the reference did not"
    assert gold.same_behaviour(Outcome(b"", b"", 0, files={"b": b"x", "a.txt": b"one\ntwo\n"}))


def test_explain_diffs_the_streams_and_quotes_the_other_fields() -> None:
    gold = Outcome(b"one\ntwo\n", b"", 0)
    lines = explain(gold, Outcome(b"one\nTWO\n", b"", 2))
    assert lines[0] == "  stdout differs:"
    assert "    -two" in lines and "    +TWO" in lines
    assert lines[-1] == "  exit_code: expected 0, yours 2"
    assert explain(gold, Outcome(b"\xff", b"", 0))[-1] == "    +\\xff"
    assert explain(gold, gold) == []


def test_a_whole_number_timeout_gives_the_id_its_suite_line_reads_back_with() -> None:
    """A generator's timeout=5 and the 5.0 a suite line reads back are one case, one id."""
    written = Case(args=("x",), timeout=5)
    read_back = Case.from_json(json.loads(json.dumps(written.to_json())))
    assert read_back.to_json() == written.to_json()
    assert case_id(read_back) == case_id(written)
