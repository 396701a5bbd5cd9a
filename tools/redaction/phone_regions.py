"""National phone formats by libphonenumber, with region hints from the message's language and the
sender's domain ("(11) 95555-0123" is a São Paulo mobile only when Brazil is a candidate region).

Presidio's PhoneRecognizer runs with a fixed region list (policies/recognizers.yaml); this one adds the
regions the message itself points to. Only numbers libphonenumber validates for a region count.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

# Where a language is written, most likely first (a hint, never a restriction).
REGIONS_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "IE", "CA", "AU"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH", "CA"),
    "es": ("ES", "MX", "AR", "CO", "CL", "PE"),
    "nl": ("NL", "BE"),
    "pt": ("BR", "PT"),
    "it": ("IT", "CH"),
}
_GENERIC_TLDS = frozenset({"com", "net", "org", "info", "biz", "io", "co", "example", "test", "local", "eu"})


def regions_for(language: str | None, sender_domain: str | None) -> list[str]:
    """Candidate regions: the sender domain's country first, then the language's."""
    out: list[str] = []
    if sender_domain:
        tld = sender_domain.rsplit(".", 1)[-1].lower()
        if tld == "uk":
            tld = "gb"
        if tld not in _GENERIC_TLDS and len(tld) == 2:
            out.append(tld.upper())
    out += REGIONS_BY_LANGUAGE.get(language or "", ())
    return list(dict.fromkeys(r for r in out if r in phonenumbers.SUPPORTED_REGIONS))


def find_phone_numbers(text: str, regions: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) of every number valid in one of `regions`; overlapping finds merged."""
    spans: list[tuple[int, int]] = []
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            spans.append((match.start, match.end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def impossible_after_00(value: str) -> bool:
    """A number written with the 00 prefix whose country code or length no country allows
    ("N° 3S QRB 0041 8872", "envoi 0083 7712 6409 5521"): a reference's leading zeros, not a phone."""
    if not value.startswith("00"):
        return False
    try:
        number = phonenumbers.parse("+" + value[2:], None)
    except phonenumbers.NumberParseException:
        return True
    return not phonenumbers.is_possible_number(number)
