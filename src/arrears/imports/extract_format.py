"""The bank extract format, version 1: which files, which columns, what each column holds.

The same description drives validation and the documentation in docs/extract-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

FORMAT_NAME = "arrears-extract"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class Kind(StrEnum):
    ID = "id"  # non-empty text, at most 64 characters, no surrounding spaces
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    AMOUNT = "amount"  # yuan with at most two decimals, e.g. 1234.50; written to the store in fen
    INT = "int"
    FLOAT = "float"
    NATIONAL_ID = "national_id"  # 18-character resident identity number with a valid check digit
    MOBILE = "mobile"
    PHONE = "phone"
    EMAIL = "email"
    CURRENCY = "currency"  # ISO 4217 code
    CODES = "codes"  # some of the column's choices separated by ";", e.g. deposit;mortgage


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple[str, ...] | None = None
    description: str = ""
    max_length: int | None = None  # characters, for text the store keeps in a column of that width


@dataclass(frozen=True, slots=True)
class FileSpec:
    name: str  # stem: customers -> customers.csv or customers.parquet
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    may_be_empty: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


ACCOUNT_STATUSES = ("active", "blocked", "closed", "charged_off")
# the customer's profile as the bank holds it (labels: arrears.accounts.profile)
INCOME_BANDS = ("under_3k", "3k_5k", "5k_10k", "10k_20k", "20k_50k", "over_50k")  # monthly, yuan
HOUSING_KINDS = ("owned", "mortgaged", "rented", "family", "employer", "other")
PRODUCTS = (
    "deposit", "wealth", "insurance", "mortgage", "car_loan", "personal_loan", "business_loan", "other_card",
)  # fmt: skip

CUSTOMERS = FileSpec(
    name="customers",
    key=("customer_id",),
    columns=(
        Column("customer_id", Kind.ID, description="the bank's customer number"),
        Column("name", Kind.TEXT, description="full name"),
        Column("national_id", Kind.NATIONAL_ID, description="居民身份证号码, 18 characters"),
        Column("birth_date", Kind.DATE, required=False),
        Column("sex", Kind.INT, required=False, min_value=1, max_value=2, description="1 male, 2 female"),
        Column("education", Kind.INT, required=False, min_value=0, max_value=6),
        Column("marital_status", Kind.INT, required=False, min_value=0, max_value=3),
        Column("mobile", Kind.MOBILE, required=False),
        Column("home_phone", Kind.PHONE, required=False),
        Column("work_phone", Kind.PHONE, required=False),
        Column("email", Kind.EMAIL, required=False),
        Column("home_address", Kind.TEXT, required=False),
        Column("home_district", Kind.TEXT, required=False),
        Column("home_lat", Kind.FLOAT, required=False, min_value=-90, max_value=90),
        Column("home_lon", Kind.FLOAT, required=False, min_value=-180, max_value=180),
        Column("work_address", Kind.TEXT, required=False),
        Column("work_district", Kind.TEXT, required=False),
        Column("work_lat", Kind.FLOAT, required=False, min_value=-90, max_value=90),
        Column("work_lon", Kind.FLOAT, required=False, min_value=-180, max_value=180),
        Column(
            "occupation",
            Kind.TEXT,
            required=False,
            max_length=100,
            description="job title or occupation as the bank recorded it, e.g. 工程师",
        ),
        Column(
            "employer",
            Kind.TEXT,
            required=False,
            max_length=200,
            description="employer's name (encrypted); its address is work_address, its phone work_phone",
        ),
        Column(
            "income_band",
            Kind.TEXT,
            required=False,
            choices=INCOME_BANDS,
            description="declared monthly income in yuan: under 3,000; 3,000-5,000; ... 50,000 and over",
        ),
        Column("housing", Kind.TEXT, required=False, choices=HOUSING_KINDS, description="where they live"),
        Column(
            "dependants",
            Kind.INT,
            required=False,
            min_value=0,
            max_value=20,
            description="people the cardholder supports (children, parents)",
        ),
        Column(
            "household_size",
            Kind.INT,
            required=False,
            min_value=1,
            max_value=30,
            description="people living in the household, the cardholder included",
        ),
        Column(
            "other_products",
            Kind.CODES,
            required=False,
            choices=PRODUCTS,
            description="the bank's other products the customer holds, separated by ;",
        ),
    ),
)

ACCOUNTS = FileSpec(
    name="accounts",
    key=("account_id",),
    columns=(
        Column("account_id", Kind.ID, description="the bank's card account number"),
        Column("customer_id", Kind.ID, description="in customers of this extract or already in the store"),
        Column("product", Kind.TEXT, required=False, description="card product code; default standard"),
        Column("currency", Kind.CURRENCY, required=False, description="default CNY"),
        Column("credit_limit", Kind.AMOUNT, min_value=0),
        Column("principal_balance", Kind.AMOUNT, description="negative for a credit balance"),
        Column("interest_balance", Kind.AMOUNT, min_value=0),
        Column("fee_balance", Kind.AMOUNT, min_value=0),
        Column("open_date", Kind.DATE),
        Column("cycle_day", Kind.INT, min_value=1, max_value=28, description="statement day of month"),
        Column("due_day", Kind.INT, min_value=1, max_value=31, description="payment due day of month"),
        Column("status", Kind.TEXT, choices=ACCOUNT_STATUSES),
        Column(
            "arrears_amount",
            Kind.AMOUNT,
            required=False,
            min_value=0,
            description="unpaid minimum brought forward from before this extract's statements",
        ),
        Column("arrears_due_date", Kind.DATE, required=False, description="due date of that arrears"),
        Column(
            "arrears_as_of_date",
            Kind.DATE,
            required=False,
            description="date the arrears were measured; earlier statements and payments are history",
        ),
    ),
)

STATEMENTS = FileSpec(
    name="statements",
    key=("account_id", "statement_date"),
    required=False,
    may_be_empty=True,
    columns=(
        Column("account_id", Kind.ID),
        Column("statement_date", Kind.DATE),
        Column("due_date", Kind.DATE, description="on or after statement_date"),
        Column("statement_balance", Kind.AMOUNT),
        Column("minimum_due", Kind.AMOUNT, min_value=0),
    ),
)

PAYMENTS = FileSpec(
    name="payments",
    key=("payment_id",),
    required=False,
    may_be_empty=True,
    columns=(
        Column("payment_id", Kind.ID),
        Column("account_id", Kind.ID),
        Column("paid_date", Kind.DATE, description="not after the extract date"),
        Column("amount", Kind.AMOUNT, min_value=0.01),
        Column("channel", Kind.TEXT, required=False, description="e.g. bank_transfer, app, counter"),
    ),
)

TRANSACTIONS = FileSpec(
    name="transactions",
    key=("transaction_id",),
    required=False,
    may_be_empty=True,
    columns=(
        Column("transaction_id", Kind.ID),
        Column("account_id", Kind.ID),
        Column("posted_date", Kind.DATE, description="not after the extract date"),
        Column("amount", Kind.AMOUNT, description="negative for a refund"),
        Column("merchant", Kind.TEXT),
        Column("mcc", Kind.TEXT, required=False, description="merchant category code, 4 digits"),
        Column("category", Kind.TEXT, required=False),
    ),
)

FILES: tuple[FileSpec, ...] = (CUSTOMERS, ACCOUNTS, STATEMENTS, PAYMENTS, TRANSACTIONS)
