"""The access log of `arrears serve` names no cardholder's account number (portal paths carry it)."""

from __future__ import annotations

import logging

from arrears.cli.serve import MaskedAccessLog, masked_path


def test_portal_paths_keep_only_the_last_four_characters() -> None:
    assert masked_path("/my/account/6222020012345678/pay") == "/my/account/****5678/pay"
    assert masked_path("/my/account/6222020012345678") == "/my/account/****5678"
    assert masked_path("/my/account/A00000001/offers?x=1") == "/my/account/****0001/offers?x=1"
    assert masked_path("/cases/12") == "/cases/12" and masked_path("/my") == "/my"


def test_the_filter_masks_uvicorns_access_record() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/my/account/6222020012345678/pay", "1.1", 200),
                               None)  # fmt: skip
    assert MaskedAccessLog().filter(record)
    assert "6222020012345678" not in record.getMessage() and "****5678" in record.getMessage()
