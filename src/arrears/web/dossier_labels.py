"""The dossier in words: the profile's fields and codes, the sources of learned facts, and the score's
willingness and ability read as bands with what they mean for the approach (``N_`` marks them for
the catalog; the case page translates them with ``_``)."""

from __future__ import annotations

from typing import Any

from arrears.accounts.dossier_rules import ability_level, chance_of_paying, willingness_level
from arrears.web.labels import N_

FACT_KINDS = {
    "occupation": N_("Occupation"),
    "employer": N_("Employer"),
    "income": N_("Income"),
    "household": N_("Household"),
    "assets": N_("Assets and other products"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "hardship": N_("Hardship"),
}
SOURCES = {
    "call": N_("on a call"),
    "visit": N_("on a visit"),
    "cardholder": N_("from the cardholder (portal, letter, walk-in)"),
    "bank": N_("from the bank (a branch, another department)"),
}
FIELDS = {
    "occupation": N_("Occupation"),
    "employer": N_("Employer"),
    "work_address": N_("Employer's address"),
    "income_band": N_("Declared income"),
    "marital_status": N_("Marital status"),
    "dependants": N_("Dependants"),
    "household_size": N_("People in the household"),
    "housing": N_("Housing"),
    "other_products": N_("Other products with the bank"),
    "home_address": N_("Home address"),
    "mobile": N_("Mobile"),
    "home_phone": N_("Home phone"),
    "work_phone": N_("Work phone"),
}
INCOME_BANDS = {
    "under_3k": N_("under ¥3,000 a month"),
    "3k_5k": N_("¥3,000 to ¥5,000 a month"),
    "5k_10k": N_("¥5,000 to ¥10,000 a month"),
    "10k_20k": N_("¥10,000 to ¥20,000 a month"),
    "20k_50k": N_("¥20,000 to ¥50,000 a month"),
    "over_50k": N_("¥50,000 a month or more"),
}
HOUSING = {
    "owned": N_("owns their home"),
    "mortgaged": N_("owns their home with a mortgage"),
    "rented": N_("rents"),
    "family": N_("lives with family"),
    "employer": N_("housing from the employer"),
    "other": N_("other housing"),
}
PRODUCTS = {
    "deposit": N_("deposit account"),
    "wealth": N_("wealth management"),
    "insurance": N_("insurance"),
    "mortgage": N_("mortgage"),
    "car_loan": N_("car loan"),
    "personal_loan": N_("personal loan"),
    "business_loan": N_("business loan"),
    "other_card": N_("another credit card"),
}
MARITAL_STATUS = {1: N_("married"), 2: N_("single"), 3: N_("other (divorced, widowed)")}
EDUCATION = {1: N_("graduate school"), 2: N_("university"), 3: N_("high school"), 4: N_("other")}
UNKNOWN = N_("not known")

LEVELS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
WILLINGNESS_MEANING = {
    "high": N_("Has been paying: a reminder and an easy way to pay are usually enough."),
    "medium": N_("Wavers: ask for a promise with a date and an amount, and follow it up on the day."),
    "low": N_(
        "Has not been paying: find out why before anything else, be firm, and escalate if promises keep "
        "breaking."
    ),
}
ABILITY_MEANING = {
    "high": N_("Can pay: limit, balances and profile are better than the book's average; ask for the "
               "whole overdue amount."),
    "medium": N_("About the book's average: a part payment now or a short plan may fit."),
    "low": N_("Stretched: limit, balances and profile are worse than the book's average; check for "
              "hardship and offer an instalment plan."),
}  # fmt: skip


def bank_value(field: str, value: Any) -> str | list[str]:
    """A bank field's value as the words to translate (a list for the products), or the value as it
    is (a masked employer or address, a number)."""
    if field == "income_band":
        return INCOME_BANDS.get(str(value), str(value))
    if field == "housing":
        return HOUSING.get(str(value), str(value))
    if field == "other_products":
        return [PRODUCTS.get(code, code) for code in value]
    if field == "marital_status":
        return MARITAL_STATUS.get(value, UNKNOWN)
    return str(value)


def education_words(code: int | None) -> str:
    return EDUCATION.get(code, UNKNOWN) if code is not None else UNKNOWN


def score_reading(score: dict[str, Any] | None) -> dict[str, Any] | None:
    """The score's willingness and ability as bands: per side its ``level`` (high, medium, low), the
    level's ``label`` and ``meaning`` (to translate) and the ``points``; willingness also the
    ``chance`` of paying its points imply."""
    if score is None:
        return None
    willing, able = willingness_level(score["willingness"]), ability_level(score["ability"])
    return {
        "willingness": {"level": willing, "label": LEVELS[willing], "meaning": WILLINGNESS_MEANING[willing],
                        "points": score["willingness"], "chance": chance_of_paying(score["willingness"])},
        "ability": {"level": able, "label": LEVELS[able], "meaning": ABILITY_MEANING[able],
                    "points": score["ability"]},
    }  # fmt: skip
