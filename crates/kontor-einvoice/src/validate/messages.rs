//! kontor's own wording for every rule, in German and English, by rule id.
//! Rule families with a common shape (decimal places, VAT categories, code
//! lists, syntax restrictions) are worded from their parts.

/// Fixed texts: (rule, German, English).
const FIXED: &[(&str, &str, &str)] = &[
    ("BR-DEX-15", "Die Rechnung nutzt Unterpositionen, die XRechnung nicht unterstützt.", "The invoice uses sub invoice lines, which XRechnung does not support."),
    ("BR-01", "Die Spezifikationskennung (BT-24) fehlt.", "The specification identifier (BT-24) is missing."),
    ("BR-02", "Die Rechnungsnummer (BT-1) fehlt.", "The invoice number (BT-1) is missing."),
    ("BR-03", "Das Rechnungsdatum (BT-2) fehlt.", "The invoice issue date (BT-2) is missing."),
    ("BR-04", "Der Rechnungsartcode (BT-3) fehlt.", "The invoice type code (BT-3) is missing."),
    ("BR-05", "Der Währungscode der Rechnung (BT-5) fehlt.", "The invoice currency code (BT-5) is missing."),
    ("BR-06", "Der Name des Verkäufers (BT-27) fehlt.", "The seller name (BT-27) is missing."),
    ("BR-07", "Der Name des Käufers (BT-44) fehlt.", "The buyer name (BT-44) is missing."),
    ("BR-08", "Die Anschrift des Verkäufers (BG-5) fehlt.", "The seller postal address (BG-5) is missing."),
    ("BR-09", "Der Anschrift des Verkäufers fehlt der Ländercode (BT-40).", "The seller address has no country code (BT-40)."),
    ("BR-10", "Die Anschrift des Käufers (BG-8) fehlt.", "The buyer postal address (BG-8) is missing."),
    ("BR-11", "Der Anschrift des Käufers fehlt der Ländercode (BT-55).", "The buyer address has no country code (BT-55)."),
    ("BR-12", "Die Summe der Positionsnettobeträge (BT-106) fehlt.", "The sum of line net amounts (BT-106) is missing."),
    ("BR-13", "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) fehlt.", "The total without VAT (BT-109) is missing."),
    ("BR-14", "Der Gesamtbetrag mit Umsatzsteuer (BT-112) fehlt.", "The total with VAT (BT-112) is missing."),
    ("BR-15", "Der fällige Zahlbetrag (BT-115) fehlt.", "The amount due for payment (BT-115) is missing."),
    ("BR-16", "Die Rechnung hat keine Rechnungsposition (BG-25).", "The invoice has no invoice line (BG-25)."),
    ("BR-17", "Der Zahlungsempfänger (BG-10) braucht einen eigenen Namen (BT-59) und darf nicht der Verkäufer sein.", "The payee (BG-10) needs its own name (BT-59) and must not be the seller."),
    ("BR-18", "Dem Steuervertreter (BG-11) fehlt der Name (BT-62).", "The seller tax representative (BG-11) has no name (BT-62)."),
    ("BR-19", "Dem Steuervertreter (BG-11) fehlt die Anschrift (BG-12).", "The seller tax representative (BG-11) has no postal address (BG-12)."),
    ("BR-20", "Der Anschrift des Steuervertreters fehlt der Ländercode (BT-69).", "The tax representative address has no country code (BT-69)."),
    ("BR-21", "Einer Rechnungsposition fehlt die Positionsnummer (BT-126).", "An invoice line has no line identifier (BT-126)."),
    ("BR-22", "Einer Rechnungsposition fehlt die Menge (BT-129).", "An invoice line has no invoiced quantity (BT-129)."),
    ("BR-23", "Einer Rechnungsposition fehlt die Mengeneinheit (BT-130).", "An invoice line has no unit of measure (BT-130)."),
    ("BR-24", "Einer Rechnungsposition fehlt der Nettobetrag (BT-131).", "An invoice line has no net amount (BT-131)."),
    ("BR-25", "Einer Rechnungsposition fehlt die Artikelbezeichnung (BT-153).", "An invoice line has no item name (BT-153)."),
    ("BR-26", "Einer Rechnungsposition fehlt der Nettopreis (BT-146).", "An invoice line has no item net price (BT-146)."),
    ("BR-27", "Der Nettopreis einer Position (BT-146) ist negativ oder fehlt.", "An item net price (BT-146) is negative or missing."),
    ("BR-28", "Der Bruttopreis einer Position (BT-148) ist negativ.", "An item gross price (BT-148) is negative."),
    ("BR-29", "Das Ende des Rechnungszeitraums (BT-74) liegt vor seinem Beginn (BT-73).", "The invoicing period ends (BT-74) before it starts (BT-73)."),
    ("BR-30", "Das Ende des Positionszeitraums (BT-135) liegt vor seinem Beginn (BT-134).", "The line period ends (BT-135) before it starts (BT-134)."),
    ("BR-31", "Einem Nachlass auf Dokumentebene (BG-20) fehlt der Betrag (BT-92).", "A document level allowance (BG-20) has no amount (BT-92)."),
    ("BR-32", "Einem Nachlass auf Dokumentebene (BG-20) fehlt der Umsatzsteuerkategoriecode (BT-95).", "A document level allowance (BG-20) has no VAT category code (BT-95)."),
    ("BR-33", "Einem Nachlass auf Dokumentebene (BG-20) fehlen Grund (BT-97) und Grundcode (BT-98).", "A document level allowance (BG-20) has neither reason (BT-97) nor reason code (BT-98)."),
    ("BR-36", "Einem Zuschlag auf Dokumentebene (BG-21) fehlt der Betrag (BT-99).", "A document level charge (BG-21) has no amount (BT-99)."),
    ("BR-37", "Einem Zuschlag auf Dokumentebene (BG-21) fehlt der Umsatzsteuerkategoriecode (BT-102).", "A document level charge (BG-21) has no VAT category code (BT-102)."),
    ("BR-38", "Einem Zuschlag auf Dokumentebene (BG-21) fehlen Grund (BT-104) und Grundcode (BT-105).", "A document level charge (BG-21) has neither reason (BT-104) nor reason code (BT-105)."),
    ("BR-41", "Einem Positionsnachlass (BG-27) fehlt der Betrag (BT-136).", "A line allowance (BG-27) has no amount (BT-136)."),
    ("BR-42", "Einem Positionsnachlass (BG-27) fehlen Grund (BT-139) und Grundcode (BT-140).", "A line allowance (BG-27) has neither reason (BT-139) nor reason code (BT-140)."),
    ("BR-43", "Einem Positionszuschlag (BG-28) fehlt der Betrag (BT-141).", "A line charge (BG-28) has no amount (BT-141)."),
    ("BR-44", "Einem Positionszuschlag (BG-28) fehlen Grund (BT-144) und Grundcode (BT-145).", "A line charge (BG-28) has neither reason (BT-144) nor reason code (BT-145)."),
    ("BR-45", "Einer Umsatzsteueraufschlüsselung (BG-23) fehlt der Nettobetrag (BT-116).", "A VAT breakdown (BG-23) has no taxable amount (BT-116)."),
    ("BR-46", "Einer Umsatzsteueraufschlüsselung (BG-23) fehlt der Steuerbetrag (BT-117).", "A VAT breakdown (BG-23) has no tax amount (BT-117)."),
    ("BR-47", "Einer Umsatzsteueraufschlüsselung (BG-23) fehlt der Kategoriecode (BT-118).", "A VAT breakdown (BG-23) has no VAT category code (BT-118)."),
    ("BR-48", "Einer Umsatzsteueraufschlüsselung (BG-23) fehlt der Steuersatz (BT-119).", "A VAT breakdown (BG-23) has no VAT rate (BT-119)."),
    ("BR-49", "Einer Zahlungsanweisung (BG-16) fehlt der Code der Zahlungsart (BT-81).", "A payment instruction (BG-16) has no payment means code (BT-81)."),
    ("BR-50", "Zur Überweisung fehlt die Kontokennung (BT-84).", "The payment account identifier (BT-84) is missing for the credit transfer."),
    ("BR-51", "Die Kartennummer (BT-87) darf nicht vollständig angegeben sein.", "The card number (BT-87) must not be given in full."),
    ("BR-52", "Ein rechnungsbegründendes Dokument (BG-24) hat keine Kennung (BT-122).", "A supporting document (BG-24) has no reference (BT-122)."),
    ("BR-53", "Zur Steuerwährung (BT-6) fehlt der Umsatzsteuerbetrag in dieser Währung (BT-111).", "The VAT total in the accounting currency (BT-111) is missing although BT-6 is given."),
    ("BR-54", "Einem Artikelmerkmal (BG-32) fehlen Name (BT-160) oder Wert (BT-161).", "An item attribute (BG-32) lacks its name (BT-160) or value (BT-161)."),
    ("BR-55", "Einem Verweis auf eine frühere Rechnung (BG-3) fehlt die Nummer (BT-25).", "A preceding invoice reference (BG-3) has no number (BT-25)."),
    ("BR-56", "Dem Steuervertreter (BG-11) fehlt die Umsatzsteuer-Identifikationsnummer (BT-63).", "The seller tax representative (BG-11) has no VAT identifier (BT-63)."),
    ("BR-57", "Der Lieferanschrift (BG-15) fehlt der Ländercode (BT-80).", "The deliver-to address (BG-15) has no country code (BT-80)."),
    ("BR-61", "Zur Überweisung fehlt die Kontokennung (BT-84).", "The payment account identifier (BT-84) is missing for the credit transfer."),
    ("BR-62", "Der elektronischen Adresse des Verkäufers (BT-34) fehlt die Schemakennung.", "The seller electronic address (BT-34) has no scheme identifier."),
    ("BR-63", "Der elektronischen Adresse des Käufers (BT-49) fehlt die Schemakennung.", "The buyer electronic address (BT-49) has no scheme identifier."),
    ("BR-64", "Der Artikelkennung (BT-157) fehlt die Schemakennung.", "The item standard identifier (BT-157) has no scheme identifier."),
    ("BR-65", "Der Artikelklassifizierung (BT-158) fehlt die Schemakennung.", "The item classification identifier (BT-158) has no scheme identifier."),
    ("BR-66", "Einem Nachlass oder Zuschlag fehlt die Angabe, ob es ein Zuschlag ist.", "An allowance or charge has no charge indicator."),
    ("BR-B-01", "Die Kategorie „Split payment“ (B) ist nur in inländischen italienischen Rechnungen erlaubt.", "The category split payment (B) is allowed in domestic Italian invoices only."),
    ("BR-B-02", "Die Kategorie „Split payment“ (B) darf nicht mit dem Normalsatz (S) gemischt werden.", "The category split payment (B) must not be mixed with standard rate (S)."),
    ("BR-CO-03", "Steuerzeitpunkt (BT-7) und Steuerzeitpunktcode (BT-8) schließen einander aus.", "The VAT point date (BT-7) and its code (BT-8) exclude each other."),
    ("BR-CO-04", "Einer Rechnungsposition fehlt der Umsatzsteuerkategoriecode (BT-151).", "An invoice line has no VAT category code (BT-151)."),
    ("BR-CO-09", "Die Umsatzsteuer-Identifikationsnummer beginnt nicht mit einem Ländercode.", "The VAT identifier does not start with a country code."),
    ("BR-CO-10", "Die Summe der Positionsnettobeträge (BT-106) stimmt nicht mit den Positionen (BT-131) überein.", "The sum of line net amounts (BT-106) does not match the lines (BT-131)."),
    ("BR-CO-11", "Die Summe der Nachlässe (BT-107) stimmt nicht mit den Nachlässen auf Dokumentebene (BT-92) überein.", "The sum of allowances (BT-107) does not match the document level allowances (BT-92)."),
    ("BR-CO-12", "Die Summe der Zuschläge (BT-108) stimmt nicht mit den Zuschlägen auf Dokumentebene (BT-99) überein.", "The sum of charges (BT-108) does not match the document level charges (BT-99)."),
    ("BR-CO-13", "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) ist nicht Positionssumme minus Nachlässe plus Zuschläge.", "The total without VAT (BT-109) is not the line total minus allowances plus charges."),
    ("BR-CO-14", "Die Umsatzsteuersumme (BT-110) ist nicht die Summe der Kategoriebeträge (BT-117).", "The VAT total (BT-110) is not the sum of the category tax amounts (BT-117)."),
    ("BR-CO-15", "Der Gesamtbetrag mit Umsatzsteuer (BT-112) ist nicht Betrag ohne Umsatzsteuer (BT-109) plus Umsatzsteuer (BT-110).", "The total with VAT (BT-112) is not the total without VAT (BT-109) plus the VAT total (BT-110)."),
    ("BR-CO-16", "Der fällige Betrag (BT-115) ist nicht Gesamtbetrag (BT-112) minus Anzahlung (BT-113) plus Rundung (BT-114).", "The amount due (BT-115) is not the total (BT-112) minus the paid amount (BT-113) plus rounding (BT-114)."),
    ("BR-CO-17", "Der Steuerbetrag einer Kategorie (BT-117) ist nicht Nettobetrag (BT-116) mal Steuersatz (BT-119).", "A category tax amount (BT-117) is not the taxable amount (BT-116) times the rate (BT-119)."),
    ("BR-CO-18", "Die Rechnung hat keine Umsatzsteueraufschlüsselung (BG-23).", "The invoice has no VAT breakdown (BG-23)."),
    ("BR-CO-19", "Ein angegebener Rechnungszeitraum (BG-14) braucht Beginn (BT-73) oder Ende (BT-74).", "An invoicing period (BG-14) needs a start (BT-73) or an end (BT-74)."),
    ("BR-CO-20", "Ein angegebener Positionszeitraum (BG-26) braucht Beginn (BT-134) oder Ende (BT-135).", "A line period (BG-26) needs a start (BT-134) or an end (BT-135)."),
    ("BR-CO-21", "Einem Nachlass auf Dokumentebene fehlen Grund (BT-97) und Grundcode (BT-98).", "A document level allowance has neither reason (BT-97) nor reason code (BT-98)."),
    ("BR-CO-22", "Einem Zuschlag auf Dokumentebene fehlen Grund (BT-104) und Grundcode (BT-105).", "A document level charge has neither reason (BT-104) nor reason code (BT-105)."),
    ("BR-CO-23", "Einem Positionsnachlass fehlen Grund (BT-139) und Grundcode (BT-140).", "A line allowance has neither reason (BT-139) nor reason code (BT-140)."),
    ("BR-CO-24", "Einem Positionszuschlag fehlen Grund (BT-144) und Grundcode (BT-145).", "A line charge has neither reason (BT-144) nor reason code (BT-145)."),
    ("BR-CO-26", "Der Verkäufer ist nicht identifizierbar: Kennung (BT-29), Registernummer (BT-30) oder USt-IdNr. (BT-31) fehlen.", "The seller cannot be identified: identifier (BT-29), legal registration (BT-30) or VAT identifier (BT-31) is missing."),
    ("BR-IC-11", "Bei innergemeinschaftlicher Lieferung fehlen Lieferdatum (BT-72) und Rechnungszeitraum (BG-14).", "An intra-community supply needs the actual delivery date (BT-72) or the invoicing period (BG-14)."),
    ("BR-IC-12", "Bei innergemeinschaftlicher Lieferung fehlt das Lieferland (BT-80).", "An intra-community supply needs the deliver-to country code (BT-80)."),
    ("BR-O-11", "Neben der Kategorie „nicht steuerbar“ (O) darf es keine andere Umsatzsteueraufschlüsselung geben.", "Besides not subject to VAT (O) no other VAT breakdown is allowed."),
    ("BR-O-12", "Neben der Kategorie „nicht steuerbar“ (O) darf keine Position eine andere Kategorie haben.", "Besides not subject to VAT (O) no line may have another category."),
    ("BR-O-13", "Neben der Kategorie „nicht steuerbar“ (O) darf kein Nachlass eine andere Kategorie haben.", "Besides not subject to VAT (O) no allowance may have another category."),
    ("BR-DE-1", "Eine XRechnung braucht Zahlungsanweisungen (BG-16).", "An XRechnung needs payment instructions (BG-16)."),
    ("BR-DE-2", "Eine XRechnung braucht einen Ansprechpartner des Verkäufers (BG-6).", "An XRechnung needs a seller contact (BG-6)."),
    ("BR-DE-3", "Der Ort des Verkäufers (BT-37) fehlt.", "The seller city (BT-37) is missing."),
    ("BR-DE-4", "Die Postleitzahl des Verkäufers (BT-38) fehlt.", "The seller post code (BT-38) is missing."),
    ("BR-DE-5", "Der Name des Ansprechpartners beim Verkäufer (BT-41) fehlt.", "The seller contact point (BT-41) is missing."),
    ("BR-DE-6", "Die Telefonnummer des Ansprechpartners beim Verkäufer (BT-42) fehlt.", "The seller contact telephone number (BT-42) is missing."),
    ("BR-DE-7", "Die E-Mail-Adresse des Ansprechpartners beim Verkäufer (BT-43) fehlt.", "The seller contact e-mail address (BT-43) is missing."),
    ("BR-DE-8", "Der Ort des Käufers (BT-52) fehlt.", "The buyer city (BT-52) is missing."),
    ("BR-DE-9", "Die Postleitzahl des Käufers (BT-53) fehlt.", "The buyer post code (BT-53) is missing."),
    ("BR-DE-10", "Der Ort der Lieferanschrift (BT-77) fehlt.", "The deliver-to city (BT-77) is missing."),
    ("BR-DE-11", "Die Postleitzahl der Lieferanschrift (BT-78) fehlt.", "The deliver-to post code (BT-78) is missing."),
    ("BR-DE-14", "Der Steuersatz einer Umsatzsteueraufschlüsselung (BT-119) fehlt.", "A VAT breakdown has no VAT rate (BT-119)."),
    ("BR-DE-15", "Die Leitweg-ID bzw. Käuferreferenz (BT-10) fehlt.", "The buyer reference / Leitweg-ID (BT-10) is missing."),
    ("BR-DE-16", "Bei steuerpflichtigen Kategorien braucht die Rechnung die USt-IdNr. oder Steuernummer des Verkäufers (BT-31/BT-32) oder einen Steuervertreter (BG-11).", "Taxable categories need the seller VAT or tax number (BT-31/BT-32) or a tax representative (BG-11)."),
    ("BR-DE-17", "Der Rechnungsartcode (BT-3) ist für XRechnung nicht vorgesehen (erlaubt: 326, 380, 381, 384, 389, 875, 876, 877).", "The invoice type code (BT-3) is not one XRechnung expects (326, 380, 381, 384, 389, 875, 876, 877)."),
    ("BR-DE-18", "Die Skonto-Angaben in den Zahlungsbedingungen (BT-20) haben nicht die Form #SKONTO#TAGE=n#PROZENT=n.nn# mit Zeilenumbruch am Ende.", "The discount lines in the payment terms (BT-20) do not have the form #SKONTO#TAGE=n#PROZENT=n.nn# followed by a line break."),
    ("BR-DE-19", "Die IBAN des Zahlungsempfängers (BT-84) ist keine gültige IBAN.", "The payee IBAN (BT-84) is not a valid IBAN."),
    ("BR-DE-20", "Die IBAN des belasteten Kontos (BT-91) ist keine gültige IBAN.", "The debited IBAN (BT-91) is not a valid IBAN."),
    ("BR-DE-21", "Die Spezifikationskennung (BT-24) ist nicht die Kennung von XRechnung 3.0.", "The specification identifier (BT-24) is not the XRechnung 3.0 identifier."),
    ("BR-DE-22", "Mehrere Anlagen haben denselben Dateinamen.", "Several attachments have the same file name."),
    ("BR-DE-23-a", "Bei Überweisung (Code 30, 58) fehlen die Kontodaten des Zahlungsempfängers (BG-17).", "A credit transfer (code 30, 58) needs the payee account (BG-17)."),
    ("BR-DE-23-b", "Bei Überweisung (Code 30, 58) dürfen keine Karten- (BG-18) oder Lastschriftangaben (BG-19) stehen.", "A credit transfer (code 30, 58) must not carry card (BG-18) or direct debit (BG-19) data."),
    ("BR-DE-24-a", "Bei Kartenzahlung (Code 48, 54, 55) fehlen die Kartenangaben (BG-18).", "A card payment (code 48, 54, 55) needs the card information (BG-18)."),
    ("BR-DE-24-b", "Bei Kartenzahlung (Code 48, 54, 55) dürfen keine Überweisungs- (BG-17) oder Lastschriftangaben (BG-19) stehen.", "A card payment (code 48, 54, 55) must not carry credit transfer (BG-17) or direct debit (BG-19) data."),
    ("BR-DE-25-a", "Bei Lastschrift (Code 59) fehlen die Lastschriftangaben (BG-19).", "A direct debit (code 59) needs the direct debit data (BG-19)."),
    ("BR-DE-25-b", "Bei Lastschrift (Code 59) dürfen keine Überweisungs- (BG-17) oder Kartenangaben (BG-18) stehen.", "A direct debit (code 59) must not carry credit transfer (BG-17) or card (BG-18) data."),
    ("BR-DE-26", "Eine korrigierte Rechnung (Code 384) sollte auf die ursprüngliche Rechnung verweisen (BG-3).", "A corrected invoice (code 384) should reference the preceding invoice (BG-3)."),
    ("BR-DE-27", "Die Telefonnummer (BT-42) sollte mindestens drei Ziffern enthalten.", "The telephone number (BT-42) should contain at least three digits."),
    ("BR-DE-28", "Die E-Mail-Adresse (BT-43) hat keine gültige Form.", "The e-mail address (BT-43) is not well formed."),
    ("BR-DE-30", "Zur Lastschrift fehlt die Gläubiger-Identifikationsnummer (BT-90).", "The direct debit lacks the creditor identifier (BT-90)."),
    ("BR-DE-31", "Zur Lastschrift fehlt das belastete Konto (BT-91).", "The direct debit lacks the debited account (BT-91)."),
    ("BR-DE-TMP-32", "Liefer- oder Leistungsdatum fehlt: weder Lieferdatum (BT-72) noch Rechnungszeitraum (BG-14) noch Zeiträume aller Positionen (BG-26).", "The date of supply is missing: no delivery date (BT-72), invoicing period (BG-14) or period on every line (BG-26)."),
    ("BR-TMP-2", "Der Verweis auf ein externes Dokument (BT-124) ist keine URL mit Schema (z. B. https:).", "The external document location (BT-124) is not a URL with a scheme (e.g. https:)."),
    ("BR-TMP-3", "Brutto- und Nettopreis nennen verschiedene Basismengen (BT-149/BT-150).", "Gross and net price state different base quantities (BT-149/BT-150)."),
    ("BR-DEX-01", "Der MIME-Typ einer Anlage ist auch in der XRechnung-Extension nicht erlaubt.", "The attachment MIME type is not allowed, not even in the XRechnung extension."),
    ("BR-DEX-03", "Eine Unterposition braucht genau eine Umsatzsteuerangabe.", "A sub invoice line needs exactly one VAT category."),
    ("BR-DEX-09", "Der fällige Betrag stimmt nicht mit Gesamtbetrag, Anzahlung, Rundung und Zahlungen Dritter überein.", "The amount due does not match total, paid amount, rounding and third-party payments."),
    ("BR-DEX-10", "Einer Zahlung Dritter fehlt die Art (BT-DEX-001).", "A third-party payment has no type (BT-DEX-001)."),
    ("BR-DEX-11", "Einer Zahlung Dritter fehlt der Betrag (BT-DEX-002).", "A third-party payment has no amount (BT-DEX-002)."),
    ("BR-DEX-12", "Einer Zahlung Dritter fehlt die Beschreibung (BT-DEX-003).", "A third-party payment has no description (BT-DEX-003)."),
    ("BR-DEX-13", "Der Betrag einer Zahlung Dritter hat mehr als zwei Nachkommastellen.", "A third-party payment amount has more than two decimal places."),
    ("BR-DEX-14", "Der Betrag einer Zahlung Dritter ist nicht in der Rechnungswährung.", "A third-party payment amount is not in the invoice currency."),
    ("BR-DE-CVD-01", "Für die Meldung nach der Clean-Vehicles-Richtlinie fehlt die Vertragsnummer (BT-12).", "The Clean Vehicles report lacks the contract reference (BT-12)."),
    ("BR-DE-CVD-02", "Für die Meldung nach der Clean-Vehicles-Richtlinie fehlt die Vergabe- bzw. Losnummer (BT-17).", "The Clean Vehicles report lacks the tender or lot reference (BT-17)."),
    ("BR-DE-CVD-03", "Keine Position trägt die Fahrzeugangaben der Clean-Vehicles-Richtlinie (Klassifikation CVD und Merkmal cva).", "No line carries the Clean Vehicles data (classification CVD and property cva)."),
    ("BR-DE-CVD-04", "Die Fahrzeugklasse (CVD) ist keine von M1, M2, M3, N1, N2, N3.", "The vehicle category (CVD) is not one of M1, M2, M3, N1, N2, N3."),
    ("BR-DE-CVD-05", "Das Merkmal cva hat keinen erlaubten Wert (clean, zero-emission, other).", "The property cva has no allowed value (clean, zero-emission, other)."),
    ("BR-DE-CVD-06-a", "Eine Position mit Fahrzeugklasse braucht genau ein Merkmal cva.", "A line with a vehicle category needs exactly one property cva."),
    ("BR-DE-CVD-06-b", "Eine Position mit Merkmal cva braucht genau eine Fahrzeugklasse (CVD).", "A line with property cva needs exactly one vehicle category (CVD)."),
    ("BR-TMP-CVD-01", "Das Klassifikationsschema ist weder UNTDID 7143 noch CVD.", "The classification scheme is neither UNTDID 7143 nor CVD."),
    ("CII-SR-470", "Bei Überweisung (Code 30, 58) fehlt die Kontokennung des Zahlungsempfängers (BT-84).", "A credit transfer (code 30, 58) lacks the payee account identifier (BT-84)."),
    ("PEPPOL-EN16931-R001", "Die Geschäftsprozesskennung (BT-23) fehlt.", "The business process (BT-23) is missing."),
    ("PEPPOL-EN16931-R005", "Die Steuerwährung (BT-6) darf nicht die Rechnungswährung sein.", "The VAT accounting currency (BT-6) must differ from the invoice currency."),
    ("PEPPOL-EN16931-R008", "Die Rechnung enthält ein leeres Element.", "The invoice contains an empty element."),
    ("PEPPOL-EN16931-R010", "Die elektronische Adresse des Käufers (BT-49) fehlt.", "The buyer electronic address (BT-49) is missing."),
    ("PEPPOL-EN16931-R020", "Die elektronische Adresse des Verkäufers (BT-34) fehlt.", "The seller electronic address (BT-34) is missing."),
    ("PEPPOL-EN16931-R040", "Der Betrag eines Nachlasses oder Zuschlags ist nicht Grundbetrag mal Prozentsatz.", "An allowance or charge amount is not base amount times percentage."),
    ("PEPPOL-EN16931-R041", "Zum Prozentsatz eines Nachlasses oder Zuschlags fehlt der Grundbetrag.", "An allowance or charge percentage lacks its base amount."),
    ("PEPPOL-EN16931-R042", "Zum Grundbetrag eines Nachlasses oder Zuschlags fehlt der Prozentsatz.", "An allowance or charge base amount lacks its percentage."),
    ("PEPPOL-EN16931-R043", "Das Zuschlagskennzeichen muss true oder false lauten.", "The charge indicator must be true or false."),
    ("PEPPOL-EN16931-R043-1", "Das Zuschlagskennzeichen muss true oder false lauten.", "The charge indicator must be true or false."),
    ("PEPPOL-EN16931-R043-2", "Das Zuschlagskennzeichen muss true oder false lauten.", "The charge indicator must be true or false."),
    ("PEPPOL-EN16931-R044", "Auf Preisebene sind nur Nachlässe erlaubt, keine Zuschläge.", "Only allowances are allowed on the price, no charges."),
    ("PEPPOL-EN16931-R046", "Der Nettopreis ist nicht Bruttopreis minus Preisnachlass.", "The net price is not gross price minus price allowance."),
    ("PEPPOL-EN16931-R053", "Es darf nur eine Umsatzsteuersumme in Rechnungswährung geben.", "Only one VAT total in the invoice currency is allowed."),
    ("PEPPOL-EN16931-R054", "Eine Umsatzsteuersumme in Steuerwährung gehört genau dann dazu, wenn BT-6 angegeben ist.", "A VAT total in the accounting currency belongs there exactly when BT-6 is given."),
    ("PEPPOL-EN16931-R055", "Die Umsatzsteuersummen in Rechnungs- und Steuerwährung haben verschiedene Vorzeichen.", "The VAT totals in invoice and accounting currency have different signs."),
    ("PEPPOL-EN16931-R061", "Zur Lastschrift fehlt die Mandatsreferenz (BT-89).", "The direct debit lacks the mandate reference (BT-89)."),
    ("PEPPOL-EN16931-R101", "Ein Positionsverweis auf ein Dokument ist nur als Objektkennung (Code 130) erlaubt.", "A line document reference is allowed only as an invoiced object (code 130)."),
    ("PEPPOL-EN16931-R110", "Der Positionszeitraum beginnt vor dem Rechnungszeitraum.", "A line period starts before the invoicing period."),
    ("PEPPOL-EN16931-R111", "Der Positionszeitraum endet nach dem Rechnungszeitraum.", "A line period ends after the invoicing period."),
    ("PEPPOL-EN16931-R120", "Der Positionsnettobetrag ist nicht Menge mal Preis plus Zuschläge minus Nachlässe.", "A line net amount is not quantity times price plus charges minus allowances."),
    ("PEPPOL-EN16931-R121", "Die Basismenge des Preises muss größer als null sein.", "The price base quantity must be above zero."),
    ("PEPPOL-EN16931-R130", "Die Einheit der Preisbasismenge weicht von der Einheit der Menge ab.", "The unit of the price base quantity differs from the invoiced quantity's unit."),
    ("BR-O-14", "Neben der Kategorie „nicht steuerbar“ (O) darf kein Zuschlag eine andere Kategorie haben.", "Besides not subject to VAT (O) no charge may have another category."),
];

