//! The front page (`/`): what the service is and where each of its users
//! goes — workers to their registrations (or the QR code on site),
//! employers and contractors to `/e`, software vendors to the REST API's
//! description — in Dutch, French, German and English.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use crate::AppState;
use crate::i18n::t;
use crate::worker::{PageQuery, lang_of, remember_lang, top};
use crate::workplace::{WebQuery, html};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// The texts of this page: key, then NL, FR, DE, EN.
pub(crate) const TEXTS: &[(&str, [&str; 4])] = &[
    (
        "home.title",
        [
            "Checkinatwork: aanwezigheidsregistratie",
            "Checkinatwork : enregistrement des présences",
            "Checkinatwork: Anwesenheitsregistrierung",
            "Checkinatwork: presence registration",
        ],
    ),
    (
        "home.intro",
        [
            "Wie op een aangegeven werkplaats werkt (schoonmaak, bouw, vleessector), registreert er zelf zijn aanwezigheid, bij aankomst (IN) en bij vertrek (UIT), in real time.",
            "Les personnes qui travaillent sur un lieu de travail déclaré (nettoyage, construction, secteur de la viande) y enregistrent elles-mêmes leur présence, à l'arrivée (IN) et au départ (OUT), en temps réel.",
            "Wer an einem gemeldeten Arbeitsplatz arbeitet (Reinigung, Bau, Fleischsektor), registriert dort selbst seine Anwesenheit, bei Ankunft (IN) und Abfahrt (OUT), in Echtzeit.",
            "People working on a declared workplace (cleaning, construction, meat) register their own presence there, when they arrive (IN) and when they leave (OUT), in real time.",
        ],
    ),
    ("home.workers", ["Werknemers", "Travailleurs", "Arbeitnehmer", "Workers"]),
    (
        "home.workers_text",
        [
            "Scan de QR-code van de werkplaats met je smartphone. Al aangemeld op deze telefoon?",
            "Scannez le code QR du lieu de travail avec votre smartphone. Déjà connecté sur ce téléphone ?",
            "Scannen Sie den QR-Code des Arbeitsplatzes mit Ihrem Smartphone. Auf diesem Telefon schon angemeldet?",
            "Scan the workplace's QR code with your phone. Already signed in on this phone?",
        ],
    ),
    (
        "home.employers",
        [
            "Werkgevers, aannemers en onderaannemers",
            "Employeurs, entrepreneurs et sous-traitants",
            "Arbeitgeber, Auftragnehmer und Subunternehmer",
            "Employers, contractors and subcontractors",
        ],
    ),
    (
        "home.employers_text",
        [
            "Raadpleeg de registraties op je werven, exporteer ze en beheer de toegang van je onderneming.",
            "Consultez les enregistrements de vos chantiers, exportez-les et gérez les accès de votre entreprise.",
            "Sehen Sie die Registrierungen Ihrer Baustellen ein, exportieren Sie sie und verwalten Sie die Zugänge Ihres Unternehmens.",
            "Consult the registrations on your sites, export them and manage your enterprise's access.",
        ],
    ),
    (
        "home.employers_link",
        [
            "Aanmelden als onderneming",
            "Se connecter comme entreprise",
            "Als Unternehmen anmelden",
            "Sign in as an enterprise",
        ],
    ),
    (
        "home.vendors",
        [
            "Softwareleveranciers (badge- en track-and-trace-systemen)",
            "Éditeurs de logiciels (systèmes de badges et de suivi)",
            "Softwareanbieter (Badge- und Track-and-Trace-Systeme)",
            "Software vendors (badge and track-and-trace systems)",
        ],
    ),
    (
        "home.vendors_text",
        [
            "De REST-webservice (OAuth2 client credentials met een JWT ondertekend met de sleutel van je certificaat):",
            "Le service web REST (OAuth2 client credentials avec un JWT signé par la clé de votre certificat) :",
            "Der REST-Webservice (OAuth2 Client Credentials mit einem JWT, signiert mit dem Schlüssel Ihres Zertifikats):",
            "The REST webservice (OAuth2 client credentials with a JWT signed by the key of your certificate):",
        ],
    ),
    (
        "home.api_link",
        ["beschrijving (OpenAPI)", "description (OpenAPI)", "Beschreibung (OpenAPI)", "description (OpenAPI)"],
    ),
];

/// The page; a language chosen with the switch is remembered, as on the
/// worker's pages.
async fn home(WebQuery(q): WebQuery<PageQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(&q, &headers);
    let body = format!(
        "{top}<h1>{title}</h1><p>{intro}</p>\
         <h2>{workers}</h2><p>{workers_text} <a href=\"/w/registrations?lang={l}\">{mine}</a></p>\
         <h2>{employers}</h2><p>{employers_text}</p><p><a class=\"button\" href=\"/e?lang={l}\">{employers_link}</a></p>\
         <h2>{vendors}</h2><p>{vendors_text} <a href=\"{api}/openapi.json\">{api_link}</a>, \
         <span class=\"mono\">POST {token}</span></p>",
        top = top(lang, "/", None),
        title = t(lang, "home.title"),
        intro = t(lang, "home.intro"),
        workers = t(lang, "home.workers"),
        workers_text = t(lang, "home.workers_text"),
        mine = t(lang, "my_registrations"),
        employers = t(lang, "home.employers"),
        employers_text = t(lang, "home.employers_text"),
        employers_link = t(lang, "home.employers_link"),
        vendors = t(lang, "home.vendors"),
        vendors_text = t(lang, "home.vendors_text"),
        api = crate::API_BASE,
        api_link = t(lang, "home.api_link"),
        token = ciao_service::oauth::TOKEN_PATH,
        l = lang.code(),
    );
    remember_lang(html(StatusCode::OK, lang, t(lang, "home.title"), &body), &q)
}
