//! UI and API texts in German (first) and English. Keys are stable
//! identifiers; a missing key shows the key itself, which the i18n test
//! catches.

use kontor_core::Lang;

/// Returns the text for `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> &'static str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, de, en)) => match lang {
            Lang::De => de,
            Lang::En => en,
        },
        None => "??",
    }
}

pub const TEXTS: &[(&str, &str, &str)] = &[
    ("app.tagline", "Das digitale Backoffice", "The digital back office"),
    ("login.title", "Anmelden", "Sign in"),
    ("login.username", "Benutzername", "Username"),
    ("login.password", "Passwort", "Password"),
    ("login.submit", "Anmelden", "Sign in"),
    ("login.failed", "Benutzername oder Passwort ist falsch.", "Username or password is wrong."),
    ("login.expired", "Das Formular ist abgelaufen. Bitte erneut anmelden.", "The form has expired. Please sign in again."),
    ("login.demo_hint", "Demo: Benutzer admin, buchhaltung, personal, freigabe, mitarbeiter, steuerberater, lohnbuero, pruefer", "Demo: users admin, buchhaltung, personal, freigabe, mitarbeiter, steuerberater, lohnbuero, pruefer"),
    ("nav.label", "Hauptnavigation", "Main navigation"),
    ("nav.home", "Start", "Home"),
    ("nav.inbox", "Posteingang", "Inbox"),
    ("nav.documents", "Dokumente", "Documents"),
    ("nav.invoices", "Rechnungen", "Invoices"),
    ("nav.finance", "Finanzen", "Finance"),
    ("nav.partners", "Geschäftspartner", "Business partners"),
    ("nav.payroll", "Lohn", "Payroll"),
    ("nav.contracts", "Verträge", "Contracts"),
    ("nav.tasks", "Aufgaben", "Tasks"),
    ("nav.controls", "Kontrollen", "Controls"),
    ("nav.admin", "Verwaltung", "Administration"),
    ("nav.settings", "Einstellungen", "Settings"),
    ("nav.logout", "Abmelden", "Sign out"),
    ("nav.skip", "Zum Inhalt springen", "Skip to content"),
    ("company.label", "Firma", "Company"),
    ("company.switch", "Wechseln", "Switch"),
    ("company.none", "Sie gehören noch keiner Firma an. Eine Administratorin kann Sie einer Firma zuordnen.", "You do not belong to any company yet. An administrator can add you to one."),
    ("home.title", "Start", "Home"),
    ("home.welcome", "Willkommen", "Welcome"),
    ("home.role", "Ihre Rolle in dieser Firma", "Your role in this company"),
    ("home.modules", "Bereiche", "Areas"),
    ("home.partners_count", "Geschäftspartner", "Business partners"),
    ("module.not_built", "Dieser Bereich ist noch nicht verfügbar.", "This area is not available yet."),
    ("module.not_built_detail", "kontor baut ihn in einer der nächsten Versionen. Bis dahin werden hier keine Daten erfasst oder angezeigt.", "kontor builds it in one of the next versions. Until then nothing is recorded or shown here."),
    ("module.no_access", "Sie haben in dieser Firma keinen Zugriff auf diesen Bereich.", "You have no access to this area in this company."),
    ("module.inbox.plan", "Hier landen künftig alle eingehenden Belege: Uploads, E-Mails, Scans und E-Rechnungen.", "All incoming documents will land here: uploads, e-mails, scans and e-invoices."),
    ("module.documents.plan", "Das revisionssichere Archiv aller Dokumente mit Volltextsuche und GoBD-Aufbewahrung.", "The tamper-proof archive of all documents with full-text search and GoBD retention."),
    ("module.invoices.plan", "Eingangs- und Ausgangsrechnungen, XRechnung und ZUGFeRD, mit Prüfung und Freigabe.", "Incoming and outgoing invoices, XRechnung and ZUGFeRD, with validation and approval."),
    ("module.finance.plan", "Hauptbuch (SKR03/SKR04), Umsatzsteuer, offene Posten, Zahlungen, DATEV-Export.", "Ledger (SKR03/SKR04), VAT, open items, payments, DATEV export."),
    ("module.payroll.plan", "Lohn- und Gehaltsabrechnung 2026 mit Lohnsteuer und Sozialversicherung.", "Payroll 2026 with wage tax and social insurance."),
    ("module.contracts.plan", "Vertragsregister mit Kündigungsfristen, Verlängerungen und Erinnerungen.", "Contract register with notice periods, renewals and reminders."),
    ("module.tasks.plan", "Ihre Aufgaben und Freigaben aus allen Abläufen.", "Your tasks and approvals from all processes."),
    ("module.controls.plan", "Kontrollen, die Fehler der Automatisierung aufdecken.", "Controls that catch what automation gets wrong."),
    ("partners.title", "Geschäftspartner", "Business partners"),
    ("partners.new", "Neuer Geschäftspartner", "New business partner"),
    ("partners.edit", "Geschäftspartner bearbeiten", "Edit business partner"),
    ("partners.empty", "Noch keine Geschäftspartner erfasst.", "No business partners yet."),
    ("partners.name", "Name", "Name"),
    ("partners.kind", "Art", "Kind"),
    ("partners.kind.customer", "Kunde", "Customer"),
    ("partners.kind.supplier", "Lieferant", "Supplier"),
    ("partners.kind.both", "Kunde und Lieferant", "Customer and supplier"),
    ("partners.vat_id", "USt-IdNr.", "VAT id"),
    ("partners.iban", "IBAN", "IBAN"),
    ("partners.email", "E-Mail", "E-mail"),
    ("partners.street", "Straße", "Street"),
    ("partners.postcode", "PLZ", "Postcode"),
    ("partners.city", "Ort", "City"),
    ("partners.country", "Land", "Country"),
    ("partners.saved", "Gespeichert.", "Saved."),
    ("partners.conflict", "Jemand anderes hat diesen Datensatz inzwischen geändert. Bitte die aktuelle Fassung prüfen und erneut speichern.", "Someone else changed this record in the meantime. Please check the current version and save again."),
    ("partners.next", "Weitere", "More"),
    ("form.save", "Speichern", "Save"),
    ("form.create", "Anlegen", "Create"),
    ("form.cancel", "Abbrechen", "Cancel"),
    ("form.errors", "Bitte korrigieren Sie die markierten Angaben.", "Please correct the marked fields."),
    ("form.optional", "optional", "optional"),
    ("settings.title", "Einstellungen", "Settings"),
    ("settings.language", "Sprache", "Language"),
    ("settings.language.de", "Deutsch", "German"),
    ("settings.language.en", "Englisch", "English"),
    ("settings.apply", "Übernehmen", "Apply"),
    ("settings.sessions", "Sitzungen", "Sessions"),
    ("settings.logout_all", "Überall abmelden", "Sign out everywhere"),
    ("settings.logout_all_hint", "Beendet alle Ihre Sitzungen auf allen Geräten, auch diese.", "Ends all your sessions on every device, this one included."),
    ("admin.title", "Verwaltung", "Administration"),
    ("admin.users", "Benutzer", "Users"),
    ("admin.companies", "Firmen", "Companies"),
    ("admin.jobs", "Hintergrundaufträge", "Background jobs"),
    ("admin.audit", "Protokoll", "Audit trail"),
    ("admin.user_add", "Benutzer anlegen", "Add user"),
    ("admin.company_add", "Firma anlegen", "Add company"),
    ("admin.grant", "Rolle zuweisen", "Assign role"),
    ("admin.role", "Rolle", "Role"),
    ("admin.code", "Kürzel", "Code"),
    ("admin.company_name", "Firmenname", "Company name"),
    ("admin.display_name", "Vollständiger Name", "Full name"),
    ("admin.system_admin", "Installations-Administrator", "Installation administrator"),
    ("admin.memberships", "Firmen und Rollen", "Companies and roles"),
    ("admin.jobs.queued", "wartend", "queued"),
    ("admin.jobs.running", "laufend", "running"),
    ("admin.jobs.done", "erledigt", "done"),
    ("admin.jobs.dead", "gescheitert", "dead"),
    ("admin.jobs.dead_list", "Gescheiterte Aufträge", "Dead jobs"),
    ("admin.jobs.none_dead", "Keine gescheiterten Aufträge.", "No dead jobs."),
    ("admin.jobs.requeue", "Erneut versuchen", "Retry"),
    ("admin.jobs.kind", "Art", "Kind"),
    ("admin.jobs.error", "Letzter Fehler", "Last error"),
    ("admin.jobs.attempts", "Versuche", "Attempts"),
    ("admin.audit.when", "Zeitpunkt", "When"),
    ("admin.audit.who", "Wer", "Who"),
    ("admin.audit.what", "Was", "What"),
    ("admin.audit.subject", "Objekt", "Subject"),
    ("admin.audit.detail", "Details", "Details"),
    ("admin.only", "Nur Installations-Administratoren können Benutzer und Firmen verwalten.", "Only installation administrators can manage users and companies."),
    ("common.yes", "ja", "yes"),
    ("common.no", "nein", "no"),
    ("error.title", "Das hat nicht geklappt", "That did not work"),
    ("error.back", "Zurück zur Startseite", "Back to the start page"),
    ("error.unauthenticated", "Bitte melden Sie sich an.", "Please sign in."),
    ("error.bad_credentials", "Benutzername oder Passwort ist falsch.", "Username or password is wrong."),
    ("error.forbidden", "Dafür fehlt Ihnen in dieser Firma die Berechtigung.", "You lack the permission for this in this company."),
    ("error.admin_only", "Das dürfen nur Installations-Administratoren.", "Only installation administrators may do this."),
    ("error.not_found", "Nicht gefunden.", "Not found."),
    ("error.invalid_input", "Die Eingaben sind nicht gültig.", "The input is not valid."),
    ("error.already_exists", "Das gibt es bereits.", "That already exists."),
    ("error.version_conflict", "Der Datensatz wurde inzwischen geändert. Laden Sie ihn neu und wiederholen Sie die Änderung.", "The record was changed in the meantime. Reload it and repeat your change."),
    ("error.precondition_required", "Für Änderungen ist der Kopf If-Match mit dem ETag des Datensatzes nötig.", "Updates need an If-Match header with the record's ETag."),
    ("error.csrf_mismatch", "Das Formular ist abgelaufen oder stammt nicht von kontor. Bitte Seite neu laden und erneut senden.", "The form has expired or did not come from kontor. Reload the page and send it again."),
    ("error.store_unavailable", "Die Datenbank ist gerade nicht erreichbar. Bitte später erneut versuchen.", "The database is unreachable right now. Please try again later."),
    ("error.store_error", "Beim Speichern ist ein Fehler aufgetreten. Die Administration findet Details im Log.", "Saving failed. Administrators find details in the log."),
    ("error.blob_error", "Der Dateispeicher meldet einen Fehler. Die Administration findet Details im Log.", "The file store reported an error. Administrators find details in the log."),
    ("error.internal", "Interner Fehler. Die Administration findet Details im Log.", "Internal error. Administrators find details in the log."),
    ("error.bad_request", "Die Anfrage ist fehlerhaft.", "The request is malformed."),
    ("error.payload_too_large", "Die Anfrage ist zu groß.", "The request is too large."),
    ("error.unknown_route", "Diese Adresse gibt es nicht.", "This address does not exist."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_non_empty() {
        let mut keys: Vec<_> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "duplicate i18n key");
        for (k, de, en) in TEXTS {
            assert!(!de.is_empty() && !en.is_empty(), "{k}");
        }
    }
}
