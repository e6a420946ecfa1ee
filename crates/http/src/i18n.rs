//! Every user-facing string of the web pages, in Dutch, French, German and
//! English, in one table. A key has its four texts side by side, so a missing
//! translation does not compile and an empty one fails the tests below.

use axum::http::HeaderMap;

/// The cookie that remembers the language chosen with the switch.
pub const LANG_COOKIE: &str = "ciao_lang";

/// The value of a cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

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
        // The language the person chose with the switch, remembered.
        if let Some(l) = cookie(headers, LANG_COOKIE).as_deref().and_then(Self::parse) {
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
    ("skip_to_content", ["Naar de inhoud", "Aller au contenu", "Zum Inhalt", "Skip to content"]),
    (
        "declaration_number",
        [
            "Nummer van de aangifte van werken",
            "Numéro de la déclaration de travaux",
            "Nummer der Arbeitsmeldung",
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
            "Scan deze QR-code met je smartphone bij aankomst (IN) en bij vertrek (OUT), ook voor en na een pauze.",
            "Scannez ce code QR avec votre smartphone à l'arrivée (IN) et au départ (OUT), aussi avant et après une pause.",
            "Scannen Sie diesen QR-Code mit Ihrem Smartphone beim Ankommen (IN) und beim Verlassen (OUT), auch vor und nach einer Pause.",
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
            "Kein QR-Code? Öffnen Sie diesen Link oder geben Sie die Nummer der Arbeitsmeldung ein:",
            "No QR code? Open this link or enter the declaration number:",
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
    ("employer_label", ["Werkgever", "Employeur", "Arbeitgeber", "Employer"]),
    (
        "no_qr_title",
        [
            "Registreren zonder QR-code: geef het nummer van de aangifte van werken in",
            "S'enregistrer sans code QR : introduisez le numéro de la déclaration de travaux",
            "Ohne QR-Code registrieren: Geben Sie die Nummer der Arbeitsmeldung ein",
            "Registering without the QR code: enter the declaration of works number",
        ],
    ),
    (
        "declaration_hint",
        [
            "13 tekens, zoals op de affiche of de aangifte: 1Y1003SQ5VSSZ",
            "13 caractères, comme sur l'affiche ou la déclaration : 1Y1003SQ5VSSZ",
            "13 Zeichen, wie auf dem Aushang oder der Arbeitsmeldung: 1Y1003SQ5VSSZ",
            "13 characters, as on the poster or the declaration: 1Y1003SQ5VSSZ",
        ],
    ),
    (
        "too_many_attempts",
        [
            "Te veel mislukte pogingen vanaf deze verbinding: wacht 10 minuten.",
            "Trop de tentatives échouées depuis cette connexion : attendez 10 minutes.",
            "Zu viele fehlgeschlagene Versuche von dieser Verbindung: Warten Sie 10 Minuten.",
            "Too many failed attempts from this connection: wait 10 minutes.",
        ],
    ),
    ("my_registrations", ["Mijn registraties", "Mes enregistrements", "Meine Registrierungen", "My registrations"]),
    ("sign_out", ["Afmelden", "Se déconnecter", "Abmelden", "Sign out"]),
    ("sign_in_title", ["Aanmelden", "S'identifier", "Anmelden", "Sign in"]),
    (
        "sign_in_intro",
        [
            "Meld je één keer aan op deze telefoon. Daarna is registreren: scannen en één keer tikken.",
            "Identifiez-vous une fois sur ce téléphone. Ensuite, s'enregistrer, c'est : scanner et toucher une fois.",
            "Melden Sie sich einmal auf diesem Telefon an. Danach heißt registrieren: scannen und einmal tippen.",
            "Sign in once on this phone. After that, registering is: scan, one tap.",
        ],
    ),
    (
        "passkey_sign_in",
        [
            "Aanmelden met een passkey",
            "S'identifier avec une clé d'accès",
            "Mit einem Passkey anmelden",
            "Sign in with a passkey",
        ],
    ),
    (
        "pin_sign_in",
        [
            "Meld je aan met je pincode",
            "Identifiez-vous avec votre code PIN",
            "Melden Sie sich mit Ihrer PIN an",
            "Sign in with your PIN",
        ],
    ),
    (
        "or_pin",
        [
            "Of meld je aan met je pincode",
            "Ou identifiez-vous avec votre code PIN",
            "Oder melden Sie sich mit Ihrer PIN an",
            "Or sign in with your PIN",
        ],
    ),
    (
        "ssin",
        [
            "Rijksregisternummer (INSZ)",
            "Numéro de registre national (NISS)",
            "Nationalregisternummer (INSZ/NISS)",
            "National register number (INSZ/NISS)",
        ],
    ),
    (
        "ssin_hint",
        [
            "11 cijfers, zoals op je identiteitskaart of ISI+-kaart",
            "11 chiffres, comme sur votre carte d'identité ou carte ISI+",
            "11 Ziffern, wie auf Ihrem Personalausweis oder Ihrer ISI+-Karte",
            "11 digits, as on your identity card or ISI+ card",
        ],
    ),
    ("pin", ["Pincode", "Code PIN", "PIN", "PIN"]),
    (
        "remember_phone",
        [
            "Deze telefoon 90 dagen onthouden",
            "Se souvenir de ce téléphone pendant 90 jours",
            "Dieses Telefon 90 Tage lang merken",
            "Remember this phone for 90 days",
        ],
    ),
    ("sign_in", ["Aanmelden", "S'identifier", "Anmelden", "Sign in"]),
    (
        "first_time",
        [
            "Eerste keer op deze telefoon?",
            "Première fois sur ce téléphone ?",
            "Zum ersten Mal auf diesem Telefon?",
            "First time on this phone?",
        ],
    ),
    ("activation_code", ["Activeringscode", "Code d'activation", "Aktivierungscode", "Activation code"]),
    (
        "activation_hint",
        [
            "De code van 12 tekens die je kreeg, bijvoorbeeld ABCD-EFGH-JKLM",
            "Le code de 12 caractères que vous avez reçu, par exemple ABCD-EFGH-JKLM",
            "Der 12-stellige Code, den Sie erhalten haben, z. B. ABCD-EFGH-JKLM",
            "The 12-character code you received, such as ABCD-EFGH-JKLM",
        ],
    ),
    ("continue", ["Verder", "Continuer", "Weiter", "Continue"]),
    (
        "enrol_title",
        [
            "Aanmelden instellen op deze telefoon",
            "Configurer l'identification sur ce téléphone",
            "Anmeldung auf diesem Telefon einrichten",
            "Set up sign-in on this phone",
        ],
    ),
    ("enrol_for", ["Voor", "Pour", "Für", "For"]),
    (
        "create_passkey",
        [
            "Een passkey gebruiken (vingerafdruk, gezicht of schermvergrendeling)",
            "Utiliser une clé d'accès (empreinte, visage ou verrouillage d'écran)",
            "Einen Passkey verwenden (Fingerabdruck, Gesicht oder Bildschirmsperre)",
            "Use a passkey (fingerprint, face or screen lock)",
        ],
    ),
    (
        "passkey_unsupported",
        [
            "Deze telefoon kan geen passkey gebruiken: kies een pincode.",
            "Ce téléphone ne peut pas utiliser de clé d'accès : choisissez un code PIN.",
            "Dieses Telefon kann keinen Passkey verwenden: Wählen Sie eine PIN.",
            "This phone cannot use a passkey: choose a PIN.",
        ],
    ),
    ("choose_pin_only", ["Kies een pincode", "Choisissez un code PIN", "Wählen Sie eine PIN", "Choose a PIN"]),
    ("choose_pin", ["Of kies een pincode", "Ou choisissez un code PIN", "Oder wählen Sie eine PIN", "Or choose a PIN"]),
    (
        "pin_rules",
        [
            "6 tot 12 cijfers; niet allemaal dezelfde en geen reeks zoals 123456",
            "6 à 12 chiffres ; pas tous identiques, pas de suite comme 123456",
            "6 bis 12 Ziffern; nicht alle gleich und keine Folge wie 123456",
            "6 to 12 digits; not all the same, not a run such as 123456",
        ],
    ),
    ("pin_repeat", ["Pincode nog eens", "Code PIN à nouveau", "PIN wiederholen", "PIN again"]),
    (
        "save_pin",
        [
            "Pincode bewaren en aanmelden",
            "Enregistrer le code PIN et s'identifier",
            "PIN speichern und anmelden",
            "Save PIN and sign in",
        ],
    ),
    ("signed_in_as", ["Aangemeld als", "Identifié comme", "Angemeldet als", "Signed in as"]),
    (
        "state_in_since",
        ["Je bent IN sinds {time}", "Vous êtes IN depuis {time}", "Sie sind IN seit {time}", "You are IN since {time}"],
    ),
    (
        "state_out_since",
        [
            "Je bent OUT sinds {time}",
            "Vous êtes OUT depuis {time}",
            "Sie sind OUT seit {time}",
            "You are OUT since {time}",
        ],
    ),
    (
        "state_none",
        [
            "Vandaag nog geen registratie hier: je bent OUT.",
            "Pas encore d'enregistrement ici aujourd'hui : vous êtes OUT.",
            "Heute noch keine Registrierung hier: Sie sind OUT.",
            "No registration here today yet: you are OUT.",
        ],
    ),
    (
        "breaks",
        [
            "Pauze? Registreer OUT bij het begin en IN wanneer je terugkomt.",
            "Une pause ? Enregistrez OUT au début et IN à votre retour.",
            "Pause? Registrieren Sie OUT zu Beginn und IN, wenn Sie zurückkommen.",
            "A break? Register OUT when it starts and IN when you come back.",
        ],
    ),
    ("button.IN", ["IN registreren", "Enregistrer IN", "IN registrieren", "Register IN"]),
    ("button.OUT", ["OUT registreren", "Enregistrer OUT", "OUT registrieren", "Register OUT"]),
    ("employer", ["Je werkgever hier", "Votre employeur ici", "Ihr Arbeitgeber hier", "Your employer here"]),
    (
        "employer_number",
        [
            "Ondernemingsnummer van je werkgever",
            "Numéro d'entreprise de votre employeur",
            "Unternehmensnummer Ihres Arbeitgebers",
            "Your employer's enterprise number",
        ],
    ),
    (
        "employer_none",
        [
            "Er is vandaag geen arbeidsrelatie van jou bekend: geef het ondernemingsnummer van je werkgever (als zelfstandige: dat van je eigen onderneming).",
            "Aucune relation de travail n'est connue pour vous aujourd'hui : indiquez le numéro d'entreprise de votre employeur (indépendant : celui de votre entreprise).",
            "Heute ist kein Arbeitsverhältnis von Ihnen bekannt: Geben Sie die Unternehmensnummer Ihres Arbeitgebers an (Selbständige: die Ihres eigenen Unternehmens).",
            "No employment relation of yours is known today: give your employer's enterprise number (self-employed: your own enterprise's).",
        ],
    ),
    ("self_employed", ["zelfstandige", "indépendant", "selbständig", "self-employed"]),
    (
        "share_location",
        [
            "Mijn locatie meesturen met de registratie (vrijwillig)",
            "Envoyer ma position avec l'enregistrement (facultatif)",
            "Meinen Standort mit der Registrierung senden (freiwillig)",
            "Send my location with the registration (optional)",
        ],
    ),
    (
        "site_proven",
        [
            "Gescand op het scherm van de werkplaats: je aanwezigheid ter plaatse is bewezen.",
            "Scanné sur l'écran du lieu de travail : votre présence sur place est prouvée.",
            "Am Bildschirm des Arbeitsplatzes gescannt: Ihre Anwesenheit vor Ort ist nachgewiesen.",
            "Scanned from the workplace's display: your presence on site is proven.",
        ],
    ),
    ("registered_title", ["Geregistreerd", "Enregistré", "Registriert", "Registered"]),
    ("registered_kind", ["{kind} geregistreerd", "{kind} enregistré", "{kind} registriert", "{kind} registered"]),
    (
        "server_time",
        [
            "Tijdstip van registratie (server)",
            "Heure d'enregistrement (serveur)",
            "Zeitpunkt der Registrierung (Server)",
            "Time of registration (server)",
        ],
    ),
    ("receipt", ["Ontvangstnummer", "Numéro d'accusé de réception", "Empfangsnummer", "Receipt number"]),
    ("validity", ["Geldigheid", "Validité", "Gültigkeit", "Validity"]),
    (
        "validity.pending",
        [
            "in behandeling: wordt nog gecontroleerd",
            "en attente : en cours de contrôle",
            "ausstehend: wird noch geprüft",
            "pending: being checked",
        ],
    ),
    ("validity.valid", ["geldig", "valide", "gültig", "valid"]),
    ("validity.invalid", ["ongeldig", "non valide", "ungültig", "invalid"]),
    ("validity.cancelled", ["geannuleerd", "annulé", "storniert", "cancelled"]),
    (
        "show_inspector",
        [
            "Toon dit scherm aan een inspecteur als die erom vraagt.",
            "Montrez cet écran à un inspecteur s'il le demande.",
            "Zeigen Sie diesen Bildschirm einem Inspektor, wenn er danach fragt.",
            "Show this screen to an inspector if asked.",
        ],
    ),
    (
        "back_to_workplace",
        ["Terug naar de werkplaats", "Retour au lieu de travail", "Zurück zum Arbeitsplatz", "Back to the workplace"],
    ),
    ("not_registered", ["NIET geregistreerd", "PAS enregistré", "NICHT registriert", "NOT registered"]),
    (
        "network_failed",
        [
            "Geen verbinding met de server: er is NIETS geregistreerd. Controleer je verbinding en probeer opnieuw.",
            "Pas de connexion avec le serveur : RIEN n'a été enregistré. Vérifiez votre connexion et réessayez.",
            "Keine Verbindung zum Server: Es wurde NICHTS registriert. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
            "No connection to the server: NOTHING was registered. Check your connection and try again.",
        ],
    ),
    ("retry", ["Opnieuw proberen", "Réessayer", "Erneut versuchen", "Try again"]),
    ("sending", ["Bezig met versturen…", "Envoi en cours…", "Wird gesendet…", "Sending…"]),
    (
        "none_yet",
        [
            "Geen registraties in de voorbije 31 dagen.",
            "Aucun enregistrement ces 31 derniers jours.",
            "Keine Registrierungen in den letzten 31 Tagen.",
            "No registrations in the last 31 days.",
        ],
    ),
    ("remarks", ["Opmerkingen", "Remarques", "Bemerkungen", "Remarks"]),
    ("time", ["Tijdstip", "Heure", "Zeitpunkt", "Time"]),
    ("type", ["Type", "Type", "Art", "Type"]),
    ("declaration", ["Aangifte", "Déclaration", "Arbeitsmeldung", "Declaration"]),
    (
        "display_title",
        [
            "Scan om je aanwezigheid te registreren",
            "Scannez pour enregistrer votre présence",
            "Scannen, um Ihre Anwesenheit zu registrieren",
            "Scan to register your presence",
        ],
    ),
    (
        "display_changes",
        [
            "Deze code verandert elke 30 seconden en bewijst dat je ter plaatse bent.",
            "Ce code change toutes les 30 secondes et prouve que vous êtes sur place.",
            "Dieser Code ändert sich alle 30 Sekunden und beweist, dass Sie vor Ort sind.",
            "This code changes every 30 seconds and proves that you are on site.",
        ],
    ),
    (
        "site_display",
        [
            "Scherm voor de werkplaats",
            "Écran pour le lieu de travail",
            "Bildschirm für den Arbeitsplatz",
            "Display for the workplace",
        ],
    ),
    ("refused", ["Geweigerd", "Refusé", "Abgelehnt", "Refused"]),
    (
        "error.pin.wrong",
        [
            "Het rijksregisternummer of de pincode is fout.",
            "Le numéro de registre national ou le code PIN est erroné.",
            "Die Nationalregisternummer oder die PIN ist falsch.",
            "The national register number or the PIN is wrong.",
        ],
    ),
    (
        "error.pin.locked",
        [
            "Te veel foute pincodes: aanmelden met pincode is geblokkeerd tot {until}.",
            "Trop de codes PIN erronés : l'identification par code PIN est bloquée jusqu'à {until}.",
            "Zu viele falsche PINs: Die Anmeldung mit PIN ist bis {until} gesperrt.",
            "Too many wrong PINs: signing in with a PIN is locked until {until}.",
        ],
    ),
    (
        "error.pin.rule",
        [
            "Deze pincode voldoet niet aan de regels.",
            "Ce code PIN ne respecte pas les règles.",
            "Diese PIN erfüllt die Regeln nicht.",
            "This PIN does not follow the rules.",
        ],
    ),
    (
        "error.pin.repeat",
        [
            "De twee pincodes zijn niet gelijk.",
            "Les deux codes PIN ne sont pas identiques.",
            "Die beiden PINs stimmen nicht überein.",
            "The two PINs are not the same.",
        ],
    ),
    (
        "error.activationCode.unknown",
        [
            "Deze activeringscode is onbekend, al gebruikt of verlopen. Vraag een nieuwe.",
            "Ce code d'activation est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau.",
            "Dieser Aktivierungscode ist unbekannt, bereits verwendet oder abgelaufen. Fordern Sie einen neuen an.",
            "This activation code is unknown, already used or expired. Ask for a new one.",
        ],
    ),
    // The employer's invitation code (/e/activate): its own words.
    (
        "error.invitationCode.format",
        [
            "Een uitnodigingscode heeft 12 letters en cijfers, bijvoorbeeld ABCD-EFGH-JKLM.",
            "Un code d'invitation a 12 lettres et chiffres, par exemple ABCD-EFGH-JKLM.",
            "Ein Einladungscode hat 12 Buchstaben und Ziffern, z. B. ABCD-EFGH-JKLM.",
            "An invitation code has 12 letters and digits, such as ABCD-EFGH-JKLM.",
        ],
    ),
    (
        "error.invitationCode.unknown",
        [
            "Deze uitnodigingscode is onbekend, al gebruikt of verlopen. Vraag uw toegangsbeheerder om een nieuwe.",
            "Ce code d'invitation est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau à votre gestionnaire d'accès.",
            "Dieser Einladungscode ist unbekannt, bereits verwendet oder abgelaufen. Bitten Sie Ihren Zugriffsverwalter um einen neuen.",
            "This invitation code is unknown, already used or expired. Ask your access manager for a new one.",
        ],
    ),
    (
        "error.invitationCode.expired",
        [
            "Dat duurde te lang: geef de uitnodigingscode opnieuw in.",
            "Cela a pris trop de temps : saisissez à nouveau le code d'invitation.",
            "Das hat zu lange gedauert: Geben Sie den Einladungscode erneut ein.",
            "That took too long: enter the invitation code again.",
        ],
    ),
    (
        "error.invitationCode.ticket",
        [
            "Deze stap is niet geldig (niet door deze server gemaakt, of gewijzigd): begin opnieuw met de uitnodigingscode.",
            "Cette étape n'est pas valable (elle ne vient pas de ce serveur ou a été modifiée) : recommencez avec le code d'invitation.",
            "Dieser Schritt ist ungültig (nicht von diesem Server ausgestellt oder verändert): Beginnen Sie erneut mit dem Einladungscode.",
            "This step is not valid (not issued by this server, or altered): start again with the invitation code.",
        ],
    ),
    (
        "error.activationCode.format",
        [
            "Een activeringscode heeft 12 letters en cijfers.",
            "Un code d'activation a 12 lettres et chiffres.",
            "Ein Aktivierungscode hat 12 Buchstaben und Ziffern.",
            "An activation code has 12 letters and digits.",
        ],
    ),
    (
        "error.activationCode.expired",
        [
            "Dat duurde te lang: geef de activeringscode opnieuw in.",
            "Cela a pris trop de temps : saisissez à nouveau le code d'activation.",
            "Das hat zu lange gedauert: Geben Sie den Aktivierungscode erneut ein.",
            "That took too long: enter the activation code again.",
        ],
    ),
    (
        "error.activationCode.ticket",
        [
            "Deze aanmeldstap is niet geldig (niet door deze server gemaakt, of gewijzigd): begin opnieuw met je code.",
            "Cette étape d'inscription n'est pas valable (elle ne vient pas de ce serveur ou a été modifiée) : recommencez avec votre code.",
            "Dieser Einrichtungsschritt ist ungültig (nicht von diesem Server ausgestellt oder verändert): Beginnen Sie erneut mit Ihrem Code.",
            "This set-up step is not valid (not issued by this server, or altered): start again with your code.",
        ],
    ),
    (
        "error.role.value",
        [
            "Kies een rol: raadpleger of technisch beheerder.",
            "Choisissez un rôle : consultant ou administrateur technique.",
            "Wählen Sie eine Rolle: Leser oder technischer Verwalter.",
            "Choose a role: consultant or technical administrator.",
        ],
    ),
    (
        "error.required",
        ["{field} is verplicht.", "{field} est obligatoire.", "{field} ist erforderlich.", "{field} is required."],
    ),
    (
        "error.type.required",
        ["Kies IN of OUT.", "Choisissez IN ou OUT.", "Wählen Sie IN oder OUT.", "Choose IN or OUT."],
    ),
    (
        "error.text.control",
        [
            "{field} mag geen stuurtekens bevatten (zoals tabs of regeleinden).",
            "{field} ne peut pas contenir de caractères de contrôle (tabulations, retours à la ligne…).",
            "{field} darf keine Steuerzeichen enthalten (wie Tabulatoren oder Zeilenumbrüche).",
            "{field} may not contain control characters (such as tabs or line breaks).",
        ],
    ),
    (
        "error.text.bidiControl",
        [
            "{field} mag geen onzichtbare tekens bevatten die de schrijfrichting veranderen.",
            "{field} ne peut pas contenir de caractères invisibles qui changent le sens de l'écriture.",
            "{field} darf keine unsichtbaren Zeichen enthalten, die die Schreibrichtung ändern.",
            "{field} may not contain invisible characters that change the direction of text.",
        ],
    ),
    (
        "error.text.invisible",
        [
            "{field} mag geen onzichtbare tekens bevatten (zoals een spatie zonder breedte).",
            "{field} ne peut pas contenir de caractères invisibles (comme une espace sans chasse).",
            "{field} darf keine unsichtbaren Zeichen enthalten (wie ein Leerzeichen ohne Breite).",
            "{field} may not contain invisible characters (such as a zero-width space).",
        ],
    ),
    (
        "error.text.noncharacter",
        [
            "{field} bevat een teken dat in Unicode geen teken is.",
            "{field} contient un code qui n'est pas un caractère Unicode.",
            "{field} enthält einen Code, der in Unicode kein Zeichen ist.",
            "{field} contains a code point that Unicode reserves as a noncharacter.",
        ],
    ),
    (
        "error.siteCode.invalid",
        [
            "Deze QR-code komt niet van het scherm van deze werkplaats. Scan opnieuw.",
            "Ce code QR ne vient pas de l'écran de ce lieu de travail. Scannez à nouveau.",
            "Dieser QR-Code stammt nicht vom Bildschirm dieses Arbeitsplatzes. Scannen Sie erneut.",
            "This QR code is not from this workplace's display. Scan again.",
        ],
    ),
    (
        "error.ssin",
        [
            "Dit rijksregisternummer is niet geldig.",
            "Ce numéro de registre national n'est pas valide.",
            "Diese Nationalregisternummer ist ungültig.",
            "This national register number is not valid.",
        ],
    ),
    (
        "error.enterprise",
        [
            "Dit ondernemingsnummer is niet geldig.",
            "Ce numéro d'entreprise n'est pas valide.",
            "Diese Unternehmensnummer ist ungültig.",
            "This enterprise number is not valid.",
        ],
    ),
    (
        "error.passkey",
        [
            "De passkey werd geweigerd.",
            "La clé d'accès a été refusée.",
            "Der Passkey wurde abgelehnt.",
            "The passkey was refused.",
        ],
    ),
    (
        "error.passkey_not_used",
        [
            "De passkey werd niet gebruikt: geannuleerd, te laat of niet beschikbaar op dit toestel. Probeer opnieuw of kies een andere manier.",
            "La clé d'accès n'a pas été utilisée : annulée, expirée ou indisponible sur cet appareil. Réessayez ou choisissez un autre moyen.",
            "Der Passkey wurde nicht verwendet: abgebrochen, abgelaufen oder auf diesem Gerät nicht verfügbar. Versuchen Sie es erneut oder wählen Sie einen anderen Weg.",
            "The passkey was not used: cancelled, timed out or not available on this device. Try again or choose another way.",
        ],
    ),
    (
        "error.declarationNumber",
        [
            "Dit is geen geldig nummer van een aangifte van werken.",
            "Ce n'est pas un numéro de déclaration de travaux valide.",
            "Dies ist keine gültige Nummer einer Arbeitsmeldung.",
            "This is not a valid declaration of works number.",
        ],
    ),
    ("error.other", ["Geweigerd:", "Refusé :", "Abgelehnt:", "Refused:"]),
    // Refusals of the service (ciao_service::DENIAL_CODES), by their codes.
    (
        "error.denied.simulationOnly",
        [
            "Dit bestaat alleen in de simulatieomgeving.",
            "Ceci n'existe que dans l'environnement de simulation.",
            "Dies gibt es nur in der Simulationsumgebung.",
            "This exists only in the simulation environment.",
        ],
    ),
    (
        "error.denied.simulationReset",
        [
            "Alleen de operator of een registratiesysteem zet de simulatie terug.",
            "Seul l'opérateur ou un système d'enregistrement réinitialise la simulation.",
            "Nur der Betreiber oder ein Registrierungssystem setzt die Simulation zurück.",
            "Only the operator or a registration system resets the simulation.",
        ],
    ),
    (
        "error.denied.nodesServing",
        [
            "Andere servers bedienen deze databank nog: stop ze eerst.",
            "D'autres serveurs servent encore cette base de données : arrêtez-les d'abord.",
            "Andere Server bedienen diese Datenbank noch: Halten Sie sie zuerst an.",
            "Other servers still serve this database: stop them first.",
        ],
    ),
    (
        "error.denied.signInFirst",
        ["Meld u eerst aan.", "Connectez-vous d'abord.", "Melden Sie sich zuerst an.", "Sign in first."],
    ),
    (
        "error.denied.sessionUnknown",
        [
            "Deze sessie is niet van u, of ze is al beëindigd.",
            "Cette session n'est pas la vôtre, ou elle est déjà terminée.",
            "Diese Sitzung gehört nicht Ihnen oder ist bereits beendet.",
            "This session is not one of yours, or it has ended already.",
        ],
    ),
    (
        "error.denied.inviteByManager",
        [
            "Alleen een toegangsbeheerder van de onderneming van deze persoon nodigt hem of haar uit.",
            "Seul un gestionnaire d'accès de l'entreprise de cette personne peut l'inviter.",
            "Nur ein Zugriffsverwalter des Unternehmens dieser Person lädt sie ein.",
            "Only an access manager of the person's enterprise invites them.",
        ],
    ),
    (
        "error.denied.personOnlyTask",
        [
            "Dit doet een aangemelde persoon, geen registratiesysteem.",
            "Ceci est fait par une personne connectée, pas par un système d'enregistrement.",
            "Dies tut eine angemeldete Person, kein Registrierungssystem.",
            "A signed-in person does this, not a registration system.",
        ],
    ),
    (
        "error.denied.noSignIn",
        [
            "Deze gebruiker heeft het aanmelden nog niet ingesteld.",
            "Cet utilisateur n'a pas encore configuré sa connexion.",
            "Dieser Benutzer hat die Anmeldung noch nicht eingerichtet.",
            "This user has not set up sign-in.",
        ],
    ),
    (
        "error.denied.noRoleLeft",
        [
            "U hebt in geen enkele onderneming nog een rol.",
            "Vous n'avez plus de rôle dans aucune entreprise.",
            "Sie haben in keinem Unternehmen mehr eine Rolle.",
            "You no longer have a role in any enterprise.",
        ],
    ),
    (
        "error.denied.secretsKey",
        [
            "De geheimensleutel van deze server opent de geheimen van de databank niet: neem contact op met de operator.",
            "La clé des secrets de ce serveur n'ouvre pas les secrets de la base de données : contactez l'opérateur.",
            "Der Geheimnisschlüssel dieses Servers öffnet die Geheimnisse der Datenbank nicht: Wenden Sie sich an den Betreiber.",
            "This server's secrets key does not open the database's secrets: contact the operator.",
        ],
    ),
    (
        "error.denied.noRole",
        [
            "U hebt geen rol in deze onderneming.",
            "Vous n'avez pas de rôle dans cette entreprise.",
            "Sie haben in diesem Unternehmen keine Rolle.",
            "You have no role in this enterprise.",
        ],
    ),
    (
        "error.denied.registrationUnknown",
        [
            "Deze registratie bestaat niet (of u mag ze niet zien).",
            "Cet enregistrement n'existe pas (ou vous ne pouvez pas le voir).",
            "Diese Registrierung gibt es nicht (oder Sie dürfen sie nicht sehen).",
            "There is no such registration (or you may not see it).",
        ],
    ),
    (
        "error.denied.declarationUnknown",
        [
            "Deze aangifte van werken bestaat niet (of u mag ze niet zien).",
            "Cette déclaration de travaux n'existe pas (ou vous ne pouvez pas la voir).",
            "Diese Arbeitsmeldung gibt es nicht (oder Sie dürfen sie nicht sehen).",
            "There is no such declaration of works (or you may not see it).",
        ],
    ),
    (
        "error.denied.managersOnly",
        [
            "Alleen de toegangsbeheerders van deze onderneming doen dit.",
            "Seuls les gestionnaires d'accès de cette entreprise peuvent le faire.",
            "Nur die Zugriffsverwalter dieses Unternehmens tun dies.",
            "Only the access managers of this enterprise do this.",
        ],
    ),
    (
        "error.denied.channelManagers",
        [
            "Alleen de toegangsbeheerders van deze onderneming en de technisch beheerders die zij aanstelden, beheren haar kanalen.",
            "Seuls les gestionnaires d'accès de cette entreprise et les administrateurs techniques qu'ils ont désignés gèrent ses canaux.",
            "Nur die Zugriffsverwalter dieses Unternehmens und die von ihnen ernannten technischen Verwalter verwalten seine Kanäle.",
            "Only the access managers of this enterprise and the technical administrators they appointed manage its channels.",
        ],
    ),
    (
        "error.denied.roleHeld",
        [
            "Deze persoon heeft die rol al in deze onderneming.",
            "Cette personne a déjà ce rôle dans cette entreprise.",
            "Diese Person hat diese Rolle in diesem Unternehmen bereits.",
            "This person already has that role in this enterprise.",
        ],
    ),
    (
        "error.denied.roleNotHeld",
        [
            "Deze persoon heeft die rol niet in deze onderneming.",
            "Cette personne n'a pas ce rôle dans cette entreprise.",
            "Diese Person hat diese Rolle in diesem Unternehmen nicht.",
            "This person does not have that role in this enterprise.",
        ],
    ),
    (
        "error.denied.operatorRegisters",
        [
            "Alleen de operator registreert toegangsbeheerders en inspecteurs; een toegangsbeheerder stelt technisch beheerders en consultants aan.",
            "Seul l'opérateur enregistre les gestionnaires d'accès et les inspecteurs ; un gestionnaire d'accès désigne les administrateurs techniques et les consultants.",
            "Nur der Betreiber registriert Zugriffsverwalter und Inspektoren; ein Zugriffsverwalter ernennt technische Verwalter und Berater.",
            "Only the operator registers access managers and inspectors; an access manager appoints technical administrators and consultants.",
        ],
    ),
    (
        "error.denied.managerAppoints",
        [
            "Alleen een toegangsbeheerder van deze onderneming stelt technisch beheerders en consultants aan.",
            "Seul un gestionnaire d'accès de cette entreprise désigne les administrateurs techniques et les consultants.",
            "Nur ein Zugriffsverwalter dieses Unternehmens ernennt technische Verwalter und Berater.",
            "Only an access manager of this enterprise appoints technical administrators and consultants.",
        ],
    ),
    (
        "error.denied.passkeyHost",
        [
            "Toegangssleutels werken alleen als de server een naam heeft, geen IP-adres: gebruik de pincode.",
            "Les clés d'accès ne fonctionnent que si le serveur a un nom, pas une adresse IP : utilisez le code PIN.",
            "Passkeys funktionieren nur, wenn der Server einen Namen hat, keine IP-Adresse: Verwenden Sie die PIN.",
            "Passkeys work only when the server has a name, not an IP address: use the PIN.",
        ],
    ),
    (
        "error.denied.operatorOnly",
        [
            "Alleen de operator doet dit.",
            "Seul l'opérateur peut le faire.",
            "Nur der Betreiber tut dies.",
            "Only the operator does this.",
        ],
    ),
    (
        "error.denied.workerOnly",
        [
            "Hier registreert alleen de werknemer zelf zijn aanwezigheid; werkgevers, operatoren en registratiesystemen kunnen dat hier niet.",
            "Ici, seul le travailleur enregistre sa propre présence ; employeurs, opérateurs et systèmes d'enregistrement ne le peuvent pas.",
            "Hier registriert nur der Arbeitnehmer selbst seine Anwesenheit; Arbeitgeber, Betreiber und Registrierungssysteme können das hier nicht.",
            "Only the worker registers their own presence here; employers, operators and registration systems cannot.",
        ],
    ),
    (
        "error.denied.channel",
        [
            "U kunt niet registreren via dit kanaal.",
            "Vous ne pouvez pas enregistrer par ce canal.",
            "Sie können über diesen Kanal nicht registrieren.",
            "You cannot register through this channel.",
        ],
    ),
    (
        "error.denied.workerPages",
        [
            "Personen raadplegen hun eigen registraties op de werknemerspagina's.",
            "Les personnes consultent leurs propres enregistrements sur les pages du travailleur.",
            "Personen sehen ihre eigenen Registrierungen auf den Arbeitnehmerseiten ein.",
            "Persons consult their own registrations on the worker pages.",
        ],
    ),
    (
        "error.denied.otherSender",
        [
            "Een ander registratiesysteem verstuurde deze registratie; alleen de afzender mag ze annuleren.",
            "Un autre système d'enregistrement a envoyé cet enregistrement ; seul l'expéditeur peut l'annuler.",
            "Ein anderes Registrierungssystem hat diese Registrierung gesendet; nur der Absender darf sie stornieren.",
            "Another registration system sent this registration; only its sender may cancel it.",
        ],
    ),
    (
        "error.denied.cancelWindow",
        [
            "Deze registratie is meer dan 30 dagen oud: alleen de RSZ verbetert ze nog, op een aanvraag met bewijsstukken.",
            "Cet enregistrement date de plus de 30 jours : seul l'ONSS le corrige encore, sur une demande avec pièces justificatives.",
            "Diese Registrierung ist älter als 30 Tage: Nur das LSS berichtigt sie noch, auf einen Antrag mit Belegen.",
            "This registration is more than 30 days old: only the RSZ/ONSS corrects it now, on a request with supporting documents.",
        ],
    ),
    (
        "error.denied.alreadyCancelled",
        [
            "Deze registratie is al geannuleerd.",
            "Cet enregistrement est déjà annulé.",
            "Diese Registrierung ist bereits storniert.",
            "This registration is already cancelled.",
        ],
    ),
    (
        "error.denied.workplaceUnknown",
        [
            "Op dit adres is geen werkplaats.",
            "Il n'y a pas de lieu de travail à cette adresse.",
            "Unter dieser Adresse gibt es keinen Arbeitsort.",
            "There is no workplace at this address.",
        ],
    ),
    (
        "error.denied.declarationManagers",
        [
            "Alleen een toegangsbeheerder of een technisch beheerder van deze onderneming beheert haar aangiften van werken.",
            "Seuls un gestionnaire d'accès ou un administrateur technique de cette entreprise gèrent ses déclarations de travaux.",
            "Nur ein Zugriffsverwalter oder ein technischer Verwalter dieses Unternehmens verwaltet seine Arbeitsmeldungen.",
            "Only an access manager or a technical administrator of this enterprise manages its declarations of works.",
        ],
    ),
    (
        "error.denied.numberExhausted",
        [
            "Er werd geen vrij aangiftenummer gevonden: probeer opnieuw.",
            "Aucun numéro de déclaration libre n'a été trouvé : réessayez.",
            "Es wurde keine freie Meldungsnummer gefunden: Versuchen Sie es erneut.",
            "No free declaration number was found: try again.",
        ],
    ),
    (
        "error.denied.chainAdds",
        [
            "Alleen de aangevende aannemer of een onderaannemer van deze aangifte voegt onderaannemers toe.",
            "Seuls l'entrepreneur déclarant ou un sous-traitant de cette déclaration ajoutent des sous-traitants.",
            "Nur der meldende Unternehmer oder ein Subunternehmer dieser Meldung fügt Subunternehmer hinzu.",
            "Only the declaring contractor or a subcontractor of this declaration adds subcontractors.",
        ],
    ),
    (
        "error.denied.chainEnds",
        [
            "Alleen de aangevende aannemer of een aannemer erboven beëindigt deze onderaanneming.",
            "Seuls l'entrepreneur déclarant ou un entrepreneur au-dessus mettent fin à cette sous-traitance.",
            "Nur der meldende Unternehmer oder ein Unternehmer darüber beendet diesen Subunternehmervertrag.",
            "Only the declaring contractor or a contractor above it ends this subcontract.",
        ],
    ),
    (
        "error.denied.declaringCloses",
        [
            "Alleen de aangevende aannemer sluit deze aangifte af.",
            "Seul l'entrepreneur déclarant clôture cette déclaration.",
            "Nur der meldende Unternehmer schließt diese Meldung ab.",
            "Only the declaring contractor closes this declaration.",
        ],
    ),
    ("w.field.latitude", ["de breedtegraad", "la latitude", "der Breitengrad", "the latitude"]),
    ("w.field.longitude", ["de lengtegraad", "la longitude", "der Längengrad", "the longitude"]),
    ("w.field.accuracy", ["de straal in meter", "le rayon en mètres", "der Radius in Metern", "the radius in metres"]),
    (
        "error.coordinates.number",
        [
            "De positie van je telefoon is onleesbaar: {field} is geen getal.",
            "La position de votre téléphone est illisible : {field} n'est pas un nombre.",
            "Die Position Ihres Telefons ist unlesbar: {field} ist keine Zahl.",
            "Your phone's position cannot be read: {field} is not a number.",
        ],
    ),
    (
        "error.coordinates.range",
        [
            "De positie van je telefoon klopt niet: {field} ligt buiten het bereik.",
            "La position de votre téléphone est erronée : {field} est hors limites.",
            "Die Position Ihres Telefons ist falsch: {field} liegt außerhalb des Bereichs.",
            "Your phone's position is wrong: {field} is out of range.",
        ],
    ),
    (
        "error.coordinates.accuracy",
        [
            "De nauwkeurigheid van de positie ({field}) klopt niet.",
            "La précision de la position ({field}) est erronée.",
            "Die Genauigkeit der Position ({field}) ist falsch.",
            "The position's accuracy ({field}) is wrong.",
        ],
    ),
    (
        "error.coordinates.incomplete",
        [
            "De positie van je telefoon is onvolledig: {field} ontbreekt of staat alleen.",
            "La position de votre téléphone est incomplète : une valeur manque ou est donnée seule ({field}).",
            "Die Position Ihres Telefons ist unvollständig: {field} fehlt oder steht allein.",
            "Your phone's position is incomplete: {field} is missing or stands alone.",
        ],
    ),
    (
        "eremark.GIVEN_INSS_IS_NOT_THE_FOUNDER",
        [
            "De persoon is geen oprichter van deze onderneming",
            "La personne n'est pas fondateur de cette entreprise",
            "Die Person ist kein Gründer dieses Unternehmens",
            "The person is not a founder of this enterprise",
        ],
    ),
    (
        "eremark.COMPANY_NOT_IN_DECLARATION",
        [
            "De werkgever staat niet in de aangifte (aannemer of onderaannemer)",
            "L'employeur n'est pas dans la déclaration (entrepreneur ou sous-traitant)",
            "Der Arbeitgeber steht nicht in der Arbeitsmeldung (Unternehmer oder Subunternehmer)",
            "The employer is not in the declaration (contractor or subcontractor)",
        ],
    ),
    (
        "eremark.EMPLOYER_NOT_ACTIVE",
        [
            "De werkgever is niet actief op die dag",
            "L'employeur n'est pas actif ce jour-là",
            "Der Arbeitgeber ist an diesem Tag nicht aktiv",
            "The employer is not active that day",
        ],
    ),
    (
        "eremark.COMPANY_ID_NOT_ACTIVE_CONTRACT",
        [
            "Het onderaannemingscontract van de werkgever loopt niet op die dag",
            "Le contrat de sous-traitance de l'employeur ne court pas ce jour-là",
            "Der Subunternehmervertrag des Arbeitgebers läuft an diesem Tag nicht",
            "The employer's subcontract does not run that day",
        ],
    ),
    (
        "eremark.IN_WHILE_ALREADY_IN",
        [
            "IN terwijl de persoon al IN was (OUT ontbreekt)",
            "IN alors que la personne était déjà IN (OUT manquant)",
            "IN, obwohl die Person schon IN war (OUT fehlt)",
            "IN while the person was already IN (missing OUT)",
        ],
    ),
    (
        "eremark.PRESENT_ON_TWO_WORKPLACES",
        [
            "IN op een werkplaats terwijl de persoon IN is op een andere",
            "IN sur un lieu de travail alors que la personne est IN sur un autre",
            "IN an einem Arbeitsplatz, während die Person an einem anderen IN ist",
            "IN at a workplace while the person is IN at another",
        ],
    ),
    (
        "eremark.PLACE_OF_WORK_FAR_FROM_SITE",
        [
            "De doorgegeven locatie was ver van de werkplaats",
            "La position transmise était loin du lieu de travail",
            "Der übermittelte Standort war weit vom Arbeitsplatz entfernt",
            "The position sent was far from the workplace",
        ],
    ),
    (
        "remark.RELATED_DIMONA_NOT_OK",
        [
            "Geen Dimona-aangifte bij deze werkgever",
            "Pas de déclaration Dimona chez cet employeur",
            "Keine Dimona-Meldung bei diesem Arbeitgeber",
            "No Dimona declaration with this employer",
        ],
    ),
    (
        "remark.GIVEN_INSS_IS_NOT_THE_FOUNDER",
        [
            "Je bent geen oprichter van deze onderneming",
            "Vous n'êtes pas fondateur de cette entreprise",
            "Sie sind kein Gründer dieses Unternehmens",
            "You are not a founder of this enterprise",
        ],
    ),
    (
        "remark.EMPLOYER_IS_NOT_KNOWN_AS_FOUNDER",
        [
            "De zaakvoerder van deze onderneming is niet gekend",
            "Le titulaire de cette entreprise n'est pas connu",
            "Der Inhaber dieses Unternehmens ist nicht bekannt",
            "The holder of this enterprise is not known",
        ],
    ),
    (
        "remark.COMPANY_DOES_NOT_EXIST",
        [
            "Deze onderneming bestaat niet",
            "Cette entreprise n'existe pas",
            "Dieses Unternehmen existiert nicht",
            "This enterprise does not exist",
        ],
    ),
    (
        "remark.INDEPENDENT_IS_NOT_KNOWN_AS_FOUNDER",
        [
            "Als zelfstandige niet gekend als oprichter van deze onderneming",
            "Indépendant non connu comme fondateur de cette entreprise",
            "Als Selbständiger nicht als Gründer dieses Unternehmens bekannt",
            "Self-employed, not known as founder of this enterprise",
        ],
    ),
    (
        "remark.LIMOSA_ID_NOT_KNOWN",
        ["Limosa-nummer onbekend", "Numéro Limosa inconnu", "Limosa-Nummer unbekannt", "Limosa id not known"],
    ),
    (
        "remark.LIMOSA_ID_NOT_ACTIVE_AT_DATE",
        [
            "Limosa-melding niet geldig op die dag",
            "Déclaration Limosa non valable ce jour-là",
            "Limosa-Meldung an diesem Tag nicht gültig",
            "Limosa declaration not valid that day",
        ],
    ),
    (
        "remark.NISS_BIS_NOT_KNOWN_IN_LIMOSA",
        [
            "BIS-nummer niet gekend in Limosa",
            "Numéro BIS inconnu dans Limosa",
            "BIS-Nummer in Limosa nicht bekannt",
            "BIS number not known in Limosa",
        ],
    ),
    (
        "remark.NISS_BIS_NOT_ACTIVE_IN_LIMOSA",
        [
            "BIS-nummer niet actief in Limosa op die dag",
            "Numéro BIS non actif dans Limosa ce jour-là",
            "BIS-Nummer an diesem Tag in Limosa nicht aktiv",
            "BIS number not active in Limosa that day",
        ],
    ),
    (
        "remark.DECLARATION_NOT_EXISTING",
        [
            "Deze aangifte van werken bestaat niet",
            "Cette déclaration de travaux n'existe pas",
            "Diese Arbeitsmeldung existiert nicht",
            "This declaration of works does not exist",
        ],
    ),
    (
        "remark.DECLARATION_NOT_ACTIVE_AT_DATE",
        [
            "De aangifte van werken loopt niet op die dag",
            "La déclaration de travaux ne court pas ce jour-là",
            "Die Arbeitsmeldung läuft an diesem Tag nicht",
            "The declaration of works does not run that day",
        ],
    ),
    (
        "remark.COMPANY_NOT_IN_DECLARATION",
        [
            "Je werkgever staat niet in de aangifte (aannemer of onderaannemer)",
            "Votre employeur n'est pas dans la déclaration (entrepreneur ou sous-traitant)",
            "Ihr Arbeitgeber steht nicht in der Arbeitsmeldung (Unternehmer oder Subunternehmer)",
            "Your employer is not in the declaration (contractor or subcontractor)",
        ],
    ),
    (
        "remark.SITE_NOT_SUBJECT_TO_REGISTRATION",
        [
            "Op deze werkplaats is registreren niet verplicht",
            "Ce lieu de travail n'est pas soumis à l'enregistrement",
            "Für diesen Arbeitsplatz ist keine Registrierung vorgeschrieben",
            "This workplace is not subject to registration",
        ],
    ),
    (
        "remark.SAME_REGISTRATION_ALREADY_REGISTERED",
        [
            "Dezelfde registratie bestaat al",
            "Le même enregistrement existe déjà",
            "Dieselbe Registrierung existiert bereits",
            "The same registration already exists",
        ],
    ),
    (
        "remark.NISS_NOT_KNOWN_IN_NATIONAL_REGISTER",
        [
            "Rijksregisternummer niet gekend",
            "Numéro de registre national inconnu",
            "Nationalregisternummer nicht bekannt",
            "National register number not known",
        ],
    ),
    (
        "remark.EMPLOYER_NOT_ACTIVE",
        [
            "Je werkgever is niet actief op die dag",
            "Votre employeur n'est pas actif ce jour-là",
            "Ihr Arbeitgeber ist an diesem Tag nicht aktiv",
            "Your employer is not active that day",
        ],
    ),
    (
        "remark.COMPANY_ID_NOT_ACTIVE_CONTRACT",
        [
            "Het onderaannemingscontract van je werkgever loopt niet op die dag",
            "Le contrat de sous-traitance de votre employeur ne court pas ce jour-là",
            "Der Subunternehmervertrag Ihres Arbeitgebers läuft an diesem Tag nicht",
            "Your employer's subcontract does not run that day",
        ],
    ),
    (
        "remark.OUT_WITHOUT_IN",
        [
            "OUT zonder voorafgaande IN op deze werkplaats",
            "OUT sans IN préalable sur ce lieu de travail",
            "OUT ohne vorheriges IN an diesem Arbeitsplatz",
            "OUT without a preceding IN on this workplace",
        ],
    ),
    (
        "remark.IN_WHILE_ALREADY_IN",
        [
            "IN terwijl je al IN was (OUT ontbreekt)",
            "IN alors que vous étiez déjà IN (OUT manquant)",
            "IN, obwohl Sie schon IN waren (OUT fehlt)",
            "IN while already IN (missing OUT)",
        ],
    ),
    (
        "remark.DAY_LEFT_OPEN",
        [
            "IN zonder OUT: binnen 16 uur niets meer op deze werkplaats",
            "IN sans OUT : plus rien sur ce lieu de travail dans les 16 heures",
            "IN ohne OUT: binnen 16 Stunden nichts mehr an diesem Arbeitsplatz",
            "IN without OUT: nothing more on this workplace within 16 hours",
        ],
    ),
    (
        "remark.PRESENT_ON_TWO_WORKPLACES",
        [
            "IN op een werkplaats terwijl je IN bent op een andere",
            "IN sur un lieu de travail alors que vous êtes IN sur un autre",
            "IN an einem Arbeitsplatz, während Sie an einem anderen IN sind",
            "IN at a workplace while IN at another",
        ],
    ),
    (
        "remark.PLACE_OF_WORK_FAR_FROM_SITE",
        [
            "Je locatie was ver van de werkplaats",
            "Votre position était loin du lieu de travail",
            "Ihr Standort war weit vom Arbeitsplatz entfernt",
            "Your location was far from the workplace",
        ],
    ),
    (
        "remark.LATE_REGISTRATION",
        [
            "Registratie laat ontvangen",
            "Enregistrement reçu en retard",
            "Registrierung verspätet empfangen",
            "Registration received late",
        ],
    ),
    (
        "remark.QR_CODE_EXPIRED",
        [
            "De QR-code van het scherm was verlopen (niet bewezen ter plaatse)",
            "Le code QR de l'écran avait expiré (présence sur place non prouvée)",
            "Der QR-Code des Bildschirms war abgelaufen (Anwesenheit vor Ort nicht nachgewiesen)",
            "The display's QR code had expired (presence on site not proven)",
        ],
    ),
    (
        "e.service",
        [
            "Onlinedienst voor werkgevers",
            "Service en ligne pour les employeurs",
            "Onlinedienst für Arbeitgeber",
            "Online service for employers",
        ],
    ),
    ("e.menu", ["Menu", "Menu", "Menü", "Menu"]),
    ("e.actions", ["Acties", "Actions", "Aktionen", "Actions"]),
    (
        "e.activate_title",
        ["Aanmelden instellen", "Configurer l'identification", "Anmeldung einrichten", "Set up sign-in"],
    ),
    ("e.app_title", ["Authenticator-app", "Application d'authentification", "Authenticator-App", "Authenticator app"]),
    (
        "e.app_instructions",
        [
            "Scan deze QR-code met een authenticator-app (tweede factor) en geef de code van 6 cijfers in die de app toont.",
            "Scannez ce code QR avec une application d'authentification (second facteur) et introduisez le code à 6 chiffres qu'elle affiche.",
            "Scannen Sie diesen QR-Code mit einer Authenticator-App (zweiter Faktor) und geben Sie den 6-stelligen Code ein, den sie anzeigt.",
            "Scan this QR code with an authenticator app (second factor) and enter the 6-digit code it shows.",
        ],
    ),
    (
        "e.app_open",
        [
            "Op deze telefoon: open in uw authenticator-app",
            "Sur ce téléphone : ouvrir dans votre application d'authentification",
            "Auf diesem Telefon: in Ihrer Authenticator-App öffnen",
            "On this phone: open in your authenticator app",
        ],
    ),
    (
        "e.app_manual",
        [
            "Of geef deze sleutel manueel in",
            "Ou introduisez cette clé manuellement",
            "Oder geben Sie diesen Schlüssel manuell ein",
            "Or enter this key by hand",
        ],
    ),
    (
        "e.app_qr",
        [
            "QR-code voor de authenticator-app",
            "Code QR pour l'application d'authentification",
            "QR-Code für die Authenticator-App",
            "QR code for the authenticator app",
        ],
    ),
    ("e.apply", ["Tonen", "Afficher", "Anzeigen", "Show"]),
    (
        "e.audit_intro",
        [
            "Wie deed wat en wanneer, ook wie welke registraties raadpleegde.",
            "Qui a fait quoi et quand, y compris qui a consulté quels enregistrements.",
            "Wer hat was wann getan, auch wer welche Registrierungen eingesehen hat.",
            "Who did what and when, including who consulted which registrations.",
        ],
    ),
    ("e.channel", ["Kanaal", "Canal", "Kanal", "Channel"]),
    (
        "e.chart_data",
        ["De cijfers van de grafiek", "Les chiffres du graphique", "Die Zahlen der Grafik", "The chart's figures"],
    ),
    (
        "e.chart_desc",
        [
            "Aantal aanwezige personen per uur (Belgische tijd).",
            "Nombre de personnes présentes par heure (heure belge).",
            "Anzahl anwesender Personen pro Stunde (belgische Zeit).",
            "Number of people present per hour (Belgian time).",
        ],
    ),
    (
        "e.chart_title",
        [
            "Aanwezigen per uur op {day}",
            "Présents par heure le {day}",
            "Anwesende pro Stunde am {day}",
            "People present per hour on {day}",
        ],
    ),
    ("e.count", ["{n} registraties", "{n} enregistrements", "{n} Registrierungen", "{n} registrations"]),
    ("e.count_label", ["Aantal", "Nombre", "Anzahl", "Count"]),
    (
        "e.csrf",
        [
            "Dit formulier is verlopen of kwam niet van deze site. Open de pagina opnieuw.",
            "Ce formulaire a expiré ou ne vient pas de ce site. Rouvrez la page.",
            "Dieses Formular ist abgelaufen oder stammt nicht von dieser Website. Öffnen Sie die Seite erneut.",
            "This form expired or did not come from this site. Open the page again.",
        ],
    ),
    ("e.day", ["Dag", "Jour", "Tag", "Day"]),
    ("e.detail", ["Details", "Détails", "Details", "Details"]),
    ("e.enterprise", ["Onderneming", "Entreprise", "Unternehmen", "Enterprise"]),
    ("e.event.cancelled", ["Geannuleerd", "Annulé", "Storniert", "Cancelled"]),
    ("e.event.created", ["Ontvangen", "Reçu", "Empfangen", "Received"]),
    ("e.event.validated", ["Gecontroleerd", "Contrôlé", "Geprüft", "Validated"]),
    (
        "e.first_time",
        [
            "Eerste keer? Geef uw uitnodigingscode in",
            "Première fois ? Introduisez votre code d'invitation",
            "Zum ersten Mal? Geben Sie Ihren Einladungscode ein",
            "First time? Enter your invitation code",
        ],
    ),
    ("e.from", ["Van", "Du", "Von", "From"]),
    ("e.history", ["Geschiedenis", "Historique", "Verlauf", "History"]),
    (
        "e.home_intro",
        [
            "Raadpleeg de aanwezigheidsregistraties van uw onderneming en van uw onderaannemers op uw werven.",
            "Consultez les enregistrements de présence de votre entreprise et de vos sous-traitants sur vos chantiers.",
            "Sehen Sie die Anwesenheitsregistrierungen Ihres Unternehmens und Ihrer Subunternehmer auf Ihren Baustellen ein.",
            "Consult the presence registrations of your enterprise and of your subcontractors on your sites.",
        ],
    ),
    ("e.hour", ["Uur", "Heure", "Stunde", "Hour"]),
    (
        "e.in_at_end",
        ["IN op het einde van de dag", "IN à la fin de la journée", "IN am Ende des Tages", "IN at the end of the day"],
    ),
    ("e.in_now", ["Nu aanwezig (IN)", "Présents maintenant (IN)", "Jetzt anwesend (IN)", "On site now (IN)"]),
    ("e.invitation_code", ["Uitnodigingscode", "Code d'invitation", "Einladungscode", "Invitation code"]),
    (
        "e.invitation_hint",
        [
            "De code van 12 tekens van uw toegangsbeheerder, bijvoorbeeld ABCD-EFGH-JKLM",
            "Le code de 12 caractères de votre gestionnaire d'accès, par exemple ABCD-EFGH-JKLM",
            "Der 12-stellige Code Ihres Zugriffsverwalters, z. B. ABCD-EFGH-JKLM",
            "The 12-character code from your access manager, such as ABCD-EFGH-JKLM",
        ],
    ),
    (
        "e.invitation_made",
        [
            "Uitnodigingscode voor {who}:",
            "Code d'invitation pour {who} :",
            "Einladungscode für {who}:",
            "Invitation code for {who}:",
        ],
    ),
    (
        "e.invitation_once",
        [
            "Deze code wordt maar één keer getoond en is 14 dagen geldig. Bezorg hem aan de persoon.",
            "Ce code n'est affiché qu'une fois et vaut 14 jours. Transmettez-le à la personne.",
            "Dieser Code wird nur einmal angezeigt und ist 14 Tage gültig. Geben Sie ihn der Person.",
            "This code is shown once and is valid for 14 days. Give it to the person.",
        ],
    ),
    ("e.invite", ["Een gebruiker uitnodigen", "Inviter un utilisateur", "Einen Benutzer einladen", "Invite a user"]),
    ("e.invite_button", ["Uitnodigen", "Inviter", "Einladen", "Invite"]),
    ("e.name", ["Naam", "Nom", "Name", "Name"]),
    (
        "e.nav.declarations",
        ["Aangiften van werken", "Déclarations de travaux", "Arbeitsmeldungen", "Declarations of works"],
    ),
    ("e.nav.channel", ["REST-kanaal (Chaman)", "Canal REST (Chaman)", "REST-Kanal (Chaman)", "REST channel (Chaman)"]),
    ("e.nav.audit", ["Auditlog", "Journal d'audit", "Audit-Protokoll", "Audit log"]),
    ("e.nav.on_site", ["Nu op de werf", "Sur le chantier maintenant", "Jetzt auf der Baustelle", "On site now"]),
    (
        "e.nav.registrations",
        [
            "Registraties raadplegen",
            "Consulter les enregistrements",
            "Registrierungen einsehen",
            "Consult registrations",
        ],
    ),
    ("e.nav.remarks", ["Opmerkingen", "Remarques", "Bemerkungen", "Remarks"]),
    ("e.nav.users", ["Toegangsbeheer", "Gestion des accès", "Zugriffsverwaltung", "Access management"]),
    ("e.next", ["Volgende", "Suivant", "Weiter", "Next"]),
    (
        "e.enterprise_refused",
        [
            "{value} is geen onderneming waarin u een rol hebt: u blijft bij de huidige onderneming.",
            "{value} n'est pas une entreprise où vous avez un rôle : vous restez dans l'entreprise actuelle.",
            "{value} ist kein Unternehmen, in dem Sie eine Rolle haben: Sie bleiben beim aktuellen Unternehmen.",
            "{value} is not an enterprise in which you have a role: you stay with the current enterprise.",
        ],
    ),
    (
        "e.no_register",
        [
            "Er is hier geen pagina om een aanwezigheid te registreren: een werknemer registreert zelf, de werkgever mag dat niet voor hem doen.",
            "Il n'y a pas ici de page pour enregistrer une présence : le travailleur s'enregistre lui-même, l'employeur ne peut pas le faire à sa place.",
            "Hier gibt es keine Seite, um eine Anwesenheit zu registrieren: Der Arbeitnehmer registriert sich selbst, der Arbeitgeber darf das nicht für ihn tun.",
            "There is no page here to register a presence: a worker registers themselves; the employer may not do it for them.",
        ],
    ),
    (
        "e.no_remarks",
        [
            "Geen opmerkingen in deze periode.",
            "Aucune remarque pendant cette période.",
            "Keine Bemerkungen in diesem Zeitraum.",
            "No remarks in this period.",
        ],
    ),
    ("e.pagination", ["Pagina's", "Pages", "Seiten", "Pages"]),
    (
        "e.pair_missing",
        ["IN/OUT-paar onvolledig", "paire IN/OUT incomplète", "IN/OUT-Paar unvollständig", "IN/OUT pair incomplete"],
    ),
    (
        "e.pair_overlap",
        [
            "tegelijk IN op twee werkplaatsen (één keer geteld)",
            "IN sur deux lieux de travail à la fois (compté une fois)",
            "gleichzeitig an zwei Arbeitsplätzen IN (einmal gezählt)",
            "IN on two workplaces at once (counted once)",
        ],
    ),
    ("e.password", ["Wachtwoord", "Mot de passe", "Passwort", "Password"]),
    ("e.password_repeat", ["Wachtwoord nog eens", "Mot de passe à nouveau", "Passwort wiederholen", "Password again"]),
    (
        "e.password_rules",
        [
            "12 tot 128 tekens, minstens 5 verschillende, niet uw rijksregisternummer",
            "12 à 128 caractères, au moins 5 différents, pas votre numéro de registre national",
            "12 bis 128 Zeichen, mindestens 5 verschiedene, nicht Ihre Nationalregisternummer",
            "12 to 128 characters, at least 5 different ones, not your national register number",
        ],
    ),
    ("e.people", ["Personen", "Personnes", "Personen", "People"]),
    ("e.per_hour", ["Aanwezigen per uur", "Présents par heure", "Anwesende pro Stunde", "People present per hour"]),
    ("e.person", ["Persoon", "Personne", "Person", "Person"]),
    ("e.previous", ["Vorige", "Précédent", "Zurück", "Previous"]),
    ("e.refused", ["Geweigerd", "Refusé", "Abgelehnt", "Refused"]),
    ("e.registration", ["Registratie", "Enregistrement", "Registrierung", "Registration"]),
    (
        "e.remarks_intro",
        [
            "Aantal registraties per opmerking: klik op een aantal om de registraties te zien en uw Dimona of uw aangifte te corrigeren.",
            "Nombre d'enregistrements par remarque : cliquez sur un nombre pour voir les enregistrements et corriger votre Dimona ou votre déclaration.",
            "Anzahl Registrierungen pro Bemerkung: Klicken Sie auf eine Zahl, um die Registrierungen zu sehen und Ihre Dimona oder Ihre Arbeitsmeldung zu korrigieren.",
            "Registrations per remark: click a count to see them and fix your Dimona or your declaration.",
        ],
    ),
    ("e.role", ["Rol", "Rôle", "Rolle", "Role"]),
    ("e.role.access-manager", ["toegangsbeheerder", "gestionnaire d'accès", "Zugriffsverwalter", "access manager"]),
    (
        "e.role.technical-administrator",
        ["technisch beheerder", "administrateur technique", "technischer Verwalter", "technical administrator"],
    ),
    ("e.role.consultant", ["raadpleger", "consultant", "Leser", "consultant"]),
    (
        "e.save_sign_in",
        ["Bewaren en aanmelden", "Enregistrer et s'identifier", "Speichern und anmelden", "Save and sign in"],
    ),
    (
        "e.sign_in_title",
        ["Aanmelden als werkgever", "Identification employeur", "Anmeldung als Arbeitgeber", "Employer sign-in"],
    ),
    ("e.since", ["Sinds", "Depuis", "Seit", "Since"]),
    ("e.sort", ["Sorteren", "Trier", "Sortieren", "Sort"]),
    ("e.sort.created", ["ontvangst", "réception", "Empfang", "received"]),
    (
        "e.sort.date",
        ["tijdstip, oudste eerst", "heure, plus ancien d'abord", "Zeitpunkt, älteste zuerst", "time, oldest first"],
    ),
    (
        "e.sort.date_desc",
        ["tijdstip, nieuwste eerst", "heure, plus récent d'abord", "Zeitpunkt, neueste zuerst", "time, newest first"],
    ),
    ("e.subject", ["Onderwerp", "Objet", "Gegenstand", "Subject"]),
    ("e.switch", ["Wisselen", "Changer", "Wechseln", "Switch"]),
    ("e.to", ["Tot", "Au", "Bis", "To"]),
    (
        "e.totp",
        [
            "Code van de authenticator-app",
            "Code de l'application d'authentification",
            "Code der Authenticator-App",
            "Authenticator app code",
        ],
    ),
    ("e.nav.security", ["Beveiliging", "Sécurité", "Sicherheit", "Security"]),
    (
        "e.security_title",
        [
            "Beveiliging van uw account",
            "Sécurité de votre compte",
            "Sicherheit Ihres Kontos",
            "Your account's security",
        ],
    ),
    (
        "e.passkeys_intro",
        [
            "Met een passkey bevestigt u uw aanmelding met uw toestel (vingerafdruk, gezicht of schermvergrendeling) in plaats van de code van de authenticator-app. Uw wachtwoord blijft nodig en de app blijft werken.",
            "Avec une clé d'accès (passkey), vous confirmez votre connexion avec votre appareil (empreinte, visage ou verrouillage de l'écran) au lieu du code de l'application d'authentification. Votre mot de passe reste nécessaire et l'application continue de fonctionner.",
            "Mit einem Passkey bestätigen Sie Ihre Anmeldung mit Ihrem Gerät (Fingerabdruck, Gesicht oder Bildschirmsperre) statt mit dem Code der Authenticator-App. Ihr Passwort bleibt nötig, und die App funktioniert weiter.",
            "With a passkey you confirm your sign-in with your device (fingerprint, face or screen lock) instead of the authenticator app's code. Your password is still needed, and the app keeps working.",
        ],
    ),
    ("e.passkeys", ["Uw passkeys", "Vos clés d'accès", "Ihre Passkeys", "Your passkeys"]),
    ("e.passkey", ["Passkey", "Clé d'accès", "Passkey", "Passkey"]),
    ("e.passkey_created", ["Toegevoegd", "Ajoutée", "Hinzugefügt", "Added"]),
    ("e.passkey_last_used", ["Laatst gebruikt", "Dernière utilisation", "Zuletzt verwendet", "Last used"]),
    ("e.passkey_never_used", ["nog niet", "pas encore", "noch nicht", "not yet"]),
    (
        "e.no_passkeys",
        [
            "U hebt nog geen passkey.",
            "Vous n'avez pas encore de clé d'accès.",
            "Sie haben noch keinen Passkey.",
            "You have no passkey yet.",
        ],
    ),
    ("e.add_passkey", ["Passkey toevoegen", "Ajouter une clé d'accès", "Passkey hinzufügen", "Add a passkey"]),
    (
        "e.add_passkey_hint",
        [
            "Bevestig met uw wachtwoord; daarna vraagt uw toestel om de passkey aan te maken.",
            "Confirmez avec votre mot de passe ; votre appareil vous demandera ensuite de créer la clé d'accès.",
            "Bestätigen Sie mit Ihrem Passwort; danach fragt Ihr Gerät, den Passkey zu erstellen.",
            "Confirm with your password; your device then asks to create the passkey.",
        ],
    ),
    ("e.remove_passkey", ["Verwijderen", "Supprimer", "Entfernen", "Remove"]),
    (
        "e.passkey_added",
        [
            "De passkey is toegevoegd.",
            "La clé d'accès a été ajoutée.",
            "Der Passkey wurde hinzugefügt.",
            "The passkey was added.",
        ],
    ),
    (
        "e.passkey_removed",
        [
            "De passkey is verwijderd.",
            "La clé d'accès a été supprimée.",
            "Der Passkey wurde entfernt.",
            "The passkey was removed.",
        ],
    ),
    (
        "e.passkey_needs_js",
        [
            "Een passkey toevoegen vraagt JavaScript in uw browser.",
            "Ajouter une clé d'accès nécessite JavaScript dans votre navigateur.",
            "Um einen Passkey hinzuzufügen, braucht Ihr Browser JavaScript.",
            "Adding a passkey needs JavaScript in your browser.",
        ],
    ),
    (
        "e.passkeys_unavailable",
        [
            "Passkeys zijn op deze server niet beschikbaar.",
            "Les clés d'accès ne sont pas disponibles sur ce serveur.",
            "Passkeys sind auf diesem Server nicht verfügbar.",
            "Passkeys are not available on this server.",
        ],
    ),
    (
        "e.or_passkey",
        [
            "Of, in plaats van de code: vul uw rijksregisternummer en wachtwoord in en gebruik uw passkey.",
            "Ou, au lieu du code : saisissez votre numéro de registre national et votre mot de passe, puis utilisez votre clé d'accès.",
            "Oder statt des Codes: geben Sie Ihre Nationalregisternummer und Ihr Passwort ein und verwenden Sie Ihren Passkey.",
            "Or, instead of the code: enter your national register number and password, then use your passkey.",
        ],
    ),
    (
        "e.use_passkey",
        [
            "Aanmelden met een passkey",
            "Se connecter avec une clé d'accès",
            "Mit einem Passkey anmelden",
            "Sign in with a passkey",
        ],
    ),
    (
        "error.password.wrong",
        [
            "Het wachtwoord is fout.",
            "Le mot de passe est erroné.",
            "Das Passwort ist falsch.",
            "The password is wrong.",
        ],
    ),
    (
        "sessions_title",
        ["Waar u aangemeld bent", "Où vous êtes connecté", "Wo Sie angemeldet sind", "Where you are signed in"],
    ),
    (
        "sessions_intro",
        [
            "Elke telefoon of browser waarmee u zich aanmeldde. Meld af wat u niet herkent of niet meer gebruikt: daar moet u zich dan opnieuw aanmelden.",
            "Chaque téléphone ou navigateur avec lequel vous vous êtes connecté. Déconnectez ce que vous ne reconnaissez pas ou n'utilisez plus : il faudra s'y reconnecter.",
            "Jedes Telefon und jeder Browser, mit dem Sie sich angemeldet haben. Melden Sie ab, was Sie nicht erkennen oder nicht mehr benutzen: dort ist dann eine neue Anmeldung nötig.",
            "Every phone or browser you signed in with. Sign out what you do not recognise or no longer use: it will have to sign in again.",
        ],
    ),
    ("session_this", ["(dit toestel)", "(cet appareil)", "(dieses Gerät)", "(this device)"]),
    ("session_device", ["Toestel", "Appareil", "Gerät", "Device"]),
    ("session_how", ["Aangemeld met", "Connecté avec", "Angemeldet mit", "Signed in with"]),
    ("session_signed_in", ["Aangemeld op", "Connecté le", "Angemeldet am", "Signed in"]),
    ("session_last_seen", ["Laatst gezien", "Vu pour la dernière fois", "Zuletzt gesehen", "Last seen"]),
    ("session_unknown_device", ["onbekende browser", "navigateur inconnu", "unbekannter Browser", "unknown browser"]),
    ("session_end", ["Afmelden", "Déconnecter", "Abmelden", "Sign out"]),
    (
        "sessions_end_others",
        ["Alle andere afmelden", "Déconnecter tous les autres", "Alle anderen abmelden", "Sign out all others"],
    ),
    ("sessions_ended", ["Afgemeld.", "Déconnecté.", "Abgemeldet.", "Signed out."]),
    (
        "error.session.unknown",
        [
            "Dit is geen van uw sessies, of ze is al afgemeld: er werd niets afgemeld.",
            "Ce n'est pas une de vos sessions, ou elle est déjà déconnectée : rien n'a été déconnecté.",
            "Dies ist keine Ihrer Sitzungen, oder sie ist bereits abgemeldet: Es wurde nichts abgemeldet.",
            "This is not one of your sessions, or it has ended already: nothing was signed out.",
        ],
    ),
    (
        "error.session.others",
        [
            "Alle andere afmelden vraagt u met de knop op deze pagina ({field}=1): er werd niets afgemeld.",
            "Déconnecter tous les autres se demande avec le bouton de cette page ({field}=1) : rien n'a été déconnecté.",
            "Alle anderen abmelden fordern Sie mit der Schaltfläche auf dieser Seite an ({field}=1): Es wurde nichts abgemeldet.",
            "Signing out all the others is asked with the button on this page ({field}=1): nothing was signed out.",
        ],
    ),
    (
        "error.session.request",
        [
            "Kies welke sessie u afmeldt, of meld alle andere af: er werd niets afgemeld.",
            "Choisissez la session à déconnecter, ou déconnectez toutes les autres : rien n'a été déconnecté.",
            "Wählen Sie, welche Sitzung Sie abmelden, oder melden Sie alle anderen ab: Es wurde nichts abgemeldet.",
            "Choose which session to sign out, or sign out all the others: nothing was signed out.",
        ],
    ),
    ("provider.ciao-pin", ["pincode", "code PIN", "PIN", "PIN"]),
    ("provider.ciao-passkey", ["passkey", "clé d'accès", "Passkey", "passkey"]),
    ("provider.totp", ["wachtwoord en app", "mot de passe et application", "Passwort und App", "password and app"]),
    (
        "provider.passkey",
        ["wachtwoord en passkey", "mot de passe et clé d'accès", "Passwort und Passkey", "password and passkey"],
    ),
    (
        "e.totp_hint",
        [
            "6 cijfers, elke 30 seconden nieuw",
            "6 chiffres, nouveaux toutes les 30 secondes",
            "6 Ziffern, alle 30 Sekunden neu",
            "6 digits, new every 30 seconds",
        ],
    ),
    ("e.what", ["Wat", "Quoi", "Was", "What"]),
    ("e.who", ["Wie", "Qui", "Wer", "Who"]),
    ("e.withdraw", ["Rol intrekken", "Retirer le rôle", "Rolle entziehen", "Withdraw role"]),
    ("e.worked", ["Gewerkt die dag", "Travaillé ce jour-là", "An diesem Tag gearbeitet", "Worked that day"]),
    (
        "error.signIn.wrong",
        [
            "Het rijksregisternummer, het wachtwoord of de code van de app is fout.",
            "Le numéro de registre national, le mot de passe ou le code de l'application est erroné.",
            "Die Nationalregisternummer, das Passwort oder der Code der App ist falsch.",
            "The national register number, the password or the app's code is wrong.",
        ],
    ),
    (
        "error.signIn.locked",
        [
            "Te veel mislukte aanmeldingen: deze account is geblokkeerd tot {until}.",
            "Trop d'échecs : ce compte est bloqué jusqu'à {until}.",
            "Zu viele Fehlversuche: Dieses Konto ist bis {until} gesperrt.",
            "Too many failed sign-ins: this account is locked until {until}.",
        ],
    ),
    (
        "error.type.value",
        ["Het type is IN of OUT.", "Le type est IN ou OUT.", "Der Typ ist IN oder OUT.", "The type is IN or OUT."],
    ),
    (
        "error.registrationId.format",
        [
            "Een registratienummer bestaat uit cijfers.",
            "Un numéro d'enregistrement est un nombre.",
            "Eine Registrierungsnummer ist eine Zahl.",
            "A registration number is a number.",
        ],
    ),
    (
        "error.registrationId.length",
        [
            "Een registratienummer heeft hoogstens 15 cijfers.",
            "Un numéro d'enregistrement a au plus 15 chiffres.",
            "Eine Registrierungsnummer hat höchstens 15 Ziffern.",
            "A registration number has at most 15 digits.",
        ],
    ),
    (
        "error.registrationId.range",
        [
            "Een registratienummer ligt tussen 1 en 999999999999999.",
            "Un numéro d'enregistrement est compris entre 1 et 999999999999999.",
            "Eine Registrierungsnummer liegt zwischen 1 und 999999999999999.",
            "A registration number is between 1 and 999999999999999.",
        ],
    ),
    (
        "error.password.tooShort",
        [
            "Een wachtwoord heeft minstens 12 tekens.",
            "Un mot de passe compte au moins 12 caractères.",
            "Ein Passwort hat mindestens 12 Zeichen.",
            "A password has at least 12 characters.",
        ],
    ),
    (
        "error.password.tooLong",
        [
            "Een wachtwoord heeft hoogstens 128 tekens.",
            "Un mot de passe compte au plus 128 caractères.",
            "Ein Passwort hat höchstens 128 Zeichen.",
            "A password has at most 128 characters.",
        ],
    ),
    (
        "error.password.control",
        [
            "Een wachtwoord mag geen controletekens bevatten (zoals tabs of regeleinden).",
            "Un mot de passe ne peut pas contenir de caractères de contrôle (tabulations, retours à la ligne).",
            "Ein Passwort darf keine Steuerzeichen enthalten (etwa Tabulatoren oder Zeilenumbrüche).",
            "A password may not contain control characters (such as tabs or line breaks).",
        ],
    ),
    (
        "error.password.distinct",
        [
            "Een wachtwoord bevat minstens 5 verschillende tekens.",
            "Un mot de passe contient au moins 5 caractères différents.",
            "Ein Passwort enthält mindestens 5 verschiedene Zeichen.",
            "A password contains at least 5 different characters.",
        ],
    ),
    (
        "error.password.account",
        [
            "Een wachtwoord mag uw rijksregisternummer niet bevatten.",
            "Un mot de passe ne peut pas contenir votre numéro de registre national.",
            "Ein Passwort darf Ihre Nationalregisternummer nicht enthalten.",
            "A password may not contain your national register number.",
        ],
    ),
    (
        "error.password.repeat",
        [
            "De twee wachtwoorden zijn niet gelijk.",
            "Les deux mots de passe ne sont pas identiques.",
            "Die beiden Passwörter stimmen nicht überein.",
            "The two passwords are not the same.",
        ],
    ),
    (
        "error.totp.wrong",
        [
            "De code van de authenticator-app klopt niet.",
            "Le code de l'application d'authentification est erroné.",
            "Der Code der Authenticator-App ist falsch.",
            "The authenticator app's code is wrong.",
        ],
    ),
    (
        "simulation.title",
        ["Simulatieomgeving", "Environnement de simulation", "Simulationsumgebung", "Simulation environment"],
    ),
    (
        "simulation.banner",
        [
            "Niets hiervan is echt: fictieve gegevens om te testen, registraties zonder enig rechtsgevolg.",
            "Rien n'est réel ici : des données fictives pour tester, des enregistrements sans aucun effet juridique.",
            "Nichts hiervon ist echt: fiktive Daten zum Testen, Registrierungen ohne jede Rechtswirkung.",
            "Nothing here is real: fictitious data for testing, registrations without any legal effect.",
        ],
    ),
    ("e.first", ["Eerste pagina", "Première page", "Erste Seite", "First page"]),
    (
        "e.count_more",
        [
            "meer dan {n} registraties",
            "plus de {n} enregistrements",
            "mehr als {n} Registrierungen",
            "more than {n} registrations",
        ],
    ),
    ("e.role.inspector", ["sociaal inspecteur", "inspecteur social", "Sozialinspektor", "social inspector"]),
    ("web.home", ["Naar de startpagina", "Vers la page d'accueil", "Zur Startseite", "To the front page"]),
    (
        "web.bad_address",
        [
            "Dit adres klopt niet",
            "Cette adresse n'est pas valable",
            "Diese Adresse ist ungültig",
            "This address is not valid",
        ],
    ),
    (
        "web.query_repeated",
        [
            "De parameter {name} staat meer dan eens in het adres: geef hem één keer.",
            "Le paramètre {name} figure plus d'une fois dans l'adresse : donnez-le une seule fois.",
            "Der Parameter {name} steht mehr als einmal in der Adresse: Geben Sie ihn nur einmal an.",
            "The parameter {name} is given more than once in the address: give it once.",
        ],
    ),
    (
        "web.query_unreadable",
        [
            "De parameters van het adres zijn onleesbaar.",
            "Les paramètres de l'adresse sont illisibles.",
            "Die Parameter der Adresse sind unlesbar.",
            "The address's parameters cannot be read.",
        ],
    ),
    (
        "web.path_not_utf8",
        [
            "Het deel {name} van het adres is geen geldige tekst (UTF-8).",
            "La partie {name} de l'adresse n'est pas un texte valable (UTF-8).",
            "Der Teil {name} der Adresse ist kein gültiger Text (UTF-8).",
            "The part {name} of the address is not valid text (UTF-8).",
        ],
    ),
    (
        "web.path_unreadable",
        [
            "Dit adres is onleesbaar.",
            "Cette adresse est illisible.",
            "Diese Adresse ist unlesbar.",
            "This address cannot be read.",
        ],
    ),
    (
        "web.form_too_large_title",
        ["Formulier te groot", "Formulaire trop volumineux", "Formular zu groß", "Form too large"],
    ),
    (
        "web.form_too_large",
        [
            "Het formulier is groter dan {limit} en werd niet gelezen: er werd niets bewaard of gewijzigd.",
            "Le formulaire dépasse {limit} et n'a pas été lu : rien n'a été enregistré ni modifié.",
            "Das Formular ist größer als {limit} und wurde nicht gelesen: Es wurde nichts gespeichert oder geändert.",
            "The form is larger than {limit} and was not read: nothing was saved or changed.",
        ],
    ),
    (
        "web.form_unreadable_title",
        ["Formulier onleesbaar", "Formulaire illisible", "Formular unlesbar", "Form not readable"],
    ),
    (
        "ep.filter_too_long",
        [
            "De filter {field} is te lang: hoogstens {max} tekens.",
            "Le filtre {field} est trop long : {max} caractères au plus.",
            "Der Filter {field} ist zu lang: höchstens {max} Zeichen.",
            "The filter {field} is too long: at most {max} characters.",
        ],
    ),
    (
        "ep.filters_too_long",
        [
            "De filters samen zijn te lang voor het adres van de pagina: hoogstens {max} bytes (tekens buiten ASCII tellen voor meer dan één). Kort ze in.",
            "Ensemble, les filtres sont trop longs pour l'adresse de la page : {max} octets au plus (un caractère hors ASCII en compte plusieurs). Raccourcissez-les.",
            "Zusammen sind die Filter zu lang für die Adresse der Seite: höchstens {max} Bytes (ein Zeichen außerhalb von ASCII zählt mehrfach). Kürzen Sie sie.",
            "Together, the filters are too long for the page's address: at most {max} bytes (a character outside ASCII counts as several). Shorten them.",
        ],
    ),
    (
        "web.form_type",
        [
            "Dit formulier wordt verstuurd als application/x-www-form-urlencoded, niet als {type}: er werd niets bewaard of gewijzigd.",
            "Ce formulaire s'envoie en application/x-www-form-urlencoded, pas en {type} : rien n'a été enregistré ni modifié.",
            "Dieses Formular wird als application/x-www-form-urlencoded gesendet, nicht als {type}: Es wurde nichts gespeichert oder geändert.",
            "This form is sent as application/x-www-form-urlencoded, not as {type}: nothing was saved or changed.",
        ],
    ),
    (
        "web.form_field_twice",
        [
            "Het veld {field} werd twee keer verstuurd: er werd niets bewaard of gewijzigd.",
            "Le champ {field} a été envoyé deux fois : rien n'a été enregistré ni modifié.",
            "Das Feld {field} wurde zweimal gesendet: Es wurde nichts gespeichert oder geändert.",
            "The field {field} was sent twice: nothing was saved or changed.",
        ],
    ),
    (
        "web.form_not_utf8",
        [
            "Het veld {field} bevat bytes die geen tekst (UTF-8) zijn: er werd niets bewaard of gewijzigd.",
            "Le champ {field} contient des octets qui ne sont pas du texte (UTF-8) : rien n'a été enregistré ni modifié.",
            "Das Feld {field} enthält Bytes, die kein Text (UTF-8) sind: Es wurde nichts gespeichert oder geändert.",
            "The field {field} holds bytes that are not text (UTF-8): nothing was saved or changed.",
        ],
    ),
    (
        "web.form_unreadable",
        [
            "Het formulier kon niet volledig gelezen worden: er werd niets bewaard of gewijzigd. Probeer opnieuw.",
            "Le formulaire n'a pas pu être lu entièrement : rien n'a été enregistré ni modifié. Réessayez.",
            "Das Formular konnte nicht vollständig gelesen werden: Es wurde nichts gespeichert oder geändert. Versuchen Sie es erneut.",
            "The form could not be read in full: nothing was saved or changed. Try again.",
        ],
    ),
    ("web.not_found_title", ["Pagina niet gevonden", "Page introuvable", "Seite nicht gefunden", "Page not found"]),
    (
        "web.not_found",
        [
            "Op dit adres staat geen pagina. Controleer het adres, of ga naar de startpagina.",
            "Il n'y a pas de page à cette adresse. Vérifiez l'adresse, ou allez à la page d'accueil.",
            "Unter dieser Adresse gibt es keine Seite. Prüfen Sie die Adresse, oder gehen Sie zur Startseite.",
            "There is no page at this address. Check the address, or go to the front page.",
        ],
    ),
    ("web.target_too_long_title", ["Adres te lang", "Adresse trop longue", "Adresse zu lang", "Address too long"]),
    (
        "web.header_fields_title",
        ["Kopregels te groot", "En-têtes trop grands", "Kopfzeilen zu groß", "Header fields too large"],
    ),
    (
        "web.target_too_long",
        [
            "Het adres van deze pagina is te lang: hoogstens {max} bytes. Open de pagina met een link of verstuur haar formulier.",
            "L'adresse de cette page est trop longue : {max} octets au plus. Ouvrez la page par un lien ou envoyez son formulaire.",
            "Die Adresse dieser Seite ist zu lang: höchstens {max} Bytes. Öffnen Sie die Seite über einen Link oder senden Sie ihr Formular.",
            "The address of this page is too long: at most {max} bytes. Open the page with a link or send its form.",
        ],
    ),
    (
        "web.too_many_header_fields",
        [
            "Uw browser stuurde te veel kopregels: hoogstens {max}. Een extensie of een proxy kan ze toevoegen: probeer het zonder.",
            "Votre navigateur a envoyé trop de champs d'en-tête : {max} au plus. Une extension ou un proxy peut les ajouter : réessayez sans.",
            "Ihr Browser hat zu viele Kopfzeilen gesendet: höchstens {max}. Eine Erweiterung oder ein Proxy kann sie hinzufügen: versuchen Sie es ohne.",
            "Your browser sent too many header fields: at most {max}. An extension or a proxy may add them: try without.",
        ],
    ),
    (
        "web.header_fields_too_large",
        [
            "Uw browser stuurde te grote kopregels: hoogstens {max} bytes. Verwijder de cookies van deze site en probeer opnieuw.",
            "Votre navigateur a envoyé des champs d'en-tête trop grands : {max} octets au plus. Supprimez les cookies de ce site et réessayez.",
            "Ihr Browser hat zu große Kopfzeilen gesendet: höchstens {max} Bytes. Löschen Sie die Cookies dieser Website und versuchen Sie es erneut.",
            "Your browser sent header fields that are too large: at most {max} bytes. Delete this site's cookies and try again.",
        ],
    ),
    ("web.method_title", ["Niet toegestaan", "Non autorisé", "Nicht erlaubt", "Not allowed"]),
    (
        "web.unavailable",
        [
            "De dienst is even niet beschikbaar: er is niets gewijzigd. Probeer het zo meteen opnieuw.",
            "Le service est momentanément indisponible : rien n'a été modifié. Réessayez dans un instant.",
            "Der Dienst ist gerade nicht verfügbar: Es wurde nichts geändert. Versuchen Sie es gleich noch einmal.",
            "The service is unavailable for a moment: nothing was changed. Try again in a moment.",
        ],
    ),
    (
        "web.method",
        [
            "Deze pagina aanvaardt geen {method}-verzoeken. Open ze met een link of verstuur haar formulier.",
            "Cette page n'accepte pas les requêtes {method}. Ouvrez-la par un lien ou envoyez son formulaire.",
            "Diese Seite nimmt keine {method}-Anfragen an. Öffnen Sie sie über einen Link oder senden Sie ihr Formular.",
            "This page does not accept {method} requests. Open it with a link or send its form.",
        ],
    ),
    // The refusals of the security page (passkeys, sessions), by code.
    (
        "ep.err.passkey.expired",
        [
            "De aanvraag voor de passkey geldt niet meer (verlopen, of van een andere sessie): probeer opnieuw.",
            "La demande de clé d'accès n'est plus valable (expirée, ou d'une autre session) : réessayez.",
            "Die Passkey-Anfrage gilt nicht mehr (abgelaufen oder aus einer anderen Sitzung): Versuchen Sie es erneut.",
            "The passkey request is no longer valid (it expired, or is from another session): try again.",
        ],
    ),
    (
        "ep.err.passkey.state",
        [
            "De aanvraag voor de passkey is ongeldig: laad de pagina opnieuw en begin opnieuw.",
            "La demande de clé d'accès n'est pas valable : rechargez la page et recommencez.",
            "Die Passkey-Anfrage ist ungültig: Laden Sie die Seite neu und beginnen Sie von vorn.",
            "The passkey request is not valid: reload the page and start again.",
        ],
    ),
    (
        "ep.err.passkey.known",
        [
            "Deze passkey is al geregistreerd.",
            "Cette clé d'accès est déjà enregistrée.",
            "Dieser Passkey ist bereits registriert.",
            "This passkey is already registered.",
        ],
    ),
    (
        "ep.err.passkey.unknown",
        [
            "Deze passkey is niet van u, of hij werd al verwijderd: er werd niets verwijderd.",
            "Cette clé d'accès n'est pas la vôtre, ou elle a déjà été supprimée : rien n'a été supprimé.",
            "Dieser Passkey gehört nicht Ihnen, oder er wurde bereits entfernt: Es wurde nichts entfernt.",
            "This passkey is not one of yours, or it was removed already: nothing was removed.",
        ],
    ),
    (
        "ep.err.security.refused",
        [
            "Dit werd geweigerd. Meld u opnieuw aan en probeer het nog eens.",
            "Cela a été refusé. Reconnectez-vous et réessayez.",
            "Das wurde abgelehnt. Melden Sie sich erneut an und versuchen Sie es noch einmal.",
            "This was refused. Sign in again and try once more.",
        ],
    ),
    // The audit log: each action as a label, then the names of the details.
    ("e.page_of", ["Pagina {n} van {total}", "Page {n} sur {total}", "Seite {n} von {total}", "Page {n} of {total}"]),
    (
        "audit.registration.search",
        ["Registraties opgezocht", "Enregistrements recherchés", "Registrierungen gesucht", "Registrations searched"],
    ),
    (
        "audit.registration.export",
        [
            "Registraties geëxporteerd",
            "Enregistrements exportés",
            "Registrierungen exportiert",
            "Registrations exported",
        ],
    ),
    (
        "audit.registration.consult",
        ["Registratie ingekeken", "Enregistrement consulté", "Registrierung eingesehen", "Registration consulted"],
    ),
    (
        "audit.registration.cancel",
        ["Registratie geannuleerd", "Enregistrement annulé", "Registrierung storniert", "Registration cancelled"],
    ),
    (
        "audit.registration.on_site",
        [
            "Aanwezigen op de werkplaats ingekeken",
            "Présents sur le chantier consultés",
            "Anwesende auf der Baustelle eingesehen",
            "Who is on site consulted",
        ],
    ),
    (
        "audit.inspection.on_site",
        [
            "Aanwezigen ingekeken door een inspecteur",
            "Présents consultés par un inspecteur",
            "Anwesende von einem Inspektor eingesehen",
            "Who is on site consulted by an inspector",
        ],
    ),
    (
        "audit.registration.remarks",
        ["Opmerkingen geteld", "Remarques comptées", "Bemerkungen gezählt", "Remarks counted"],
    ),
    ("audit.employer.invitation", ["Uitnodiging gemaakt", "Invitation créée", "Einladung erstellt", "Invitation made"]),
    (
        "audit.employer.enrol",
        ["Aanmelding ingesteld", "Connexion configurée", "Anmeldung eingerichtet", "Sign-in set up"],
    ),
    ("audit.employer.sign_in", ["Aangemeld", "Connexion", "Angemeldet", "Signed in"]),
    (
        "audit.employer.sign_in_failed",
        ["Aanmelden mislukt", "Échec de connexion", "Anmeldung fehlgeschlagen", "Sign-in failed"],
    ),
    (
        "audit.employer.sign_in_forgotten",
        [
            "Aanmelding vergeten (sleutel verloren)",
            "Connexion oubliée (clé perdue)",
            "Anmeldung vergessen (Schlüssel verloren)",
            "Sign-in forgotten (key lost)",
        ],
    ),
    (
        "audit.employer.passkey_added",
        ["Passkey toegevoegd", "Clé d'accès ajoutée", "Passkey hinzugefügt", "Passkey added"],
    ),
    (
        "audit.employer.passkey_removed",
        ["Passkey verwijderd", "Clé d'accès supprimée", "Passkey entfernt", "Passkey removed"],
    ),
    (
        "audit.employer.sessions_ended",
        [
            "Afgemeld op andere toestellen",
            "Déconnecté sur d'autres appareils",
            "Auf anderen Geräten abgemeldet",
            "Signed out on other devices",
        ],
    ),
    ("audit.enterprise.user.add", ["Rol toegekend", "Rôle attribué", "Rolle vergeben", "Role given"]),
    ("audit.enterprise.user.remove", ["Rol ingetrokken", "Rôle retiré", "Rolle entzogen", "Role withdrawn"]),
    (
        "audit.channel.account.create",
        ["REST-account aangemaakt", "Compte REST créé", "REST-Konto angelegt", "REST account created"],
    ),
    (
        "audit.channel.account.disable",
        ["REST-account uitgeschakeld", "Compte REST désactivé", "REST-Konto deaktiviert", "REST account disabled"],
    ),
    (
        "audit.channel.account.enable",
        ["REST-account ingeschakeld", "Compte REST réactivé", "REST-Konto aktiviert", "REST account enabled"],
    ),
    (
        "audit.channel.account.permissions",
        [
            "Rechten van een REST-account gewijzigd",
            "Droits d'un compte REST modifiés",
            "Rechte eines REST-Kontos geändert",
            "REST account permissions changed",
        ],
    ),
    (
        "audit.channel.certificate.add",
        ["Certificaat toegevoegd", "Certificat ajouté", "Zertifikat hinzugefügt", "Certificate added"],
    ),
    (
        "audit.channel.certificate.revoke",
        ["Certificaat ingetrokken", "Certificat révoqué", "Zertifikat widerrufen", "Certificate revoked"],
    ),
    (
        "audit.declaration.create",
        [
            "Aangifte van werken ingediend",
            "Déclaration de travaux introduite",
            "Arbeitsmeldung eingereicht",
            "Declaration of works made",
        ],
    ),
    (
        "audit.declaration.subcontractor.add",
        ["Onderaannemer toegevoegd", "Sous-traitant ajouté", "Subunternehmer hinzugefügt", "Subcontractor added"],
    ),
    (
        "audit.declaration.subcontractor.end",
        ["Onderaanneming beëindigd", "Sous-traitance terminée", "Subunternehmervertrag beendet", "Subcontract ended"],
    ),
    (
        "audit.declaration.close",
        [
            "Aangifte van werken afgesloten",
            "Déclaration de travaux clôturée",
            "Arbeitsmeldung abgeschlossen",
            "Declaration of works closed",
        ],
    ),
    (
        "audit.oauth.token",
        ["Toegangstoken uitgereikt", "Jeton d'accès délivré", "Zugriffstoken ausgestellt", "Access token issued"],
    ),
    (
        "audit.reference.import",
        [
            "Referentiegegevens geladen",
            "Données de référence chargées",
            "Referenzdaten geladen",
            "Reference data loaded",
        ],
    ),
    (
        "audit.validation.revalidate",
        ["Opnieuw gevalideerd", "Revalidation demandée", "Erneut validiert", "Revalidation queued"],
    ),
    (
        "audit.simulation.reset",
        ["Simulatie teruggezet", "Simulation réinitialisée", "Simulation zurückgesetzt", "Simulation reset"],
    ),
    (
        "audit.simulation.sweep",
        [
            "Dag afgesloten (simulatie)",
            "Journée clôturée (simulation)",
            "Tag abgeschlossen (Simulation)",
            "Day ended (simulation)",
        ],
    ),
    ("audit.field.ssin", ["INSZ", "NISS", "INSZ", "SSIN"]),
    ("audit.field.person", ["Persoon", "Personne", "Person", "Person"]),
    (
        "audit.field.contractualRelationshipReference",
        ["Aangifte van werken", "Déclaration de travaux", "Arbeitsmeldung", "Declaration of works"],
    ),
    ("audit.field.limosaId", ["Limosa-id", "Identifiant Limosa", "Limosa-ID", "Limosa id"]),
    ("audit.field.returned", ["Getoond", "Affichés", "Angezeigt", "Shown"]),
    ("audit.field.total", ["Totaal", "Total", "Gesamt", "Total"]),
    ("audit.field.reason", ["Reden", "Motif", "Grund", "Reason"]),
    ("audit.field.present", ["Aanwezig", "Présents", "Anwesend", "Present"]),
    ("audit.field.credentialId", ["Passkey", "Clé d'accès", "Passkey", "Passkey"]),
    ("audit.field.secondFactor", ["Tweede factor", "Second facteur", "Zweiter Faktor", "Second factor"]),
    ("audit.field.sessions", ["Sessies", "Sessions", "Sitzungen", "Sessions"]),
    ("audit.field.others", ["Alle andere", "Tous les autres", "Alle anderen", "All the others"]),
    ("audit.field.attempts", ["Pogingen", "Tentatives", "Versuche", "Attempts"]),
    ("audit.field.scope", ["Rechten", "Droits", "Rechte", "Scope"]),
    ("audit.field.tokenId", ["Token", "Jeton", "Token", "Token"]),
    ("audit.field.permissions", ["Rechten", "Droits", "Rechte", "Permissions"]),
    ("audit.field.certificates", ["Certificaten", "Certificats", "Zertifikate", "Certificates"]),
    ("audit.field.certificate", ["Certificaat", "Certificat", "Zertifikat", "Certificate"]),
    ("audit.field.fingerprint", ["Vingerafdruk", "Empreinte", "Fingerabdruck", "Fingerprint"]),
    ("audit.field.enterprise", ["Onderneming", "Entreprise", "Unternehmen", "Enterprise"]),
    ("audit.field.site", ["Werkplaats", "Chantier", "Baustelle", "Site"]),
    ("audit.field.sector", ["Sector", "Secteur", "Sektor", "Sector"]),
    ("audit.field.postCode", ["Postcode", "Code postal", "Postleitzahl", "Post code"]),
    ("audit.field.startDate", ["Begindatum", "Date de début", "Beginn", "Start date"]),
    ("audit.field.endDate", ["Einddatum", "Date de fin", "Ende", "End date"]),
    (
        "audit.field.previousEndDate",
        ["Vorige einddatum", "Date de fin précédente", "Bisheriges Ende", "Previous end date"],
    ),
    ("audit.field.principal", ["Opdrachtgever", "Maître d'ouvrage", "Auftraggeber", "Principal"]),
    ("audit.field.parent", ["Onder", "Sous", "Unter", "Under"]),
    ("audit.field.alsoEnded", ["Ook beëindigd", "Aussi terminés", "Ebenfalls beendet", "Also ended"]),
    (
        "audit.field.subcontractsEnded",
        [
            "Beëindigde onderaannemingen",
            "Sous-traitances terminées",
            "Beendete Subunternehmerverträge",
            "Subcontracts ended",
        ],
    ),
    ("audit.field.queued", ["In de wachtrij", "Mis en file", "Eingereiht", "Queued"]),
    ("audit.field.rows", ["Rijen", "Lignes", "Zeilen", "Rows"]),
    ("audit.field.changed", ["Gewijzigd", "Modifiées", "Geändert", "Changed"]),
];

/// The text of `key` in `lang`. An unknown key is a programming error: the
/// tests, which render every page in every language, panic on it; a release
/// build shows nothing rather than fail the page.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let found = lookup(lang, key);
    debug_assert!(found.is_some(), "missing i18n key {key:?}");
    found.unwrap_or("")
}

/// The text of `key` in `lang`, if there is such a key (for keys made from
/// data: a remark code, a sign-in provider, an error code).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    tables().flat_map(|t| t.iter()).find(|(k, _)| *k == key).map(|(_, texts)| texts[lang.column()])
}