/// Business terms whose decimal places BR-DEC-nn limits to two.
const DECIMALS: &[(&str, &str, &str)] = &[
    ("BR-DEC-01", "BT-92", "Nachlass auf Dokumentebene"),
    ("BR-DEC-02", "BT-93", "Grundbetrag des Nachlasses"),
    ("BR-DEC-05", "BT-99", "Zuschlag auf Dokumentebene"),
    ("BR-DEC-06", "BT-100", "Grundbetrag des Zuschlags"),
    ("BR-DEC-09", "BT-106", "Summe der Positionsnettobeträge"),
    ("BR-DEC-10", "BT-107", "Summe der Nachlässe"),
    ("BR-DEC-11", "BT-108", "Summe der Zuschläge"),
    ("BR-DEC-12", "BT-109", "Gesamtbetrag ohne Umsatzsteuer"),
    ("BR-DEC-13", "BT-110", "Umsatzsteuersumme"),
    ("BR-DEC-14", "BT-112", "Gesamtbetrag mit Umsatzsteuer"),
    ("BR-DEC-15", "BT-111", "Umsatzsteuersumme in Steuerwährung"),
    ("BR-DEC-16", "BT-113", "Anzahlung"),
    ("BR-DEC-17", "BT-114", "Rundungsbetrag"),
    ("BR-DEC-18", "BT-115", "fälliger Betrag"),
    ("BR-DEC-19", "BT-116", "Nettobetrag der Kategorie"),
    ("BR-DEC-20", "BT-117", "Steuerbetrag der Kategorie"),
    ("BR-DEC-23", "BT-131", "Positionsnettobetrag"),
    ("BR-DEC-24", "BT-136", "Positionsnachlass"),
    ("BR-DEC-25", "BT-137", "Grundbetrag des Positionsnachlasses"),
    ("BR-DEC-27", "BT-141", "Positionszuschlag"),
    ("BR-DEC-28", "BT-142", "Grundbetrag des Positionszuschlags"),
];

