"""ORM classes, one module per table. Importing this package registers them all on ``Base.metadata``."""

from typing import cast

from sqlalchemy import Table

from arrears.db import Base
from arrears.models.account_score import AccountScore
from arrears.models.agency import AGENCY_STATUSES, RECALL_REASONS, Agency, HandoverFile, PlacementBatch
from arrears.models.agency_commission import COMMISSION_STATUSES, AgencyCommissionRate, CommissionStatement
from arrears.models.agency_placement import AgencyPlacement
from arrears.models.app_user import ROLES, AppUser
from arrears.models.assistant import HANDOVER_REASONS, HANDOVER_TARGETS, AssistantConversation, AssistantTurn
from arrears.models.audit_event import AuditEvent
from arrears.models.callback import CALLBACK_STATUSES, Callback
from arrears.models.card_account import ACCOUNT_STATUSES, CardAccount
from arrears.models.card_transaction import CardTransaction
from arrears.models.case_request import REQUEST_KINDS, REQUEST_STATUSES, CaseRequest
from arrears.models.collection_action import ACTION_CHANNELS, CollectionAction
from arrears.models.contact_event import CALL_OUTCOMES, CONTACT_PARTIES, DELINQUENCY_REASONS, ContactEvent
from arrears.models.contact_point import CONTACT_KINDS, ContactPoint
from arrears.models.customer import Customer
from arrears.models.daily_run import RUN_STATUSES, DailyRun
from arrears.models.day_target import TARGET_FIELDS, DayTarget
from arrears.models.debt_sale import (
    POOL_STATUSES,
    SALE_STATUSES,
    DebtSale,
    DebtSalePool,
    DebtSalePoolAccount,
    SoldAccount,
    SoldPaymentForward,
)
from arrears.models.delinquency_snapshot import DelinquencySnapshot
from arrears.models.hold import HOLD_KINDS, Hold
from arrears.models.import_run import ImportRun
from arrears.models.learned_fact import FACT_KINDS, FACT_SOURCES, LearnedFact
from arrears.models.legal_case import (
    LEGAL_CLOSE_REASONS,
    LEGAL_COST_KINDS,
    LEGAL_DEADLINE_KINDS,
    LEGAL_STAGES,
    LegalCase,
    LegalCost,
    LegalDeadline,
    LegalStep,
)
from arrears.models.outbox import (
    INBOUND_KINDS,
    MESSAGE_CHANNELS,
    MESSAGE_KINDS,
    MESSAGE_STATUSES,
    TEMPLATE_STATUSES,
    DispatcherWorker,
    InboundMessage,
    MessageTemplate,
    OutboxEvent,
    OutboxMessage,
)
from arrears.models.overdraft_candidate import COLLECTION_KINDS, OVERDRAFT_STATUSES, OverdraftCandidate
from arrears.models.payment import Payment
from arrears.models.payments import (
    NOTIFICATION_OUTCOMES,
    ORDER_PURPOSES,
    ORDER_STATUSES,
    PAYMENT_SOURCES,
    GatewayNotification,
    PaymentOrder,
    Reconciliation,
)
from arrears.models.plan_approval import APPROVAL_STATUSES, PlanApproval
from arrears.models.portal import (
    ATTEMPT_KINDS,
    CHALLENGE_STATUSES,
    PORTAL_REQUEST_KINDS,
    PORTAL_REQUEST_STATUSES,
    Attachment,
    ContactPreference,
    PortalAttempt,
    PortalChallenge,
    PortalRequest,
    PortalSession,
)
from arrears.models.promise_to_pay import PROMISE_STATUSES, PromiseToPay
from arrears.models.quality_review import QUALITY_ITEMS, QUALITY_MARKS, SAMPLE_REASONS, QualityReview
from arrears.models.repayment_plan import (
    INSTALMENT_STATUSES,
    PLAN_KINDS,
    PLAN_STATUSES,
    PlanInstalment,
    RepaymentPlan,
)
from arrears.models.scoring_model import RegisteredModel
from arrears.models.service_case import (
    NOTE_KINDS,
    SERVICE_CHANNELS,
    SERVICE_KINDS,
    SERVICE_OUTCOMES,
    SERVICE_REMEDIES,
    SERVICE_STATUSES,
    ServiceCase,
    ServiceCaseHold,
    ServiceCaseNote,
)
from arrears.models.statement import Statement
from arrears.models.strategy_version import StrategyVersion
from arrears.models.team import Team
from arrears.models.visits import (
    ALERT_KINDS,
    ROUTE_STATUSES,
    STOP_STATUSES,
    TASK_STATUSES,
    FollowUpTask,
    SafetyAlert,
    VisitAppointment,
    VisitAvailability,
    VisitorProfile,
    VisitPair,
    VisitPhoto,
    VisitRoute,
    VisitStop,
)
from arrears.models.web_session import WebSession


