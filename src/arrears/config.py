"""The one place that reads the environment: every setting is an ``ARREARS_*`` variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Read once per process through :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix="ARREARS_", env_file=None, extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for the embedded database, the generated key file and run outputs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite file arrears.db inside data_dir.",
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description=(
            "Base64 of 32 random bytes for field encryption and keyed hashes. When unset, a key file "
            "(data_dir/secret.key) is created on first use; set it explicitly in production."
        ),
    )
    locale: str = Field(default="zh_CN", description="Default user-interface locale (zh_CN or en).")
    secure_cookies: bool | None = Field(
        default=None,
        description=(
            "Mark the session cookies Secure (sent over HTTPS only). Default: when the request came "
            "over HTTPS; set true behind a TLS-terminating proxy."
        ),
    )
    sms_hotline: str = Field(
        default="400-000-0000", description="The bank's collections hotline that the SMS templates give."
    )
    import_batch_rows: int = Field(default=100_000, ge=1_000, description="Rows per batch when importing.")
    call_backdate_minutes: int = Field(
        default=15,
        ge=0,
        le=60,
        description=(
            "How long after a call a client may still give the call's own time (audited); a call is "
            "otherwise logged at the server's time, and never in the future."
        ),
    )
    recorder_url_pattern: str | None = Field(
        default=None,
        description=(
            "How a call's recording key becomes a link to the bank's recorder, {key} standing for the key "
            "(https://recorder.bank/calls/{key}); a reference that is already a URL is linked as it is "
            "only when it points at that recorder (scheme, host and port); anything else is shown as text."
        ),
    )
    promise_max_days: int = Field(
        default=30,
        ge=1,
        le=90,
        description="A promise to pay falls due from today to this many days later (longer: a plan).",
    )
    max_held_cases: int = Field(
        default=5,
        ge=1,
        le=100,
        description=(
            "Cases a collector may hold at once from the call queue (claims whose lease still runs); "
            "the next case is refused until a call is logged on one or a lease runs out."
        ),
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="The cardholders' time zone when the store holds none (the contact rules use it).",
    )
    staff_timezone: str | None = Field(
        default=None,
        description=(
            "The staff's time zone: the pages show when staff did something in it (plans proposed, "
            "holds placed, alerts raised). Default: the cardholders' zone (timezone)."
        ),
    )

    map_tile_url: str = Field(
        default="",
        description=(
            "A map tile URL template ({z}/{x}/{y}) drawn under the visitor's route map; empty: the route "
            "is drawn from its coordinates alone. The pages' CSP takes images from this site only, so "
            "serve the tiles under the same origin (e.g. a /tiles/ proxy)."
        ),
    )

    field_supervisors: str = Field(
        default="",
        description=(
            "Usernames (comma-separated) of the field supervisors: active team leads or managers who "
            "receive the safety alerts (panic, missed check-out) of visiting pairs whose team has no "
            "active team lead. None: such alerts go to every manager."
        ),
    )

    routing_osrm_url: str | None = Field(
        default=None,
        description=(
            "Base URL of an OSRM-compatible table service for visit planning's travel times "
            "(e.g. http://osrm:5000); unset: great-circle distance at a city speed (no outside service)."
        ),
    )

    # --- E-mail over SMTP: sender, bounce address and mailbox, TLS trust -------------------------------
    email_from: str = Field(
        default="催收中心 <collections@bank.example>",
        description="The From of every e-mail (a display name may precede the address in angle brackets).",
    )
    email_bounce_address: str | None = Field(
        default=None,
        description=(
            "Envelope sender (Return-Path) for bounces, e.g. bounces@bank.example; each message is sent "
            "from bounces+<tag>@... (VERP: the key and its HMAC) so a bounce names its message. "
            "Default: the From address."
        ),
    )
    email_bounces: str | None = Field(
        default=None,
        description=(
            "Mailbox the bounces (DSN) and cardholders' replies arrive in: maildir:/path or "
            "imap(s)://user:pass@host/INBOX. Unset: bounces are not read back."
        ),
    )
    email_tls_ca: str | None = Field(
        default=None,
        description=(
            "CA file (PEM) trusted for the SMTP and IMAP servers' certificates instead of the system's; "
            "'insecure' skips verification (tests only)."
        ),
    )

    # --- messaging: the outbox and the dispatcher ------------------------------------------------
    sms_transport: str | None = Field(
        default=None,
        description=(
            "Where SMS go: file:DIR (one JSON line per message), smpp://system_id:password@host:port or "
            "https://... (an HTTP SMS platform). Default: file:<data_dir>/outbox/sms."
        ),
    )
    email_transport: str | None = Field(
        default=None,
        description=(
            "Where e-mail goes: file:DIR or smtp(s)://user:pass@host:port. "
            "Default: file:<data_dir>/outbox/email."
        ),
    )
    push_transport: str | None = Field(
        default=None,
        description=(
            "Where app and WeChat notices go: file:DIR or https://... Default: file:<data_dir>/outbox/push."
        ),
    )
    letter_dir: str | None = Field(
        default=None, description="Where the day's letters are rendered. Default: <data_dir>/outbox/letter."
    )
    sms_rate: float = Field(default=0, ge=0, description="SMS sent per second at most (0: unlimited).")
    email_rate: float = Field(default=0, ge=0, description="E-mails sent per second at most (0: unlimited).")
    push_rate: float = Field(default=0, ge=0, description="Notices sent per second at most (0: unlimited).")
    dispatch_max_attempts: int = Field(
        default=6, ge=1, le=50, description="Tries of a message before a transient failure fails it."
    )
    dispatch_backoff_seconds: float = Field(
        default=30,
        gt=0,
        description="Wait before the first retry; doubled at each further try (capped at 1 h).",
    )
    dispatch_batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Messages a dispatcher claims and sends at once."
    )
    dispatch_claim_seconds: int = Field(
        default=120,
        ge=1,
        description=(
            "How long a dispatcher's claim on a batch holds; a batch still 'sending' after that (its "
            "dispatcher died) is sent again with the same idempotency key."
        ),
    )

    # --- messaging: what comes back (receipts, replies, opt-outs, invalid contact points) ----------
    opt_out_keywords: str = Field(
        default="退订,TD,T,STOP,N",
        description=(
            "Comma-separated replies that opt the sender out of that channel at once; a reply matches "
            "when the whole of it, trimmed, is one of them (case and full-width forms ignored)."
        ),
    )
    invalid_after_failures: int = Field(
        default=3,
        ge=1,
        le=100,
        description=(
            "Permanent delivery failures in a row (an unknown number, a bounced address) after which a "
            "mobile or e-mail is marked invalid and no longer picked; a delivery resets the count."
        ),
    )

    # --- letters: the printed demand letters (arrears letters render) ------------------------------
    letter_font_dir: Path = Field(
        default=Path("/usr/share/fonts/opentype/noto"),
        description=(
            "Folder of the CJK font embedded in the letters (Noto Sans CJK from Debian's fonts-noto-cjk, "
            "or Source Han Sans, Noto Serif CJK); rendering refuses when it holds none."
        ),
    )
    bank_name: str = Field(
        default="示例银行", description="The issuing bank's name, printed in the letters' header and text."
    )
    bank_address: str = Field(
        default="示例市示例区示例路 1 号 信用卡中心",
        description="The bank's postal address, printed in the letters' header (where to write to).",
    )
    pay_url: str = Field(
        default="https://bank.example/my/pay",
        description=(
            "Online payment page printed in each letter (and as its QR code) with ?ref=<an opaque "
            "reference> added; the reference names the letter, never the cardholder."
        ),
    )
    letter_deadline_days: int = Field(
        default=15, ge=1, le=90, description="A letter asks for payment within this many days of its date."
    )
    service_deadlines_file: Path | None = Field(
        default=None,
        description=(
            "A TOML file of the service desk's deadlines per kind and category, over the defaults "
            "(docs/service-desk.md)."
        ),
    )
    holidays_file: Path | None = Field(
        default=None,
        description=(
            "A TOML file of the State Council's holiday notices for years the bundled calendar does not "
            "hold yet (docs/service-desk.md)."
        ),
    )

    def transport_url(self, channel: str) -> str:
        """The transport URL of ``channel`` (sms, email, push), the file transport by default."""
        configured: str | None = getattr(self, f"{channel}_transport", None)
        return configured or f"file:{(self.data_dir / 'outbox' / channel).as_posix()}"

    def letter_directory(self) -> Path:
        return Path(self.letter_dir) if self.letter_dir else self.data_dir / "outbox" / "letter"

    # --- HTTP SMS platform and app push / WeChat notices: signing and webhooks ----------------------------
    sms_hmac_key: SecretStr | None = Field(
        default=None,
        description=(
            "Shared secret with the HTTP SMS platform: signs the requests (HMAC-SHA256) and verifies its "
            "receipt and reply webhooks (POST /api/v1/webhooks/sms). Unset: the http(s) SMS transport "
            "refuses to start and the webhook answers 503. Never logged."
        ),
    )
    push_hmac_key: SecretStr | None = Field(
        default=None,
        description=(
            "Shared secret with the app push / WeChat notice platform, as sms_hmac_key for the push "
            "transport and its webhook (POST /api/v1/webhooks/push). Never logged."
        ),
    )
    webhook_window_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description=(
            "A signed webhook is refused (400) when its X-Arrears-Timestamp is further than this from the "
            "server's clock, or when its nonce was already used within the window."
        ),
    )

    # --- SMS over SMPP 3.4 (smpp:// transport); the URL's ?source= ?window= ?enquire= override -----------
    sms_smpp_source: str = Field(
        default="",
        max_length=20,
        description="Source address of each submit_sm (the bank's SMS number or sender ID); empty: SMSC's.",
    )
    sms_smpp_key_tlv: int = Field(
        default=0x1F01,
        ge=0x1400,
        le=0x3FFF,
        description=(
            "Vendor-specific optional parameter (TLV tag, 0x1400-0x3FFF) carrying each submit_sm's "
            "idempotency key, so an SMSC that deduplicates answers a re-send with the first message id."
        ),
    )
    sms_smpp_window: int = Field(
        default=50, ge=1, le=1000, description="submit_sm sent ahead of their responses (the SMPP window)."
    )
    sms_smpp_enquire_seconds: float = Field(
        default=30, ge=1, le=3600, description="Idle seconds after which an enquire_link checks the bind."
    )
    sms_smpp_timeout_seconds: float = Field(
        default=10,
        gt=0,
        le=300,
        description="Wait for the connection, the bind and each response before it counts as lost.",
    )

    # --- the cardholder portal (/my) and online payments (docs/portal.md, docs/payments.md) -------------
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description=(
            "The address cardholders reach this server at (scheme, host, port, no trailing slash): pay "
            "links sent by SMS and the gateway's return and notify addresses are made from it."
        ),
    )
    gateway: str = Field(
        default="simulated",
        pattern="^simulated$",
        description="The payment gateway: simulated (a checkout page of this server, the demo's and tests').",
    )
    gateway_secret: SecretStr | None = Field(
        default=None,
        description=(
            "The key of the gateway's notifications (HMAC-SHA256 over the sorted fields): POST "
            "/api/v1/payments/notify/simulated answers 400 fail to any other signature. Unset: payments "
            "cannot be taken (orders are refused and the notify address answers 503). Never logged."
        ),
    )
    payment_order: str = Field(
        default="fee,interest,principal",
        pattern="^(fee|interest|principal),(fee|interest|principal),(fee|interest|principal)$",
        description="The order a payment pays the account's items off in (the issuer's rule).",
    )
    payment_order_minutes: int = Field(
        default=30, ge=5, le=1440, description="A payment order not paid within this many minutes closes."
    )
    portal_code_minutes: int = Field(
        default=5, ge=1, le=15, description="A sign-in code is valid this many minutes."
    )
    portal_code_tries: int = Field(default=5, ge=1, le=10, description="Wrong codes before a code is void.")
    portal_idle_minutes: int = Field(
        default=15, ge=1, le=60, description="A cardholder's session ends after this many idle minutes."
    )
    portal_codes_per_mobile: int = Field(
        default=5, ge=1, le=100, description="Sign-in codes sent to one mobile per hour at most."
    )
    portal_attempts_per_client: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Sign-in attempts (first steps and codes) from one client address per hour at most.",
    )
    portal_failures_to_lock: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed sign-ins (details or codes) on one account in an hour that lock it for an hour.",
    )
    trusted_proxies: str = Field(
        default="",
        max_length=2000,
        description=(
            "The reverse proxies (addresses or networks, comma-separated; uvicorn's forwarded_allow_ips) "
            "whose X-Forwarded-For and X-Forwarded-Proto `arrears serve` believes. Empty: ignored, so a "
            "client cannot choose the address the portal's per-client limits count."
        ),
    )
    portal_upload_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=10_000,
        le=50 * 1024 * 1024,
        description="The largest file a cardholder may attach (an image or a PDF).",
    )

    def field_supervisor_names(self) -> tuple[str, ...]:
        """The usernames of ``field_supervisors``."""
        return tuple(name.strip() for name in self.field_supervisors.split(",") if name.strip())

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'arrears.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
