"""Governing templates: a new version is saved as a draft (checked at once), approved by a user with
``template:approve`` who did not write it (four eyes), or rejected with a note; every step audited.

The approved version with the highest number is the one in use; approving a version retires the
approved ones before it. The checks of :mod:`.checks` run at save and again at approval (the policy
may have changed in between). Services never commit: the edge opens the transaction
(:func:`arrears.audit.repository.audit_transaction`) and owns the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.audit.repository import AuditLog
from arrears.compliance.policy import Policy
from arrears.kit.errors import NotFound
from arrears.messaging.templates.checks import check_draft
from arrears.messaging.templates.errors import TemplateDecisionError, TemplateError
from arrears.messaging.templates.repository import Stored, TemplateRepository
from arrears.messaging.templates.service import seed_shipped
from arrears.messaging.templates.shipped import Draft, shipped
from arrears.users.permissions import require
from arrears.users.service import StaffUser

NAME = re.compile(r"[a-z][a-z0-9_]{1,59}\Z")
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A template in the library: the version in use (None: none approved) and the drafts waiting."""

    name: str
    channel: str
    kind: str
    description: str | None
    in_use: Stored | None
    pending: tuple[Stored, ...]
    newest: Stored


def _audit(connection: Connection, *, by: StaffUser, action: str, stored: Stored, at: datetime,
           details: dict[str, Any] | None = None) -> None:  # fmt: skip
    AuditLog(connection).append(
        at=at, actor=by.username, action=action, subject_type="message_template",
        subject_id=f"{stored.draft.name}:{stored.version}",
        details={"name": stored.draft.name, "version": stored.version, "channel": stored.draft.channel,
                 "kind": stored.draft.kind, **(details or {})},
    )  # fmt: skip


def _check_name(draft: Draft, existing: Stored | None) -> None:
    if existing is None and not NAME.match(draft.name):
        raise TemplateError(
            f"a template name is 2 to 60 lower-case letters, digits or _, a letter first: {draft.name!r}",
            f"模板名称须为 2 至 60 个小写字母、数字或下划线，并以字母开头：{draft.name!r}",
        )
    if existing is not None and (existing.draft.channel, existing.draft.kind) != (draft.channel, draft.kind):
        raise TemplateError(
            f"{draft.name} is a {existing.draft.kind} {existing.draft.channel} template: versions keep both",
            f"{draft.name} 的渠道和类型不能更改（{existing.draft.channel}、{existing.draft.kind}）",
        )


def save_version(
    connection: Connection, *, draft: Draft, by: StaffUser, policy: Policy, now: datetime
) -> Stored:
    """Saves ``draft`` as the template's next version, waiting for approval; TemplateRefused with every
    reason when the checks refuse it (nothing is saved)."""
    require(by.role, "template:edit")
    repository = TemplateRepository(connection)
    if draft.name in shipped().templates:
        seed_shipped(connection, now=now, names=(draft.name,))
    last = repository.last_version(draft.name)
    _check_name(draft, repository.version(draft.name, last) if last else None)
    check_draft(draft, policy=policy)
    try:
        repository.add(draft, version=last + 1, status="draft", by_id=by.id, at=now)
    except IntegrityError:
        raise TemplateError(
            f"another version of {draft.name} was saved at the same moment: open it and try again",
            f"{draft.name} 刚有另一个版本保存，请刷新后重试",
        ) from None
    stored = _found(repository, draft.name, last + 1)
    _audit(connection, by=by, action="template.saved", stored=stored, at=now)
    return stored


def _found(repository: TemplateRepository, name: str, version: int) -> Stored:
    stored = repository.version(name, version)
    if stored is None:
        raise NotFound(f"no version {version} of the template {name}", f"模板 {name} 没有第 {version} 版")
    return stored


def _decidable(repository: TemplateRepository, *, name: str, version: int, by: StaffUser) -> Stored:
    require(by.role, "template:approve")
    repository.lock_name(name)
    stored = _found(repository, name, version)
    if stored.status != "draft":
        raise TemplateDecisionError(
            f"version {version} of {name} is already {stored.status}",
            f"{name} 第 {version} 版已处理（{stored.status}）",
        )
    if stored.created_by_id == by.id:
        raise TemplateDecisionError(
            "a template version is approved or rejected by someone other than its author",
            "模板版本须由作者以外的人员审批或驳回",
        )
    return stored


def approve(
    connection: Connection, *, name: str, version: int, by: StaffUser, policy: Policy, now: datetime
) -> Stored:
    """Approves a draft (checked again): it becomes the version in use; the approved ones before it
    are retired. TemplateDecisionError for the author, a decided or an outdated version."""
    repository = TemplateRepository(connection)
    stored = _decidable(repository, name=name, version=version, by=by)
    current = repository.in_use(name)
    if current is not None and current.version > version:
        raise TemplateDecisionError(
            f"version {current.version} of {name}, newer, is in use: write a new version instead",
            f"{name} 正在使用更新的第 {current.version} 版，请另存新版本",
        )
    check_draft(stored.draft, policy=policy)
    if not repository.decide(stored.id, status="approved", by_id=by.id, at=now, note=None):
        raise TemplateDecisionError(
            f"version {version} of {name} was decided meanwhile", f"{name} 第 {version} 版已被处理"
        )
    repository.retire_before(name, version)
    _audit(connection, by=by, action="template.approved", stored=stored, at=now,
           details={"replaces": current.version if current else None})  # fmt: skip
    return _found(repository, name, version)


def reject(
    connection: Connection, *, name: str, version: int, by: StaffUser, note: str, now: datetime
) -> Stored:
    """Rejects a draft with a note (required: what to change)."""
    repository = TemplateRepository(connection)
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise TemplateDecisionError(
            f"a rejection says why in a note of 1 to {MAX_NOTE} characters",
            f"驳回须填写原因（1 至 {MAX_NOTE} 个字符）",
        )
    stored = _decidable(repository, name=name, version=version, by=by)
    if not repository.decide(stored.id, status="rejected", by_id=by.id, at=now, note=note):
        raise TemplateDecisionError(
            f"version {version} of {name} was decided meanwhile", f"{name} 第 {version} 版已被处理"
        )
    _audit(connection, by=by, action="template.rejected", stored=stored, at=now, details={"note": note})
    return _found(repository, name, version)


def history(connection: Connection, *, name: str) -> list[Stored]:
    """Every version of the template, newest first; NotFound when it has none."""
    versions = TemplateRepository(connection).history(name)
    if not versions:
        raise NotFound(f"no template {name}", f"没有模板 {name}")
    return versions


def library(versions: Sequence[Stored]) -> list[LibraryEntry]:
    """The library's entries from every stored version (newest first per name), by channel and name."""
    grouped: dict[str, list[Stored]] = {}
    for stored in versions:
        grouped.setdefault(stored.draft.name, []).append(stored)
    entries = []
    for name, found in grouped.items():
        in_use = next((s for s in found if s.status == "approved"), None)
        floor = in_use.version if in_use else 0
        pending = tuple(s for s in found if s.status == "draft" and s.version > floor)
        newest = found[0]
        entries.append(LibraryEntry(name, newest.draft.channel, newest.draft.kind, newest.draft.description,
                                    in_use, pending, newest))  # fmt: skip
    order = {"sms": 0, "email": 1, "push": 2, "letter": 3}
    return sorted(entries, key=lambda entry: (order.get(entry.channel, 9), entry.name))