/// VAT category rule prefixes: (prefix, code, German name, English name).
const CATEGORIES: &[(&str, &str, &str, &str)] = &[
    ("BR-S-", "S", "Normalsatz", "standard rated"),
    ("BR-Z-", "Z", "Nullsatz", "zero rated"),
    ("BR-E-", "E", "steuerbefreit", "exempt from VAT"),
    ("BR-AE-", "AE", "Umkehrung der Steuerschuldnerschaft", "reverse charge"),
    (
        "BR-IC-",
        "K",
        "innergemeinschaftliche Lieferung",
        "intra-community supply",
    ),
    ("BR-G-", "G", "Ausfuhr außerhalb der EU", "export outside the EU"),
    ("BR-O-", "O", "nicht steuerbar", "not subject to VAT"),
    ("BR-AF-", "L", "IGIC (Kanaren)", "IGIC (Canary Islands)"),
    ("BR-AG-", "M", "IPSI (Ceuta, Melilla)", "IPSI (Ceuta, Melilla)"),
];

/// Code list rules: (rule, German list name, English list name).
const CODE_LISTS: &[(&str, &str, &str)] = &[
    (
        "BR-CL-01",
        "Rechnungsartcodes (UNTDID 1001)",
        "document type codes (UNTDID 1001)",
    ),
    ("BR-CL-03", "Währungscodes (ISO 4217)", "currency codes (ISO 4217)"),
    ("BR-CL-04", "Währungscodes (ISO 4217)", "currency codes (ISO 4217)"),
    ("BR-CL-05", "Währungscodes (ISO 4217)", "currency codes (ISO 4217)"),
    (
        "BR-CL-06",
        "Steuerzeitpunktcodes (UNTDID 2005/2475)",
        "VAT point date codes (UNTDID 2005/2475)",
    ),
    (
        "BR-CL-07",
        "Referenzqualifikatoren (UNTDID 1153)",
        "reference qualifiers (UNTDID 1153)",
    ),
    (
        "BR-CL-08",
        "Betreffcodes von Bemerkungen (UNTDID 4451)",
        "note subject codes (UNTDID 4451)",
    ),
    (
        "BR-CL-10",
        "Kennungsschemata (ISO 6523 ICD)",
        "identifier schemes (ISO 6523 ICD)",
    ),
    (
        "BR-CL-11",
        "Kennungsschemata (ISO 6523 ICD)",
        "identifier schemes (ISO 6523 ICD)",
    ),
    (
        "BR-CL-13",
        "Klassifizierungsschemata (UNTDID 7143)",
        "classification schemes (UNTDID 7143)",
    ),
    ("BR-CL-14", "Ländercodes (ISO 3166-1)", "country codes (ISO 3166-1)"),
    ("BR-CL-15", "Ländercodes (ISO 3166-1)", "country codes (ISO 3166-1)"),
    (
        "BR-CL-16",
        "Zahlungsartcodes (UNTDID 4461)",
        "payment means codes (UNTDID 4461)",
    ),
    (
        "BR-CL-17",
        "Umsatzsteuerkategorien (UNTDID 5305)",
        "VAT categories (UNTDID 5305)",
    ),
    (
        "BR-CL-18",
        "Umsatzsteuerkategorien (UNTDID 5305)",
        "VAT categories (UNTDID 5305)",
    ),
    (
        "BR-CL-19",
        "Nachlassgründe (UNTDID 5189)",
        "allowance reasons (UNTDID 5189)",
    ),
    (
        "BR-CL-20",
        "Zuschlagsgründe (UNTDID 7161)",
        "charge reasons (UNTDID 7161)",
    ),
    (
        "BR-CL-21",
        "Artikelkennungsschemata (ISO 6523 ICD)",
        "item identifier schemes (ISO 6523 ICD)",
    ),
    ("BR-CL-22", "Befreiungsgründe (VATEX)", "exemption reasons (VATEX)"),
    (
        "BR-CL-23",
        "Mengeneinheiten (UN/ECE Rec. 20/21)",
        "units of measure (UN/ECE Rec. 20/21)",
    ),
    ("BR-CL-24", "erlaubten MIME-Typen", "allowed MIME types"),
    (
        "BR-CL-25",
        "Schemata elektronischer Adressen (EAS)",
        "electronic address schemes (EAS)",
    ),
    (
        "BR-CL-26",
        "Kennungsschemata (ISO 6523 ICD)",
        "identifier schemes (ISO 6523 ICD)",
    ),
    (
        "BR-DEX-04",
        "Kennungsschemata der XRechnung-Extension (ISO 6523 ICD, XR01–XR03)",
        "identifier schemes of the XRechnung extension (ISO 6523 ICD, XR01–XR03)",
    ),
    (
        "BR-DEX-05",
        "Kennungsschemata der XRechnung-Extension (ISO 6523 ICD, XR01–XR03)",
        "identifier schemes of the XRechnung extension (ISO 6523 ICD, XR01–XR03)",
    ),
    (
        "BR-DEX-06",
        "Kennungsschemata der XRechnung-Extension (ISO 6523 ICD, XR01–XR03)",
        "identifier schemes of the XRechnung extension (ISO 6523 ICD, XR01–XR03)",
    ),
    (
        "BR-DEX-07",
        "Adressschemata der XRechnung-Extension (EAS, XR01–XR03)",
        "address schemes of the XRechnung extension (EAS, XR01–XR03)",
    ),
    (
        "BR-DEX-08",
        "Kennungsschemata der XRechnung-Extension (ISO 6523 ICD, XR01–XR03)",
        "identifier schemes of the XRechnung extension (ISO 6523 ICD, XR01–XR03)",
    ),
];

