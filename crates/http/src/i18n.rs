//! Every user-facing string of the web pages, in Dutch, French, German and
//! English, in one table. A key has its four texts side by side, so a missing
//! translation does not compile and an empty one fails the tests below.

use axum::http::HeaderMap;

/// The languages of the pages, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    Fr,
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Nl, Lang::Fr, Lang::De, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::Fr => "fr",
            Self::De => "de",
            Self::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| s.eq_ignore_ascii_case(l.code()))
    }

    /// The best language for a request: `?lang=` wins, then the
    /// `Accept-Language` header (by quality), then English, the language a
    /// worker of any origin is likeliest to read.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(l) = query.and_then(Self::parse) {
            return l;
        }
        let header = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(l) = Self::parse(primary)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    fn column(self) -> usize {
        self as usize
    }
}

/// The texts: key, then NL, FR, DE, EN.
const TEXTS: &[(&str, [&str; 4])] = &[
    ("workplace", ["Werkplaats", "Lieu de travail", "Arbeitsplatz", "Workplace"]),
    (
        "declaration_number",
        [
            "Nummer van de aangifte van werken",
            "Numéro de la déclaration de travaux",
            "Nummer der Bauarbeitenmeldung",
            "Declaration of works number",
        ],
    ),
    ("sector", ["Sector", "Secteur", "Sektor", "Sector"]),
    ("sector.cleaning", ["Schoonmaak", "Nettoyage", "Reinigung", "Cleaning"]),
    ("sector.construction", ["Bouw", "Construction", "Bau", "Construction"]),
    ("sector.meat", ["Vleessector", "Secteur de la viande", "Fleischsektor", "Meat"]),
    ("period", ["Periode", "Période", "Zeitraum", "Period"]),
    ("open_ended", ["onbepaald", "indéterminée", "unbefristet", "open-ended"]),
    (
        "register_title",
        ["Aanwezigheid registreren", "Enregistrer sa présence", "Anwesenheit registrieren", "Register your presence"],
    ),
    (
        "scan_instruction",
        [
            "Scan deze QR-code met je smartphone bij aankomst (IN) en bij vertrek (UIT), ook voor en na een pauze.",
            "Scannez ce code QR avec votre smartphone à l'arrivée (IN) et au départ (OUT), aussi avant et après une pause.",
            "Scannen Sie diesen QR-Code mit Ihrem Smartphone bei Ankunft (IN) und Abfahrt (OUT), auch vor und nach einer Pause.",
            "Scan this QR code with your phone when you arrive (IN) and when you leave (OUT), also before and after a break.",
        ],
    ),
    (
        "own_registration",
        [
            "Je registreert zelf, in real time. Je werkgever mag dat niet voor jou doen.",
            "Vous vous enregistrez vous-même, en temps réel. Votre employeur ne peut pas le faire à votre place.",
            "Sie registrieren sich selbst, in Echtzeit. Ihr Arbeitgeber darf das nicht für Sie tun.",
            "You register yourself, in real time. Your employer may not do it for you.",
        ],
    ),
    (
        "no_qr_instruction",
        [
            "Geen QR-code? Open deze link of geef het nummer van de aangifte in:",
            "Pas de code QR ? Ouvrez ce lien ou introduisez le numéro de la déclaration :",
            "Kein QR-Code? Öffnen Sie diesen Link oder geben Sie die Nummer der Meldung ein:",
            "No QR code? Open this link or enter the declaration number:",
        ],
    ),
    (
        "sign_in_unavailable",
        [
            "Registreren met de smartphone vraagt dat je je aanmeldt. Aanmelden is op deze server nog niet beschikbaar: registreer via het badgesysteem van je werkgever.",
            "L'enregistrement par smartphone demande de vous identifier. L'identification n'est pas encore disponible sur ce serveur : enregistrez-vous via le système de badge de votre employeur.",
            "Die Registrierung per Smartphone erfordert eine Anmeldung. Die Anmeldung ist auf diesem Server noch nicht verfügbar: registrieren Sie sich über das Badgesystem Ihres Arbeitgebers.",
            "Registering by phone needs you to sign in. Sign-in is not available on this server yet: register through your employer's badge system.",
        ],
    ),
    (
        "poster",
        [
            "Affiche om af te drukken (A4)",
            "Affiche à imprimer (A4)",
            "Aushang zum Drucken (A4)",
            "Printable poster (A4)",
        ],
    ),
    ("qr_code", ["QR-code", "Code QR", "QR-Code", "QR code"]),
    ("language", ["Taal", "Langue", "Sprache", "Language"]),
    (
        "not_found",
        [
            "Deze werkplaats bestaat niet. Controleer de link of scan de QR-code opnieuw.",
            "Ce lieu de travail n'existe pas. Vérifiez le lien ou scannez à nouveau le code QR.",
            "Diesen Arbeitsplatz gibt es nicht. Prüfen Sie den Link oder scannen Sie den QR-Code erneut.",
            "There is no such workplace. Check the link or scan the QR code again.",
        ],
    ),
];

/// The text of `key` in `lang`. An unknown key is a programming error: the
/// tests, which render every page in every language, panic on it; a release
/// build shows nothing rather than fail the page.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let found = TEXTS.iter().find(|(k, _)| *k == key);
    debug_assert!(found.is_some(), "missing i18n key {key:?}");
    found.map_or("", |(_, texts)| texts[lang.column()])
}

/// Every key of the table (for tests).
pub fn keys() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_four_texts() {
        let mut seen = std::collections::HashSet::new();
        for (key, texts) in TEXTS {
            assert!(seen.insert(*key), "key {key} twice");
            for (lang, text) in Lang::ALL.iter().zip(texts) {
                assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
            }
        }
    }

    #[test]
    fn the_language_is_negotiated() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::negotiate(None, &h), Lang::En);
        h.insert("accept-language", "de-BE,de;q=0.9,fr;q=0.8".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::De);
        h.insert("accept-language", "es, fr-BE;q=0.5, nl;q=0.7".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::Nl);
        assert_eq!(Lang::negotiate(Some("FR"), &h), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("xx"), &h), Lang::Nl);
        h.insert("accept-language", "nl;q=0".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::En);
    }
}
