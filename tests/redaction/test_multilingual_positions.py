"""Personal data in the positions the second multilingual seed showed (issue 14, "PII in every position"):
sign-off lines with more words, lower-case titles, quoted "Surname, Given" headers, role labels of
forms, role words before a name, signed numbers, lower-case signatures; and the references and
ordinary words beside them that must stay. The examples are written for these tests, not taken
from the seed."""

from __future__ import annotations

import pytest

from agents.state import InboundMessage
from tools.redaction.presidio_redactor import PresidioRedactor


def _redact(redactor: PresidioRedactor, body: str, sender: str | None = None) -> str:
    out = redactor.redact(InboundMessage(channel="email", source="test", sender=sender, body=body))
    return f"{out.subject or ''}\n{out.body}"


@pytest.mark.parametrize(
    ("body", "secrets"),
    [
        # sign-off lines: where the closing comes from, two closings, closings of fr/de/it
        ("Ware verladen.\n\nGrüße aus dem Lager Süd\nBirgit Sommerfeld\nTel. 0611 555 0192", ["Birgit Sommerfeld"]),
        ("Bitte kurz bestätigen.\n\nDanke & Gruess\nUrs Wyttenbach\nSchreinerei am See", ["Urs Wyttenbach"]),
        ("Merci.\n\nMeilleures salutations\nOdile Carpentier\nAtelier du Rhône", ["Odile Carpentier"]),
        ("Wir bitten um Prüfung.\n\nHochachtungsvoll\nWerner Pahlke\nReklamationen", ["Werner Pahlke"]),
        ("Resto in attesa.\n\nUn cordiale saluto\nLuisa Ferrandi\nSede di Verona", ["Luisa Ferrandi"]),
        # titles: lower case after a greeting, Italian professional titles, "i. A." with a space
        ("Buonasera signora Ravelli,\n\nil ritiro è spostato a lunedì.", ["Ravelli"]),
        ("Cordiali saluti\nGeom. Marco Tealdi\nUfficio tecnico", ["Marco Tealdi"]),
        ("Mit freundlichen Grüßen\ni. A. Jörg Pflüger\nBuchhaltung", ["Jörg Pflüger"]),
        # Dutch particles after the title
        ("Geachte heer van der Meulen,\n\nde levering schuift een dag op.", ["van der Meulen"]),
        # quoted headers "Surname, Given" and the German verb-first "schrieb"
        ("Erledigt.\n\n> Von: Hartmann, Ulrike\n> Gesendet: 4. Mai 2026 10:02\n> Wo bleibt sie?", ["Ulrike"]),
        ("Erledigt.\n\nAm 03.02.2026 um 09:15 schrieb Lorenz, Sebastian:\n> Wo bleibt sie?", ["Lorenz", "Sebastian"]),
        # role labels of forms and reports
        ("BON DE RETOUR\nNom du livreur : Rachid Belkacem\nMotif : refus client", ["Rachid Belkacem"]),
        ("VERBALE\nFirma del magazziniere: P. Galimberti\nNote: nessuna", ["P. Galimberti"]),
        ("RECU\nNom en majuscules : R. GARNIER       Signature : ______", ["R. GARNIER"]),
        ("Empfänger laut Etikett: Gisela Brandt, 3. OG links", ["Gisela Brandt"]),
        ("Ritiro confermato. Per info: Davide Sala.", ["Davide Sala"]),
        ("Ritiro confermato da Davide Sala, tel. 011 555 0123 ore 9-12.", ["Davide Sala"]),
        ("ACTA\nFirma/aclaración: L. Quiroga   Sello: depósito", ["L. Quiroga"]),
        ("Responsável pelo recebimento: Camila Teixeira - Conferente", ["Camila Teixeira"]),
        ("Pela transportadora (motorista): Rui Figueiredo", ["Rui Figueiredo"]),
        ("Nombre: Tomás Iriarte       DNI: pendiente", ["Tomás Iriarte"]),
        ("ESTADO: ENTREGADO. RECIBIÓ: GUSTAVO PEREYRA", ["GUSTAVO PEREYRA"]),
        ("Getekend voor akkoord: P. de Boer (chef magazijn)", ["P. de Boer"]),
        # role words right before the name
        ("Ha firmato il capo magazzino Ottavio Brambilla senza riserve.", ["Ottavio Brambilla"]),
        ("À 9h le livreur Yannick Bertrand a sonné, personne.", ["Yannick Bertrand"]),
        ("Twee keer gebeld met contactpersoon Sanne Visser, geen gehoor.", ["Sanne Visser"]),
        ("Não foi possível entregar para a cliente Paula Rezende hoje.", ["Paula Rezende"]),
        # a quoted signature, a name before a street, a name before its number in brackets
        ("La firma sulla bolla («Zanella») non è del cliente.", ["Zanella"]),
        ('Pacco indirizzato a "Carla Benedetti, Via dei Pini 14" respinto.', ["Carla Benedetti"]),
        ("Niemand thuis, daarna gebeld naar Wim Jacobs (06-11223344).", ["Wim Jacobs", "06-11223344"]),
        # sign-offs of chats: a signed number, a dot after the closing, a note after a closing name
        ("laadbrug stuk, sta bij de klant.\ngroet Jeroen 0687654321", ["Jeroen", "0687654321"]),
        ("Zending staat klaar.\n\nGr. Femke\n\nDit bericht is vertrouwelijk.", ["Femke"]),
        ("carga entregue, cliente assinou.\n\nTonho (carro 7)", ["Tonho"]),
        ("Segue foto do termómetro.\n\nCaio Tavares\nGerente Operacional Frota\n(13) 5555-0188", ["Caio Tavares"]),
        # a street without a type word after the premises it is
        ("El fletero pasó por el domicilio de Rivadavia 4550 y estaba cerrado.", ["Rivadavia 4550"]),
    ],
)
def test_personal_data_in_these_positions_is_replaced(
    redactor: PresidioRedactor, body: str, secrets: list[str]
) -> None:
    out = _redact(redactor, body)
    for secret in secrets:
        assert secret not in out


