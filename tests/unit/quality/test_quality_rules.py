from __future__ import annotations

from datetime import date

import pytest

from arrears.kit.inputs import InvalidField
from arrears.quality.rules import Candidate, Picked, check_marks, choose, recording_link, risk_reason, score

DAY = date(2005, 10, 1)
ALL_PASS = dict.fromkeys(
    ("identification", "disclosure", "no_threats", "no_third_party_disclosure", "solution_offered",
     "agreement_confirmed"), "pass")  # fmt: skip


class TestRiskReason:
    def test_a_complaint_comes_before_the_other_reasons(self) -> None:
        call = Candidate(1, DAY, duration_seconds=900, complaint=True, blocked_since=DAY)

        assert risk_reason(call) == "complaint"

    def test_a_call_after_a_blocked_attempt(self) -> None:
        assert risk_reason(Candidate(1, DAY, blocked_since=date(2005, 9, 30))) == "after_blocked"

    def test_a_block_later_than_the_call_does_not_count(self) -> None:
        assert risk_reason(Candidate(1, DAY, blocked_since=date(2005, 10, 2))) is None

    def test_a_long_call_from_the_threshold(self) -> None:
        assert risk_reason(Candidate(1, DAY, duration_seconds=600)) == "long_call"
        assert risk_reason(Candidate(1, DAY, duration_seconds=599)) is None
        assert risk_reason(Candidate(1, DAY, duration_seconds=300), long_call_seconds=300) == "long_call"


class TestChoose:
    def test_risky_calls_first_then_random_ones_each_once(self) -> None:
        risky = [Candidate(30, DAY, complaint=True), Candidate(31, DAY, duration_seconds=700)]
        calls = [Candidate(i, DAY) for i in range(1, 21)] + risky

        picked = choose(calls, random_count=5, seed=7)

        assert picked[:2] == [Picked(30, "complaint"), Picked(31, "long_call")]
        drawn = [one.event_id for one in picked[2:]]
        assert len(drawn) == 5 and len(set(drawn)) == 5 and all(one.reason == "random" for one in picked[2:])
        assert set(drawn) <= set(range(1, 21))

    def test_the_same_seed_draws_the_same_sample_and_another_seed_another(self) -> None:
        calls = [Candidate(i, DAY) for i in range(1, 101)]

        first, again = (
            choose(calls, random_count=10, seed=1),
            choose(list(reversed(calls)), random_count=10, seed=1),
        )

        assert first == again
        assert choose(calls, random_count=10, seed=2) != first

    def test_more_asked_than_there_are_takes_them_all(self) -> None:
        assert len(choose([Candidate(1, DAY), Candidate(2, DAY)], random_count=10, seed=0)) == 2

    def test_risky_calls_bounded(self) -> None:
        calls = [Candidate(i, DAY, complaint=True) for i in range(10)]

        assert len(choose(calls, random_count=0, seed=0, risk_max=3)) == 3


class TestScore:
    def test_all_passed_is_100(self) -> None:
        assert score(ALL_PASS) == 100

    def test_the_share_of_applicable_items_rounded(self) -> None:
        marks = {**ALL_PASS, "solution_offered": "fail", "agreement_confirmed": "na"}

        assert score(marks) == 80  # 4 of 5

    def test_rounds_half_up(self) -> None:
        marks = {**ALL_PASS, "identification": "fail", "disclosure": "na", "solution_offered": "na",
                 "agreement_confirmed": "fail", "no_threats": "pass"}  # fmt: skip

        assert score(marks) == 50  # 2 of 4
        assert score({**marks, "agreement_confirmed": "na", "identification": "na"}) == 100
        three = {**ALL_PASS, "identification": "fail", "disclosure": "na", "solution_offered": "na"}
        assert score(three) == 75

    def test_a_threat_or_a_third_party_disclosure_scores_0(self) -> None:
        assert score({**ALL_PASS, "no_threats": "fail"}) == 0
        assert score({**ALL_PASS, "no_third_party_disclosure": "fail"}) == 0

    def test_nothing_applicable_has_no_score(self) -> None:
        assert score(dict.fromkeys(ALL_PASS, "na")) is None


class TestCheckMarks:
    def test_every_item_needs_a_mark(self) -> None:
        with pytest.raises(InvalidField, match="disclosure"):
            check_marks({**ALL_PASS, "disclosure": ""})

    def test_an_unknown_mark_is_refused(self) -> None:
        with pytest.raises(InvalidField, match="identification"):
            check_marks({**ALL_PASS, "identification": "maybe"})


class TestRecordingLink:
    def test_a_key_through_the_pattern_quoted(self) -> None:
        link = recording_link("2005/10/01 a.wav", "https://recorder.bank/calls/{key}")

        assert link == "https://recorder.bank/calls/2005%2F10%2F01%20a.wav"

    def test_a_url_of_the_recorder_as_it_is_and_a_key_without_pattern_unlinked(self) -> None:
        pattern = "https://recorder.bank:8443/calls/{key}"
        assert recording_link("https://recorder.bank:8443/other/x.wav", pattern) == (
            "https://recorder.bank:8443/other/x.wav"
        )
        assert recording_link("K1", None) is None

    @pytest.mark.parametrize(
        ("reference", "pattern"),
        [
            ("https://evil.example/login", "https://recorder.bank/calls/{key}"),  # another site
            ("https://recorder.bank.evil.example/x", "https://recorder.bank/calls/{key}"),
            ("http://recorder.bank/x", "https://recorder.bank/calls/{key}"),  # another scheme
            ("https://recorder.bank:9999/x", "https://recorder.bank/calls/{key}"),  # another port
            ("https://user@recorder.bank/x", "https://recorder.bank/calls/{key}"),
            ("https://rec/x", None),  # no recorder configured: no address is trusted
        ],
    )
    def test_a_url_of_any_other_site_is_not_linked(self, reference: str, pattern: str | None) -> None:
        assert recording_link(reference, pattern) is None  # shown as text: a typed address is no link
        assert (
            recording_link("javascript:alert(1)", "https://r/{key}") == "https://r/javascript%3Aalert%281%29"
        )
        assert recording_link(None, "https://r/{key}") is None
