"""Names, phones, streets and account numbers as written in German, French, Spanish, Dutch, Portuguese and
Italian messages (the multilingual memory seed), and the references right beside them that must stay."""

from __future__ import annotations

import pytest

from agents.state import InboundMessage
from tools.redaction.presidio_redactor import PresidioRedactor


def _redact(redactor: PresidioRedactor, body: str, subject: str | None = None) -> str:
    out = redactor.redact(InboundMessage(channel="email", source="test", subject=subject, body=body))
    return f"{out.subject or ''}\n{out.body}"


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        ("Hallo Frau Schneider,\n\nleider entfällt die Abholung heute.", "Schneider"),  # a carrier's name
        ("Boa tarde, Marcelo.\n\nO CD do cliente recusou a carga.", "Marcelo"),
        ("Der Fahrer ist erreichbar unter 0171 4433221 (Hr. Kovač).", "0171 4433221"),
        ("Kunnen jullie bellen? Bel me gerust op 06 23456789.\n\nGroet", "06 23456789"),
        ("Ansprechpartner vor Ort: Jens, 0152 11223344", "0152 11223344"),
        ("Zugestellt 11:02. Signataire : LEROY P.", "LEROY P."),
        ("CONSEGNATA ore 09:12. Firmatario: BIANCHI L. Spedizione 0501 4412 7789.", "BIANCHI L."),
        ("Tour 4: noch 3 Stopps offen. Melde mich. – Sven", "Sven"),
        ("colli ok ma sono fermo almeno un'ora. Tonino", "Tonino"),
        ("nog 2 adressen te gaan. groet Kees", "Kees"),
        ("Liebe Grüße\nSabine Huber\nVerkehrsleitung", "Sabine Huber"),
        ("Merci d'avance,\nNadia Haddad\n8 rue des Lilas, 69003 Lyon", "Nadia Haddad"),
        ("Mi teléfono es 678 90 12 34.\n\nInés Castro Ruiz\nC/ Alcalá 21, 28014 Madrid", "Inés Castro Ruiz"),
        ("Fait à Lyon, le 17/03/2026\nAmélie Roux, responsable réception", "Amélie Roux"),
        ("la firma è di un certo «Ferri» che non conosciamo.", "Ferri"),
        ("Ontvanger: J. van Dam, Keizersgracht 101, Amsterdam", "J. van Dam"),
        ("Rédigé par : Gaëlle Le Goff\nDépart prévu demain.", "Gaëlle Le Goff"),
        ("Baustelle Am Kanal 7 in Bremen, Zufahrt nur für 7,5t.", "Am Kanal 7"),
        ("IBAN für die Gutschrift: DE12 3456 0000 0012 3456 78", "DE12 3456 0000 0012 3456 78"),
    ],
)
def test_multilingual_personal_data_is_replaced(redactor: PresidioRedactor, body: str, secret: str) -> None:
    assert secret not in _redact(redactor, body)


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        ("ENVIO 0284 0012 3344 55 | INCIDENCIA: NEVADA | RETRASO EN RUTA", "0284 0012 3344 55"),
        ("el seguimiento del envío 0082 7741 2290 pone entregado", "0082 7741 2290"),
        ("O caminhão com a sua carga (NF-e 001.224.778) está parado.", "001.224.778"),
        ("La spedizione MI 771203 9912 sarà consegnata mercoledì.", "MI 771203 9912"),
        ("Am Freitag 12 Paletten, Tor 3.", "Am Freitag 12"),
    ],
)
def test_references_beside_them_are_kept(redactor: PresidioRedactor, body: str, reference: str) -> None:
    assert reference in _redact(redactor, body)