def table_of(model: type[Base]) -> Table:
    """The Core table of an ORM class, typed as a Table."""
    return cast(Table, model.__table__)


__all__ = [
    "ACCOUNT_STATUSES",
    "ACTION_CHANNELS",
    "AGENCY_STATUSES",
    "ALERT_KINDS",
    "APPROVAL_STATUSES",
    "ATTEMPT_KINDS",
    "CALLBACK_STATUSES",
    "CALL_OUTCOMES",
    "CHALLENGE_STATUSES",
    "COLLECTION_KINDS",
    "COMMISSION_STATUSES",
    "CONTACT_KINDS",
    "CONTACT_PARTIES",
    "DELINQUENCY_REASONS",
    "FACT_KINDS",
    "FACT_SOURCES",
    "HANDOVER_REASONS",
    "HANDOVER_TARGETS",
    "HOLD_KINDS",
    "INBOUND_KINDS",
    "INSTALMENT_STATUSES",
    "LEGAL_CLOSE_REASONS",
    "LEGAL_COST_KINDS",
    "LEGAL_DEADLINE_KINDS",
    "LEGAL_STAGES",
    "MESSAGE_CHANNELS",
    "MESSAGE_KINDS",
    "MESSAGE_STATUSES",
    "NOTE_KINDS",
    "NOTIFICATION_OUTCOMES",
    "ORDER_PURPOSES",
    "ORDER_STATUSES",
    "OVERDRAFT_STATUSES",
    "PAYMENT_SOURCES",
    "PLAN_KINDS",
    "PLAN_STATUSES",
    "POOL_STATUSES",
    "PORTAL_REQUEST_KINDS",
    "PORTAL_REQUEST_STATUSES",
    "PROMISE_STATUSES",
    "QUALITY_ITEMS",
    "QUALITY_MARKS",
    "RECALL_REASONS",
    "REQUEST_KINDS",
    "REQUEST_STATUSES",
    "ROLES",
    "ROUTE_STATUSES",
    "RUN_STATUSES",
    "SALE_STATUSES",
    "SAMPLE_REASONS",
    "SERVICE_CHANNELS",
    "SERVICE_KINDS",
    "SERVICE_OUTCOMES",
    "SERVICE_REMEDIES",
    "SERVICE_STATUSES",
    "STOP_STATUSES",
    "TARGET_FIELDS",
    "TASK_STATUSES",
    "TEMPLATE_STATUSES",
    "AccountScore",
    "Agency",
    "AgencyCommissionRate",
    "AgencyPlacement",
    "AppUser",
    "AssistantConversation",
    "AssistantTurn",
    "Attachment",
    "AuditEvent",
    "Callback",
    "CardAccount",
    "CardTransaction",
    "CaseRequest",
    "CollectionAction",
    "CommissionStatement",
    "ContactEvent",
    "ContactPoint",
    "ContactPreference",
    "Customer",
    "DailyRun",
    "DayTarget",
    "DebtSale",
    "DebtSalePool",
    "DebtSalePoolAccount",
    "DelinquencySnapshot",
    "DispatcherWorker",
    "FollowUpTask",
    "GatewayNotification",
    "HandoverFile",
    "Hold",
    "ImportRun",
    "InboundMessage",
    "LearnedFact",
    "LegalCase",
    "LegalCost",
    "LegalDeadline",
    "LegalStep",
    "MessageTemplate",
    "OutboxEvent",
    "OutboxMessage",
    "OverdraftCandidate",
    "Payment",
    "PaymentOrder",
    "PlacementBatch",
    "PlanApproval",
    "PlanInstalment",
    "PortalAttempt",
    "PortalChallenge",
    "PortalRequest",
    "PortalSession",
    "PromiseToPay",
    "QualityReview",
    "Reconciliation",
    "RegisteredModel",
    "RepaymentPlan",
    "SafetyAlert",
    "ServiceCase",
    "ServiceCaseHold",
    "ServiceCaseNote",
    "SoldAccount",
    "SoldPaymentForward",
    "Statement",
    "StrategyVersion",
    "Team",
    "VisitAppointment",
    "VisitAvailability",
    "VisitPair",
    "VisitPhoto",
    "VisitRoute",
    "VisitStop",
    "VisitorProfile",
    "WebSession",
    "table_of",
]