/// The German and English message of `rule`; `detail` names the element or
/// attribute for syntax rules.
pub fn text(rule: &str, detail: Option<&str>) -> (String, String) {
    if let Some((_, de, en)) = FIXED.iter().find(|(r, _, _)| *r == rule) {
        return ((*de).into(), (*en).into());
    }
    if let Some((_, bt, name)) = DECIMALS.iter().find(|(r, _, _)| *r == rule) {
        return (
            format!("{name} ({bt}) hat mehr als zwei Nachkommastellen."),
            format!("{bt} has more than two decimal places."),
        );
    }
    if let Some((_, de, en)) = CODE_LISTS.iter().find(|(r, _, _)| *r == rule) {
        return (
            format!("Der Wert steht nicht in der Liste der {de}."),
            format!("The value is not in the list of {en}."),
        );
    }
    if let Some((prefix, code, de, en)) = CATEGORIES.iter().find(|(p, _, _, _)| rule.starts_with(p)) {
        return category(&rule[prefix.len()..], code, de, en);
    }
    let d = detail.unwrap_or("?");
    if rule.starts_with("CII-SR-") || rule.starts_with("CII-DT-") || rule.starts_with("UBL-") {
        return (
            format!(
                "Das Element oder Attribut „{d}“ ist in EN 16931 an dieser Stelle nicht oder nicht so oft erlaubt."
            ),
            format!("The element or attribute '{d}' is not allowed here, or not this often, in EN 16931."),
        );
    }
    (format!("Regel {rule} ist verletzt."), format!("Rule {rule} is broken."))
}