def test_a_lower_case_signature_the_sender_spells_is_replaced(redactor: PresidioRedactor) -> None:
    body = "a carga chegou molhada, tirei fotos.\n\nana souza\n(11) 5555-0123"
    out = _redact(redactor, body, sender="ana.souza.fretes@gmail.com")
    assert "ana souza" not in out
    # the same line from another sender is no name of theirs: left as written
    assert "ana souza" in _redact(redactor, body, sender="ops@fretes-sul.com.br")


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        # numbers no country allows after 00, and reference words of fr/es: references
        ("2026-05-02 | LYON | RETARD | N° 7K QXB 0041 7712", "7K QXB 0041 7712"),
        ("Suivi envoi 0083 4410 2291 7730 : en attente", "0083 4410 2291 7730"),
        ("La expedición 0052-771234 llegó incompleta.", "0052-771234"),
        # a possible international number after 00 is still a phone elsewhere; these words stay
        ("Remarque du chauffeur : Portail fermé à 18h.", "Portail"),
        ("Transporteur : Trans-Alpes Express SA", "Trans-Alpes Express"),
        ("Driver note: Business closed at 15:40.", "Business"),
        ("Consegna a Lugano, Via Cantonale 5 confermata.", "Lugano"),
        # a lower-case line the sender spells only in part ("bom.dia@"): no one's name
        ("bom dia pessoal\n(11) 5555-0123", "bom dia pessoal"),
    ],
)
def test_references_and_words_beside_them_are_kept(redactor: PresidioRedactor, body: str, kept: str) -> None:
    assert kept in _redact(redactor, body, sender="bom.dia@fretes.com.br")
