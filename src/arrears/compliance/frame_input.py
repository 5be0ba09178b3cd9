"""The input frames of ``decide_frame``: their columns, and parsed situations laid out in them."""

from __future__ import annotations

import polars as pl

from arrears.compliance.frame_zones import UTC_DATETIME
from arrears.compliance.situation import Situation

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "debtor": pl.String(),
    "now": UTC_DATETIME,
    "channel": pl.String(),
    "party": pl.String(),
    "contact_point": pl.String(),
    "actor": pl.String(),
    "purpose": pl.String(),
    "discloses_debt": pl.Boolean(),
    "staff_count": pl.Int64(),
    "recording": pl.Boolean(),
    "zones": pl.List(pl.String()),
    "holds": pl.List(pl.String()),
    "consents": pl.List(pl.String()),
    "opted_out_points": pl.List(pl.String()),
    "unreachable_since": UTC_DATETIME,
    "agency_code": pl.String(),
    "agency_whitelisted": pl.Boolean(),
    "agency_last_inspection_date": pl.Date(),
    "agency_contract_valid_until": pl.Date(),
}
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "debtor": pl.String(),
    "at": UTC_DATETIME,
    "channel": pl.String(),
    "contact_point": pl.String(),
    "party": pl.String(),
    "actor": pl.String(),
    "connected": pl.Boolean(),
    "conversation": pl.Boolean(),
}


def situations_frames(situations: list[Situation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parsed situations as the (candidates, history) frames of ``decide_frame`` (one debtor each)."""
    candidates, history = [], []
    for index, s in enumerate(situations):
        debtor = f"d{index}"
        a, agency = s.action, s.agency
        candidates.append(
            {
                "id": str(s.id),
                "debtor": debtor,
                "now": s.now,
                "channel": a.channel,
                "party": a.party,
                "contact_point": a.contact_point,
                "actor": a.actor,
                "purpose": a.purpose,
                "discloses_debt": a.discloses_debt,
                "staff_count": a.staff_count,
                "recording": a.recording,
                "zones": [zone.key for zone in s.zones],
                "holds": list(s.holds),
                "consents": list(s.consents),
                "opted_out_points": list(s.opted_out_points),
                "unreachable_since": s.unreachable_since,
                "agency_code": agency.code if agency else None,
                "agency_whitelisted": agency.whitelisted if agency else None,
                "agency_last_inspection_date": agency.last_inspection_date if agency else None,
                "agency_contract_valid_until": agency.contract_valid_until if agency else None,
            }
        )
        history += [
            {
                "debtor": debtor,
                "at": c.at,
                "channel": c.channel,
                "contact_point": c.contact_point,
                "party": c.party,
                "actor": c.actor,
                "connected": c.connected,
                "conversation": c.conversation,
            }
            for c in s.history
        ]
    return (
        pl.DataFrame(candidates, schema=CANDIDATE_SCHEMA),
        pl.DataFrame(history, schema=HISTORY_SCHEMA),
    )
