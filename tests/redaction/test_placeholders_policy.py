"""Placeholders and the policy data, without the model."""

from __future__ import annotations

import regex

from tools.redaction.placeholders import PlaceholderMap, normalise
from tools.redaction.policy import load_policy


def test_numbering_follows_first_appearance() -> None:
    pm = PlaceholderMap([("PERSON", "Luis"), ("PHONE_NUMBER", "269-555-0176"), ("PERSON", "Luis Ortega")])
    assert pm.placeholder("PERSON", "Luis Ortega") == "<PERSON_1>"
    assert pm.placeholder("PERSON", "Luis") == "<PERSON_1>"  # the first name of the one full name
    assert pm.placeholder("PERSON", "ORTEGA") == "<PERSON_1>"
    assert pm.placeholder("PHONE_NUMBER", "+1 (269) 555 0176") == "<PHONE_NUMBER_1>"
    assert pm.placeholder("PERSON", "Maria") == "<PERSON_2>"


def test_shared_first_name_stays_ambiguous() -> None:
    pm = PlaceholderMap([("PERSON", "Jan Kowalski"), ("PERSON", "Jan de Vries"), ("PERSON", "Jan")])
    assert len({pm.placeholder("PERSON", v) for v in ("Jan Kowalski", "Jan de Vries", "Jan")}) == 3


def test_normalise() -> None:
    assert normalise("EMAIL_ADDRESS", " Ops@Carrier.Example ") == "ops@carrier.example"
    assert normalise("IBAN_CODE", "de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert normalise("STREET_ADDRESS", "1420  Harbor View Rd.") == normalise("STREET_ADDRESS", "1420 harbor view rd")


def test_policy_replaces_only_the_agreed_types() -> None:
    policy = load_policy()
    assert set(policy.replace_entities) == {
        "PERSON",
        "PHONE_NUMBER",
        "EMAIL_ADDRESS",
        "STREET_ADDRESS",
        "IBAN_CODE",
        "CREDIT_CARD",
        "NATIONAL_ID",  # CPF, CNPJ, CUIT, DNI... (issue 14)
    }
    assert {spec.entity for spec in policy.patterns} <= set(policy.replace_entities)


def test_every_policy_regex_compiles() -> None:
    policy = load_policy()
    for spec in policy.patterns:
        for pattern in spec.patterns:
            regex.compile(policy.expand(pattern.regex))


def test_not_a_person() -> None:
    policy = load_policy()
    for text in ("Rotterdam", "Memphis", "Maersk", "DHL", "Kuehne + Nagel", "Hapag-Lloyd", "Dispatch Team", "Hi Team"):
        assert policy.is_not_a_person(text), text
    for text in ("Luis Ortega", "Lloyd Banks", "Maria"):
        assert not policy.is_not_a_person(text), text
