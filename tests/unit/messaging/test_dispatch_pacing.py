"""The dispatcher's rate limit (a token bucket on a fake clock), its batch size under a rate, and the
command's exit codes."""

from __future__ import annotations

from arrears.messaging.dispatcher import DispatchConfig, Tally, TokenBucket
from arrears.messaging.runner import exit_code


class FakeClock:
    def __init__(self) -> None:
        self.at = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.at += seconds


def _bucket(rate: float) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(rate, monotonic=clock.monotonic, sleep=clock.sleep), clock


class TestTokenBucket:
    def test_a_second_of_tokens_goes_at_once_then_it_waits(self) -> None:
        bucket, clock = _bucket(100)

        bucket.take(100)
        bucket.take(50)

        assert clock.slept == [0.5]

    def test_refills_with_time(self) -> None:
        bucket, clock = _bucket(10)
        bucket.take(10)
        clock.at += 1.0

        bucket.take(10)

        assert clock.slept == []

    def test_no_rate_never_waits(self) -> None:
        bucket, clock = _bucket(0)

        bucket.take(1_000_000)

        assert clock.slept == []

    def test_sending_at_the_rate_for_ten_seconds_takes_ten_seconds(self) -> None:
        bucket, clock = _bucket(200)

        for _ in range(11):
            bucket.take(200)

        assert round(clock.at, 6) == 10.0


class TestConfig:
    def test_a_batch_is_at_most_a_second_of_the_rate(self) -> None:
        assert DispatchConfig(channel="sms", batch_size=500, rate=50).claim_limit == 50
        assert DispatchConfig(channel="sms", batch_size=500, rate=0).claim_limit == 500
        assert DispatchConfig(channel="sms", batch_size=500, rate=0.5).claim_limit == 1


class TestExitCode:
    def test_each_outcome_has_its_code(self) -> None:
        assert exit_code(Tally(sent=5, cancelled=1, waiting=2)) == 0
        assert exit_code(Tally(down=1)) == 3
        assert exit_code(Tally(failed=1)) == 4 and exit_code(Tally(expired=1)) == 4
        assert exit_code(Tally(down=1, expired=1)) == 5
