"""The SMS the transport benchmarks send: one Chinese text (two UCS-2 segments) to numbered mobiles."""

from __future__ import annotations

from arrears.messaging.transport import Outgoing

TEXT = (
    "【某银行】尊敬的客户，您尾号7890的信用卡已逾期，应还1,200.00元，请于11月30日前还款。"
    "客服400-000-0000。退订回T"
)


def batch(start: int, count: int) -> list[Outgoing]:
    return [Outgoing(message_id=i, key=f"bench:{i}", channel="sms", recipient=f"138{i % 100_000_000:08d}",
                     text=TEXT) for i in range(start, start + count)]  # fmt: skip