fn category(n: &str, code: &str, de: &str, en: &str) -> (String, String) {
    let (gde, gen) = match n {
        "01" => (
            "wird verwendet, fehlt aber in der Umsatzsteueraufschlüsselung (BG-23) oder steht dort mehrfach".to_string(),
            "is used but missing from the VAT breakdown (BG-23), or listed there more than once".to_string(),
        ),
        "02" | "03" | "04" if code == "O" => (
            "verträgt keine Umsatzsteuer-Identifikationsnummer des Verkäufers oder Steuervertreters".into(),
            "does not allow a VAT identifier of the seller or tax representative".into(),
        ),
        "02" | "03" | "04" => (
            "verlangt die Umsatzsteuer-Identifikationsnummer des Verkäufers (BT-31/BT-32/BT-63) und gegebenenfalls des Käufers (BT-48)".into(),
            "requires the VAT identifier of the seller (BT-31/BT-32/BT-63) and where needed of the buyer (BT-48)".into(),
        ),
        "05" | "06" | "07" if code == "O" => ("erlaubt keinen Steuersatz".into(), "allows no VAT rate".into()),
        "05" | "06" | "07" if code == "S" => ("verlangt einen Steuersatz über null".into(), "requires a VAT rate above zero".into()),
        "05" | "06" | "07" if code == "L" || code == "M" => (
            "verlangt einen Steuersatz von null oder mehr".into(),
            "requires a VAT rate of zero or more".into(),
        ),
        "05" | "06" | "07" => ("verlangt den Steuersatz null".into(), "requires a VAT rate of zero".into()),
        "08" => (
            "hat einen Nettobetrag (BT-116), der nicht zu Positionen, Nachlässen und Zuschlägen passt".into(),
            "has a taxable amount (BT-116) that does not match its lines, allowances and charges".into(),
        ),
        "09" => (
            "hat einen falschen Steuerbetrag (BT-117)".into(),
            "has a wrong VAT amount (BT-117)".into(),
        ),
        "10" if matches!(code, "S" | "Z" | "L" | "M") => (
            "darf keinen Befreiungsgrund (BT-120/BT-121) haben".into(),
            "must not have an exemption reason (BT-120/BT-121)".into(),
        ),
        "10" => (
            "braucht einen Befreiungsgrund (BT-120) oder dessen Code (BT-121)".into(),
            "needs an exemption reason (BT-120) or its code (BT-121)".into(),
        ),
        _ => ("ist falsch angegeben".into(), "is stated incorrectly".into()),
    };
    (
        format!("Umsatzsteuerkategorie „{de}“ ({code}) {gde}."),
        format!("VAT category {en} ({code}) {gen}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_worded() {
        assert!(text("BR-DEC-23", None).1.contains("BT-131"));
        assert!(text("BR-AE-10", None).0.contains("Befreiungsgrund"));
        assert!(text("BR-CL-14", None).1.contains("ISO 3166"));
        assert!(text("CII-DT-031", Some("@currencyID")).1.contains("@currencyID"));
        assert!(text("BR-O-11", None).0.contains("nicht steuerbar"));
    }
}