/// The tables: this module's, and those of the page modules that keep
/// their own texts beside them.
fn tables() -> impl Iterator<Item = &'static [(&'static str, [&'static str; 4])]> {
    [TEXTS, WORKER_TEXTS, crate::channel_pages::TEXTS, crate::declaration_pages::TEXTS, crate::home::TEXTS].into_iter()
}

/// Every key of the tables (for tests).
pub fn keys() -> impl Iterator<Item = &'static str> {
    tables().flat_map(|t| t.iter()).map(|(k, _)| *k)
}

/// The worker's pages: their notices, and the rules their refusals name,
/// keyed by the refusal's code (`error.{code}`; `w.` for the worker's own
/// wording of a text the employer pages say with "u").
pub(crate) const WORKER_TEXTS: &[(&str, [&str; 4])] = &[
    ("yesterday", ["gisteren", "hier", "gestern", "yesterday"]),
    (
        "elsewhere_in",
        [
            "Je bent nog IN op {site} sinds {time}.",
            "Vous êtes encore IN sur {site} depuis {time}.",
            "Sie sind noch IN auf {site} seit {time}.",
            "You are still IN at {site} since {time}.",
        ],
    ),
    (
        "elsewhere_hint",
        [
            "Ben je daar weg? Registreer daar eerst OUT: een IN hier terwijl je daar IN bent, is ongeldig.",
            "Vous en êtes parti ? Enregistrez d'abord OUT là-bas : un IN ici pendant que vous y êtes IN n'est pas valide.",
            "Haben Sie ihn verlassen? Registrieren Sie dort zuerst OUT: Ein IN hier, während Sie dort IN sind, ist ungültig.",
            "Have you left it? Register OUT there first: an IN here while you are IN there is invalid.",
        ],
    ),
    (
        "button.OUT_at",
        [
            "OUT registreren op {site}",
            "Enregistrer OUT sur {site}",
            "OUT auf {site} registrieren",
            "Register OUT at {site}",
        ],
    ),
    ("continue_to", ["Verder naar {site}", "Continuer vers {site}", "Weiter zu {site}", "Continue to {site}"]),
    (
        "notice.not_started",
        [
            "Deze aangifte begint pas op {date}: een registratie vandaag is ongeldig.",
            "Cette déclaration ne commence que le {date} : un enregistrement aujourd'hui n'est pas valide.",
            "Diese Arbeitsmeldung beginnt erst am {date}: Eine Registrierung heute ist ungültig.",
            "This declaration only starts on {date}: a registration today is invalid.",
        ],
    ),
    (
        "notice.ended",
        [
            "Deze aangifte is afgelopen op {date}: een registratie vandaag is ongeldig.",
            "Cette déclaration a pris fin le {date} : un enregistrement aujourd'hui n'est pas valide.",
            "Diese Arbeitsmeldung endete am {date}: Eine Registrierung heute ist ungültig.",
            "This declaration ended on {date}: a registration today is invalid.",
        ],
    ),
    (
        "notice.not_subject",
        [
            "Deze werkplaats valt niet onder de registratieplicht: hier hoef je je aanwezigheid niet te registreren.",
            "Ce lieu de travail n'est pas soumis à l'enregistrement des présences : vous ne devez pas vous y enregistrer.",
            "Dieser Arbeitsplatz unterliegt nicht der Registrierungspflicht: Hier müssen Sie Ihre Anwesenheit nicht registrieren.",
            "This workplace is not subject to registration of presences: you need not register here.",
        ],
    ),
    (
        "notice.employer_not_in_chain",
        [
            "Je gekende werkgever staat niet in deze aangifte (als aannemer of onderaannemer): een registratie voor hem is ongeldig. Kies hieronder een andere werkgever of geef het ondernemingsnummer van de werkgever voor wie je hier werkt.",
            "Votre employeur connu ne figure pas dans cette déclaration (comme entrepreneur ou sous-traitant) : un enregistrement pour lui n'est pas valide. Choisissez ci-dessous un autre employeur ou indiquez le numéro d'entreprise de l'employeur pour qui vous travaillez ici.",
            "Ihr bekannter Arbeitgeber steht nicht in dieser Arbeitsmeldung (als Unternehmer oder Subunternehmer): Eine Registrierung für ihn ist ungültig. Wählen Sie unten einen anderen Arbeitgeber oder geben Sie die Unternehmensnummer des Arbeitgebers an, für den Sie hier arbeiten.",
            "Your known employer is not in this declaration (as contractor or subcontractor): a registration for them is invalid. Choose another employer below, or give the enterprise number of the employer you work for here.",
        ],
    ),
    ("employer_other", ["Een andere werkgever", "Un autre employeur", "Ein anderer Arbeitgeber", "Another employer"]),
    (
        "forgot_pin",
        [
            "Pincode vergeten of een nieuwe telefoon? Vraag je werkgever een nieuwe activeringscode en geef die hieronder in.",
            "Code PIN oublié ou nouveau téléphone ? Demandez un nouveau code d'activation à votre employeur et introduisez-le ci-dessous.",
            "PIN vergessen oder neues Telefon? Bitten Sie Ihren Arbeitgeber um einen neuen Aktivierungscode und geben Sie ihn unten ein.",
            "Forgot your PIN or changed phone? Ask your employer for a new activation code and enter it below.",
        ],
    ),
    (
        "w.sessions_title",
        ["Waar je aangemeld bent", "Où vous êtes connecté", "Wo Sie angemeldet sind", "Where you are signed in"],
    ),
    (
        "w.sessions_intro",
        [
            "Elke telefoon of browser waarmee je je aanmeldde. Meld af wat je niet herkent of niet meer gebruikt: daar moet je je dan opnieuw aanmelden.",
            "Chaque téléphone ou navigateur avec lequel vous vous êtes connecté. Déconnectez ce que vous ne reconnaissez pas ou n'utilisez plus : il faudra s'y reconnecter.",
            "Jedes Telefon und jeder Browser, mit dem Sie sich angemeldet haben. Melden Sie ab, was Sie nicht erkennen oder nicht mehr benutzen: dort ist dann eine neue Anmeldung nötig.",
            "Every phone or browser you signed in with. Sign out what you do not recognise or no longer use: it will have to sign in again.",
        ],
    ),
    (
        "w.error.clientReference.reused",
        [
            "Deze pagina werd al gebruikt voor een andere registratie: er werd niets geregistreerd. Open de pagina van de werkplaats opnieuw en tik nog eens.",
            "Cette page a déjà servi à un autre enregistrement : rien n'a été enregistré. Rouvrez la page du lieu de travail et touchez à nouveau.",
            "Diese Seite wurde schon für eine andere Registrierung benutzt: Es wurde nichts registriert. Öffnen Sie die Seite des Arbeitsplatzes erneut und tippen Sie noch einmal.",
            "This page was already used for another registration: nothing was registered. Open the workplace's page again and tap once more.",
        ],
    ),
    (
        "w.error.session.unknown",
        [
            "Dit is geen van je sessies, of ze is al afgemeld: er werd niets afgemeld.",
            "Ce n'est pas une de vos sessions, ou elle est déjà déconnectée : rien n'a été déconnecté.",
            "Dies ist keine Ihrer Sitzungen, oder sie ist bereits abgemeldet: Es wurde nichts abgemeldet.",
            "This is not one of your sessions, or it has ended already: nothing was signed out.",
        ],
    ),
    (
        "w.error.session.others",
        [
            "Alle andere afmelden vraag je met de knop op deze pagina ({field}=1): er werd niets afgemeld.",
            "Déconnecter tous les autres se demande avec le bouton de cette page ({field}=1) : rien n'a été déconnecté.",
            "Alle anderen abmelden fordern Sie mit der Schaltfläche auf dieser Seite an ({field}=1): Es wurde nichts abgemeldet.",
            "Signing out all the others is asked with the button on this page ({field}=1): nothing was signed out.",
        ],
    ),
    (
        "w.error.session.request",
        [
            "Kies welke sessie je afmeldt, of meld alle andere af: er werd niets afgemeld.",
            "Choisissez la session à déconnecter, ou déconnectez toutes les autres : rien n'a été déconnecté.",
            "Wählen Sie, welche Sitzung Sie abmelden, oder melden Sie alle anderen ab: Es wurde nichts abgemeldet.",
            "Choose which session to sign out, or sign out all the others: nothing was signed out.",
        ],
    ),
    (
        "error.pin.rule.digits",
        [
            "Een pincode bevat alleen de cijfers 0 tot 9.",
            "Un code PIN ne contient que les chiffres 0 à 9.",
            "Eine PIN enthält nur die Ziffern 0 bis 9.",
            "A PIN contains only the digits 0 to 9.",
        ],
    ),
    (
        "error.pin.rule.short",
        [
            "Een pincode heeft minstens 6 cijfers.",
            "Un code PIN a au moins 6 chiffres.",
            "Eine PIN hat mindestens 6 Ziffern.",
            "A PIN has at least 6 digits.",
        ],
    ),
    (
        "error.pin.rule.long",
        [
            "Een pincode heeft hoogstens 12 cijfers.",
            "Un code PIN a au plus 12 chiffres.",
            "Eine PIN hat höchstens 12 Ziffern.",
            "A PIN has at most 12 digits.",
        ],
    ),
    (
        "error.pin.rule.same",
        [
            "Een pincode mag niet één cijfer herhalen (zoals 111111).",
            "Un code PIN ne peut pas répéter un seul chiffre (comme 111111).",
            "Eine PIN darf nicht eine einzige Ziffer wiederholen (wie 111111).",
            "A PIN may not repeat a single digit (like 111111).",
        ],
    ),
    (
        "error.pin.rule.run",
        [
            "Een pincode mag geen oplopende of aflopende reeks zijn (zoals 123456 of 987654).",
            "Un code PIN ne peut pas être une suite croissante ou décroissante (comme 123456 ou 987654).",
            "Eine PIN darf keine auf- oder absteigende Folge sein (wie 123456 oder 987654).",
            "A PIN may not be an ascending or descending run of digits (like 123456 or 987654).",
        ],
    ),
    (
        "error.ssin.empty",
        [
            "Geef je rijksregisternummer.",
            "Indiquez votre numéro de registre national.",
            "Geben Sie Ihre Nationalregisternummer an.",
            "Give your national register number.",
        ],
    ),
    (
        "error.ssin.format",
        [
            "Een rijksregisternummer bevat alleen cijfers (punten, streepjes en spaties mogen).",
            "Un numéro de registre national ne contient que des chiffres (points, tirets et espaces permis).",
            "Eine Nationalregisternummer enthält nur Ziffern (Punkte, Bindestriche und Leerzeichen sind erlaubt).",
            "A national register number contains only digits (dots, dashes and spaces are allowed).",
        ],
    ),
    (
        "error.ssin.length",
        [
            "Een rijksregisternummer heeft 11 cijfers.",
            "Un numéro de registre national a 11 chiffres.",
            "Eine Nationalregisternummer hat 11 Ziffern.",
            "A national register number has 11 digits.",
        ],
    ),
    (
        "error.ssin.month",
        [
            "Dit rijksregisternummer is niet geldig: cijfers 3 en 4 zijn de geboortemaand.",
            "Ce numéro de registre national n'est pas valide : les chiffres 3 et 4 sont le mois de naissance.",
            "Diese Nationalregisternummer ist ungültig: Ziffern 3 und 4 sind der Geburtsmonat.",
            "This national register number is not valid: digits 3 and 4 are the birth month.",
        ],
    ),
    (
        "error.ssin.day",
        [
            "Dit rijksregisternummer is niet geldig: cijfers 5 en 6 zijn de geboortedag.",
            "Ce numéro de registre national n'est pas valide : les chiffres 5 et 6 sont le jour de naissance.",
            "Diese Nationalregisternummer ist ungültig: Ziffern 5 und 6 sind der Geburtstag.",
            "This national register number is not valid: digits 5 and 6 are the birth day.",
        ],
    ),
    (
        "error.ssin.checkDigit",
        [
            "Dit rijksregisternummer is niet geldig: de controlecijfers kloppen niet. Controleer het op je kaart.",
            "Ce numéro de registre national n'est pas valide : les chiffres de contrôle sont faux. Vérifiez-le sur votre carte.",
            "Diese Nationalregisternummer ist ungültig: Die Prüfziffern stimmen nicht. Prüfen Sie sie auf Ihrer Karte.",
            "This national register number is not valid: its check digits are wrong. Check it on your card.",
        ],
    ),
    (
        "error.enterpriseNumber.empty",
        [
            "Geef het ondernemingsnummer van je werkgever.",
            "Indiquez le numéro d'entreprise de votre employeur.",
            "Geben Sie die Unternehmensnummer Ihres Arbeitgebers an.",
            "Give your employer's enterprise number.",
        ],
    ),
    (
        "error.enterpriseNumber.format",
        [
            "Een ondernemingsnummer bevat alleen cijfers (BE vooraan, punten en spaties mogen).",
            "Un numéro d'entreprise ne contient que des chiffres (BE devant, points et espaces permis).",
            "Eine Unternehmensnummer enthält nur Ziffern (BE davor, Punkte und Leerzeichen sind erlaubt).",
            "An enterprise number contains only digits (a BE in front, dots and spaces are allowed).",
        ],
    ),
    (
        "error.enterpriseNumber.length",
        [
            "Een ondernemingsnummer heeft 10 cijfers, zoals 0123.456.749.",
            "Un numéro d'entreprise a 10 chiffres, comme 0123.456.749.",
            "Eine Unternehmensnummer hat 10 Ziffern, wie 0123.456.749.",
            "An enterprise number has 10 digits, such as 0123.456.749.",
        ],
    ),
    (
        "error.enterpriseNumber.firstDigit",
        [
            "Een ondernemingsnummer begint met 0 of 1.",
            "Un numéro d'entreprise commence par 0 ou 1.",
            "Eine Unternehmensnummer beginnt mit 0 oder 1.",
            "An enterprise number starts with 0 or 1.",
        ],
    ),
    (
        "error.enterpriseNumber.checkDigit",
        [
            "Dit ondernemingsnummer is niet geldig: de controlecijfers kloppen niet.",
            "Ce numéro d'entreprise n'est pas valide : les chiffres de contrôle sont faux.",
            "Diese Unternehmensnummer ist ungültig: Die Prüfziffern stimmen nicht.",
            "This enterprise number is not valid: its check digits are wrong.",
        ],
    ),
    (
        "error.declarationNumber.empty",
        [
            "Geef het nummer van de aangifte van werken.",
            "Indiquez le numéro de la déclaration de travaux.",
            "Geben Sie die Nummer der Arbeitsmeldung an.",
            "Give the declaration of works number.",
        ],
    ),
    (
        "error.declarationNumber.character",
        [
            "Een aangiftenummer gebruikt alleen A-H, J-N, P-Z en 0-9 (nooit I of O: typ 1 of 0).",
            "Un numéro de déclaration n'utilise que A-H, J-N, P-Z et 0-9 (jamais I ni O : tapez 1 ou 0).",
            "Eine Meldungsnummer verwendet nur A-H, J-N, P-Z und 0-9 (nie I oder O: tippen Sie 1 oder 0).",
            "A declaration number uses only A-H, J-N, P-Z and 0-9 (never I or O: type 1 or 0).",
        ],
    ),
    (
        "error.declarationNumber.length",
        [
            "Een aangiftenummer heeft 13 tekens.",
            "Un numéro de déclaration a 13 caractères.",
            "Eine Meldungsnummer hat 13 Zeichen.",
            "A declaration number has 13 characters.",
        ],
    ),
    (
        "error.declaration.unknown",
        [
            "Er is geen aangifte van werken met dit nummer. Controleer het op de affiche.",
            "Il n'y a pas de déclaration de travaux avec ce numéro. Vérifiez-le sur l'affiche.",
            "Es gibt keine Arbeitsmeldung mit dieser Nummer. Prüfen Sie sie auf dem Aushang.",
            "There is no declaration of works with this number. Check it on the poster.",
        ],
    ),
    (
        "error.employer.required",
        [
            "Kies je werkgever of geef zijn ondernemingsnummer.",
            "Choisissez votre employeur ou indiquez son numéro d'entreprise.",
            "Wählen Sie Ihren Arbeitgeber oder geben Sie seine Unternehmensnummer an.",
            "Choose your employer or give its enterprise number.",
        ],
    ),
    (
        "error.idempotencyKey.format",
        [
            "Deze pagina is verouderd: laad ze opnieuw en tik nog eens.",
            "Cette page est périmée : rechargez-la et touchez à nouveau.",
            "Diese Seite ist veraltet: Laden Sie sie neu und tippen Sie erneut.",
            "This page is out of date: reload it and tap again.",
        ],
    ),
    (
        "error.coordinates.pair",
        [
            "Je positie is onvolledig: breedte- en lengtegraad horen samen.",
            "Votre position est incomplète : latitude et longitude vont ensemble.",
            "Ihr Standort ist unvollständig: Breite und Länge gehören zusammen.",
            "Your position is incomplete: latitude and longitude go together.",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal code of the service is said in the four languages on
    /// the pages: the channel page's own words for its four, `error.{code}`
    /// for the others (what the worker and employer pages look up).
    #[test]
    fn every_refusal_of_the_service_is_translated() {
        for code in ciao_service::DENIAL_CODES {
            let key = match *code {
                "certificate.taken" => "ch.error.taken".to_string(),
                "certificateName.taken" => "ch.error.name_taken".to_string(),
                "account.unknown" => "ch.error.no_account".to_string(),
                "certificate.unknown" => "ch.error.no_certificate".to_string(),
                c => format!("error.{c}"),
            };
            for lang in Lang::ALL {
                let text = lookup(lang, &key).unwrap_or_else(|| panic!("{key} ({code}) has no text"));
                assert!(!text.trim().is_empty(), "{key} is empty in {lang:?}");
            }
            if !code.starts_with("certificate") && !code.starts_with("account") {
                assert_eq!(crate::worker::worker_error_key("", code).as_deref(), Some(key.as_str()), "{code}");
                assert!(crate::employer::employer_rule_key(code).is_some(), "{code}");
            }
        }
    }

    /// A text's placeholders (`{field}`, `{until}`, `{found}`, …) are the
    /// same in its four languages: a translation that drops one loses what
    /// the page fills in; one that adds one shows the braces.
    #[test]
    fn every_text_has_the_same_placeholders_in_each_language() {
        fn placeholders(text: &str) -> Vec<&str> {
            let mut found: Vec<&str> = text
                .match_indices('{')
                .filter_map(|(at, _)| {
                    let rest = &text[at + 1..];
                    let end = rest.find('}')?;
                    let name = &rest[..end];
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(name)
                })
                .filter(|name| !name.is_empty())
                .collect();
            found.sort_unstable();
            found
        }
        for (key, texts) in tables().flat_map(|t| t.iter()) {
            let english = placeholders(texts[Lang::En.column()]);
            for lang in Lang::ALL {
                assert_eq!(placeholders(texts[lang.column()]), english, "{key} in {lang:?}");
            }
        }
    }

    /// Every text a refusal can be shown with (the worker's, the
    /// employer's, the channel pages' and the shared families) comes out
    /// of `refusal_text` with no placeholder left, in every language.
    #[test]
    fn refusal_texts_leave_no_placeholder() {
        let mut e = ciao_domain::FieldError::new("period.from", "some.code", "refused");
        e.until = Some(time::macros::datetime!(2026-12-07 07:45:12 UTC));
        let mut checked = 0;
        for key in keys().filter(|k| ["error.", "w.error.", "ep.err.", "ch.error."].iter().any(|p| k.starts_with(p))) {
            for lang in Lang::ALL {
                let text = crate::worker::refusal_text(lang, key, "<code>from</code>", &e);
                assert!(!text.contains('{'), "{key} in {lang:?}: {text}");
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} refusal texts");
    }

    #[test]
    fn every_key_has_four_texts() {
        let mut seen = std::collections::HashSet::new();
        for (key, texts) in tables().flat_map(|t| t.iter()) {
            assert!(seen.insert(*key), "key {key} twice");
            for (lang, text) in Lang::ALL.iter().zip(texts) {
                assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
            }
        }
    }

    #[test]
    fn every_remark_has_a_text() {
        for kind in ciao_domain::remarks::RemarkKind::ALL {
            let key = format!("remark.{}", kind.code());
            assert!(keys().any(|k| k == key), "no text for {key}");
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
        h.insert("cookie", "a=b; ciao_lang=de".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::De, "the remembered choice wins over the header");
        assert_eq!(Lang::negotiate(Some("fr"), &h), Lang::Fr);
        h.remove("cookie");
        h.insert("accept-language", "nl;q=0".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &h), Lang::En);
    }
}
