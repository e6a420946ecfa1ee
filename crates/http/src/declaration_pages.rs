//! The declarations of works in the employers' online service (`/e/declarations`):
//! the list of the declarations the enterprise is the declaring contractor,
//! the principal or a subcontractor of; a form to declare a workplace (with
//! an optional button that fills in the coordinates from the device's
//! position); and a declaration's page with its chain as a nested list, the
//! forms to add a subcontractor, end a subcontract and close the
//! declaration, and, for the enterprises of the chain, its registration URL,
//! QR code and poster. Over `ciao_service::declarations`: the same rules as
//! the CSV import, every change in the enterprise's audit log; every post
//! carries the session's anti-CSRF token.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ciao_domain::channel::Role;
use ciao_domain::reference::{Principal, Subcontractor};
use ciao_domain::{DeclarationNumber, EnterpriseNumber, FieldError};
use ciao_service::ServiceError;
use ciao_service::declarations::{
    DECLARATIONS_LIMIT, DeclarationInput, DeclarationRole, EnterpriseDeclaration, SubcontractorInput, ticked,
};

use crate::AppState;
use crate::employer::{Ctx, ctx, page, service_error_page};
use crate::i18n::{Lang, t};
use crate::worker::{FormData, service_errors, status_of, unavailable, urlencode};
use crate::workplace::{WebForm, WebPath, esc};

/// The texts of these pages: key, then NL, FR, DE, EN.
pub const TEXTS: &[(&str, [&str; 4])] = &[
    (
        "dp.intro",
        [
            "De aangiften van werken waarin uw onderneming de aangevende aannemer, de opdrachtgever of een onderaannemer is.",
            "Les déclarations de travaux où votre entreprise est l'entrepreneur déclarant, le maître d'ouvrage ou un sous-traitant.",
            "Die Arbeitsmeldungen, in denen Ihr Unternehmen meldender Auftragnehmer, Auftraggeber oder Subunternehmer ist.",
            "The declarations of works where your enterprise is the declaring contractor, the principal or a subcontractor.",
        ],
    ),
    (
        "dp.limited",
        [
            "Enkel de {n} aangiften met het laatste begin worden getoond.",
            "Seules les {n} déclarations au début le plus récent sont montrées.",
            "Nur die {n} Meldungen mit dem jüngsten Beginn werden angezeigt.",
            "Only the {n} declarations with the latest start are shown.",
        ],
    ),
    (
        "dp.none",
        [
            "Uw onderneming heeft nog geen aangiften van werken.",
            "Votre entreprise n'a pas encore de déclaration de travaux.",
            "Ihr Unternehmen hat noch keine Arbeitsmeldungen.",
            "Your enterprise has no declarations of works yet.",
        ],
    ),
    (
        "dp.new",
        ["Een werkplaats aangeven", "Déclarer un lieu de travail", "Einen Arbeitsplatz melden", "Declare a workplace"],
    ),
    (
        "dp.new_title",
        [
            "Nieuwe aangifte van werken",
            "Nouvelle déclaration de travaux",
            "Neue Arbeitsmeldung",
            "New declaration of works",
        ],
    ),
    ("dp.title", ["Aangifte van werken", "Déclaration de travaux", "Arbeitsmeldung", "Declaration of works"]),
    ("dp.site", ["Werf", "Chantier", "Baustelle", "Site"]),
    (
        "dp.your_role",
        ["Rol van uw onderneming", "Rôle de votre entreprise", "Rolle Ihres Unternehmens", "Your enterprise's role"],
    ),
    (
        "dp.role.declarer",
        ["Aangevende aannemer", "Entrepreneur déclarant", "Meldender Auftragnehmer", "Declaring contractor"],
    ),
    ("dp.role.principal", ["Opdrachtgever", "Maître d'ouvrage", "Auftraggeber", "Principal"]),
    ("dp.role.subcontractor", ["Onderaannemer", "Sous-traitant", "Subunternehmer", "Subcontractor"]),
    ("dp.site_name", ["Naam van de werf", "Nom du chantier", "Name der Baustelle", "Site name"]),
    ("dp.street", ["Straat", "Rue", "Straße", "Street"]),
    ("dp.house_number", ["Huisnummer", "Numéro", "Hausnummer", "House number"]),
    ("dp.post_code", ["Postcode", "Code postal", "Postleitzahl", "Post code"]),
    ("dp.municipality", ["Gemeente", "Commune", "Gemeinde", "Municipality"]),
    ("dp.address", ["Adres", "Adresse", "Adresse", "Address"]),
    ("dp.location", ["Ligging (optioneel)", "Localisation (facultatif)", "Lage (optional)", "Location (optional)"]),
    (
        "dp.location_hint",
        [
            "In decimale graden, zoals breedtegraad 50.8466 en lengtegraad 4.3517. Ze dienen om registraties ver van de werf te herkennen.",
            "En degrés décimaux, comme latitude 50.8466 et longitude 4.3517. Elles servent à repérer les enregistrements faits loin du chantier.",
            "In Dezimalgrad, z. B. Breitengrad 50.8466 und Längengrad 4.3517. Sie dienen dazu, Registrierungen weit von der Baustelle zu erkennen.",
            "In decimal degrees, such as latitude 50.8466 and longitude 4.3517. They serve to spot registrations made far from the site.",
        ],
    ),
    ("dp.latitude", ["Breedtegraad", "Latitude", "Breitengrad", "Latitude"]),
    ("dp.longitude", ["Lengtegraad", "Longitude", "Längengrad", "Longitude"]),
    ("dp.coordinates", ["Coördinaten", "Coordonnées", "Koordinaten", "Coordinates"]),
    (
        "dp.geo",
        [
            "Mijn huidige positie gebruiken",
            "Utiliser ma position actuelle",
            "Meine aktuelle Position verwenden",
            "Use my current position",
        ],
    ),
    (
        "dp.geo_wait",
        ["Positie wordt bepaald…", "Localisation en cours…", "Position wird bestimmt…", "Finding your position…"],
    ),
    (
        "dp.geo_done",
        [
            "Positie ingevuld (nauwkeurigheid ongeveer {m} m). Controleer ze.",
            "Position remplie (précision d'environ {m} m). Vérifiez-la.",
            "Position eingetragen (Genauigkeit etwa {m} m). Bitte prüfen.",
            "Position filled in (accuracy about {m} m). Check it.",
        ],
    ),
    (
        "dp.geo_fail",
        [
            "De positie kon niet bepaald worden: typ de coördinaten.",
            "La position n'a pas pu être déterminée : tapez les coordonnées.",
            "Die Position konnte nicht bestimmt werden: Geben Sie die Koordinaten ein.",
            "The position could not be found: type the coordinates.",
        ],
    ),
    ("dp.works", ["De werken", "Les travaux", "Die Arbeiten", "The works"]),
    ("dp.start_date", ["Begindatum", "Date de début", "Beginndatum", "Start date"]),
    ("dp.end_date", ["Einddatum", "Date de fin", "Enddatum", "End date"]),
    (
        "dp.end_hint",
        [
            "Leeg als het einde nog niet gekend is.",
            "Vide si la fin n'est pas encore connue.",
            "Leer, wenn das Ende noch nicht bekannt ist.",
            "Empty if the end is not known yet.",
        ],
    ),
    (
        "dp.amount",
        ["Bedrag excl. btw (euro)", "Montant hors TVA (euros)", "Betrag ohne MwSt. (Euro)", "Amount excl. VAT (euro)"],
    ),
    (
        "dp.amount_hint",
        [
            "Met ten hoogste twee decimalen, zoals 525000, 525000,50 of 525.000,50.",
            "Avec au plus deux décimales, comme 525000, 525000,50 ou 525 000,50.",
            "Mit höchstens zwei Dezimalstellen, z. B. 525000, 525000,50 oder 525.000,50.",
            "With at most two decimals, such as 525000, 525000.50 or 525,000.50.",
        ],
    ),
    ("dp.principal", ["Opdrachtgever", "Maître d'ouvrage", "Auftraggeber", "Principal"]),
    (
        "dp.principal_hint",
        [
            "Ondernemingsnummer, of rijksregisternummer voor een particulier; leeg als niet gekend.",
            "Numéro d'entreprise, ou numéro de registre national pour un particulier ; vide si inconnu.",
            "Unternehmensnummer oder Nationalregisternummer für eine Privatperson; leer, wenn unbekannt.",
            "Enterprise number, or national register number for a private person; empty if not known.",
        ],
    ),
    ("dp.private_person", ["Particulier", "Particulier", "Privatperson", "Private person"]),
    (
        "dp.subject",
        [
            "Onderworpen aan aanwezigheidsregistratie",
            "Soumis à l'enregistrement des présences",
            "Der Anwesenheitsregistrierung unterworfen",
            "Subject to presence registration",
        ],
    ),
    ("dp.yes", ["Ja", "Oui", "Ja", "Yes"]),
    ("dp.no", ["Nee", "Non", "Nein", "No"]),
    ("dp.create", ["Aangifte indienen", "Introduire la déclaration", "Meldung einreichen", "Submit the declaration"]),
    (
        "dp.registration",
        [
            "Registreren op deze werkplaats",
            "S'enregistrer sur ce lieu de travail",
            "Auf diesem Arbeitsplatz registrieren",
            "Registering on this workplace",
        ],
    ),
    ("dp.registration_url", ["Registratie-URL", "URL d'enregistrement", "Registrierungs-URL", "Registration URL"]),
    (
        "dp.registration_hint",
        [
            "Hang de affiche op de werf: wie er werkt, scant de QR-code. Deel de link enkel met wie op de werf werkt.",
            "Affichez l'affiche sur le chantier : ceux qui y travaillent scannent le code QR. Ne partagez le lien qu'avec eux.",
            "Hängen Sie den Aushang auf der Baustelle auf: Wer dort arbeitet, scannt den QR-Code. Teilen Sie den Link nur mit ihnen.",
            "Put the poster up on the site: whoever works there scans the QR code. Share the link only with them.",
        ],
    ),
    (
        "dp.qr_alt",
        [
            "QR-code van de registratie-URL van {site}",
            "Code QR de l'URL d'enregistrement de {site}",
            "QR-Code der Registrierungs-URL von {site}",
            "QR code of the registration URL of {site}",
        ],
    ),
    ("dp.qr_png", ["QR-code als PNG", "Code QR en PNG", "QR-Code als PNG", "QR code as PNG"]),
    (
        "dp.no_url",
        [
            "De registratie-URL en de QR-code worden enkel aan de ondernemingen van de keten getoond.",
            "L'URL d'enregistrement et le code QR ne sont montrés qu'aux entreprises de la chaîne.",
            "Registrierungs-URL und QR-Code werden nur den Unternehmen der Kette gezeigt.",
            "The registration URL and the QR code are shown only to the enterprises of the chain.",
        ],
    ),
    (
        "dp.chain",
        ["Keten van onderaannemers", "Chaîne de sous-traitants", "Kette der Subunternehmer", "Subcontractor chain"],
    ),
    (
        "dp.chain_partial",
        [
            "U ziet de aannemers boven uw onderneming en uw eigen onderaannemers.",
            "Vous voyez les entrepreneurs au-dessus de votre entreprise et vos propres sous-traitants.",
            "Sie sehen die Auftragnehmer über Ihrem Unternehmen und Ihre eigenen Subunternehmer.",
            "You see the contractors above your enterprise and your own subcontractors.",
        ],
    ),
    ("dp.you", ["uw onderneming", "votre entreprise", "Ihr Unternehmen", "your enterprise"]),
    (
        "dp.add_sub",
        [
            "Een onderaannemer toevoegen",
            "Ajouter un sous-traitant",
            "Einen Subunternehmer hinzufügen",
            "Add a subcontractor",
        ],
    ),
    (
        "dp.subcontractor",
        [
            "Ondernemingsnummer van de onderaannemer",
            "Numéro d'entreprise du sous-traitant",
            "Unternehmensnummer des Subunternehmers",
            "Enterprise number of the subcontractor",
        ],
    ),
    (
        "dp.parent",
        [
            "Onder (de aannemer die hem inschakelt)",
            "Sous (l'entrepreneur qui le fait intervenir)",
            "Unter (dem Auftragnehmer, der ihn beauftragt)",
            "Below (the contractor who engages it)",
        ],
    ),
    (
        "dp.sub_from",
        [
            "Begin van de onderaanneming",
            "Début de la sous-traitance",
            "Beginn des Subauftrags",
            "Start of the subcontract",
        ],
    ),
    (
        "dp.sub_to",
        [
            "Einde van de onderaanneming (optioneel)",
            "Fin de la sous-traitance (facultatif)",
            "Ende des Subauftrags (optional)",
            "End of the subcontract (optional)",
        ],
    ),
    ("dp.add", ["Toevoegen", "Ajouter", "Hinzufügen", "Add"]),
    (
        "dp.end_sub",
        [
            "Een onderaanneming beëindigen",
            "Mettre fin à une sous-traitance",
            "Einen Subauftrag beenden",
            "End a subcontract",
        ],
    ),
    (
        "dp.end_sub_hint",
        [
            "De onderaannemers eronder eindigen uiterlijk op dezelfde dag.",
            "Les sous-traitants en dessous se terminent au plus tard le même jour.",
            "Die Subunternehmer darunter enden spätestens am selben Tag.",
            "The subcontractors below it end on the same day at the latest.",
        ],
    ),
    ("dp.end", ["Beëindigen", "Terminer", "Beenden", "End"]),
    (
        "dp.close",
        ["De aangifte afsluiten", "Clôturer la déclaration", "Die Meldung abschließen", "Close the declaration"],
    ),
    (
        "dp.close_hint",
        [
            "De werken eindigen op deze dag; de onderaannemingen die langer lopen, eindigen dan ook.",
            "Les travaux se terminent ce jour-là ; les sous-traitances qui durent plus longtemps aussi.",
            "Die Arbeiten enden an diesem Tag; länger laufende Subaufträge enden ebenfalls.",
            "The works end on this day; subcontracts that run longer end on it too.",
        ],
    ),
    ("dp.close_button", ["Afsluiten", "Clôturer", "Abschließen", "Close"]),
    (
        "dp.read_only",
        [
            "Enkel een toegangsbeheerder of een technisch beheerder van uw onderneming wijzigt aangiften.",
            "Seuls un gestionnaire d'accès ou un administrateur technique de votre entreprise modifient les déclarations.",
            "Nur ein Zugriffsverwalter oder ein technischer Administrator Ihres Unternehmens ändert Meldungen.",
            "Only an access manager or a technical administrator of your enterprise changes declarations.",
        ],
    ),
    (
        "dp.done.created",
        [
            "De aangifte van werken is ingediend.",
            "La déclaration de travaux a été introduite.",
            "Die Arbeitsmeldung wurde eingereicht.",
            "The declaration of works was submitted.",
        ],
    ),
    (
        "dp.done.added",
        [
            "De onderaannemer is toegevoegd.",
            "Le sous-traitant a été ajouté.",
            "Der Subunternehmer wurde hinzugefügt.",
            "The subcontractor was added.",
        ],
    ),
    (
        "dp.done.ended",
        [
            "De onderaanneming is beëindigd.",
            "La sous-traitance a pris fin.",
            "Der Subauftrag wurde beendet.",
            "The subcontract was ended.",
        ],
    ),
    (
        "dp.done.closed",
        [
            "De aangifte is afgesloten.",
            "La déclaration a été clôturée.",
            "Die Meldung wurde abgeschlossen.",
            "The declaration was closed.",
        ],
    ),
    (
        "dp.back",
        ["Terug naar de aangiften", "Retour aux déclarations", "Zurück zu den Meldungen", "Back to the declarations"],
    ),
    (
        "dp.not_found",
        [
            "Deze aangifte van werken bestaat niet, of uw onderneming heeft er geen rol in.",
            "Cette déclaration de travaux n'existe pas, ou votre entreprise n'y a aucun rôle.",
            "Diese Arbeitsmeldung gibt es nicht, oder Ihr Unternehmen hat darin keine Rolle.",
            "There is no such declaration of works, or your enterprise has no role in it.",
        ],
    ),
    (
        "dp.errors_intro",
        [
            "Er werd niets opgeslagen. Verbeter deze velden:",
            "Rien n'a été enregistré. Corrigez ces champs :",
            "Es wurde nichts gespeichert. Korrigieren Sie diese Felder:",
            "Nothing was saved. Correct these fields:",
        ],
    ),
    (
        "dp.refused_intro",
        ["Er werd niets opgeslagen.", "Rien n'a été enregistré.", "Es wurde nichts gespeichert.", "Nothing was saved."],
    ),
    ("dp.rule.required", ["is verplicht.", "est obligatoire.", "ist erforderlich.", "is required."]),
    (
        "dp.rule.text.tooLong",
        [
            "is te lang: hoogstens {max} tekens.",
            "est trop long : {max} caractères au plus.",
            "ist zu lang: höchstens {max} Zeichen.",
            "is too long: at most {max} characters.",
        ],
    ),
    (
        "dp.rule.text.control",
        [
            "mag geen stuurtekens bevatten (zoals regeleinden, tabs of NUL).",
            "ne peut contenir aucun caractère de contrôle (retour à la ligne, tabulation, NUL…).",
            "darf keine Steuerzeichen enthalten (wie Zeilenumbrüche, Tabulatoren oder NUL).",
            "may not hold control characters (such as line breaks, tabs or NUL).",
        ],
    ),
    (
        "dp.rule.text.bidiControl",
        [
            "mag geen onzichtbare tekens bevatten die de schrijfrichting veranderen.",
            "ne peut pas contenir de caractères invisibles qui changent le sens de l'écriture.",
            "darf keine unsichtbaren Zeichen enthalten, die die Schreibrichtung ändern.",
            "may not hold invisible characters that change the direction of text.",
        ],
    ),
    (
        "dp.rule.text.invisible",
        [
            "mag geen onzichtbare tekens bevatten (zoals een spatie zonder breedte).",
            "ne peut pas contenir de caractères invisibles (comme une espace sans chasse).",
            "darf keine unsichtbaren Zeichen enthalten (wie ein Leerzeichen ohne Breite).",
            "may not hold invisible characters (such as a zero-width space).",
        ],
    ),
    (
        "dp.rule.text.noncharacter",
        [
            "bevat een teken dat in Unicode geen teken is.",
            "contient un code qui n'est pas un caractère Unicode.",
            "enthält einen Code, der in Unicode kein Zeichen ist.",
            "holds a code point that Unicode reserves as a noncharacter.",
        ],
    ),
    (
        "dp.rule.postCode.format",
        [
            "is een Belgische postcode van 4 cijfers (1000 tot 9999).",
            "est un code postal belge de 4 chiffres (1000 à 9999).",
            "ist eine belgische Postleitzahl mit 4 Ziffern (1000 bis 9999).",
            "is a Belgian post code of 4 digits (1000 to 9999).",
        ],
    ),
    (
        "dp.rule.coordinates.range",
        [
            "ligt buiten het bereik (breedtegraad −90 tot 90, lengtegraad −180 tot 180).",
            "est hors limites (latitude −90 à 90, longitude −180 à 180).",
            "liegt außerhalb des Bereichs (Breite −90 bis 90, Länge −180 bis 180).",
            "is out of range (latitude −90 to 90, longitude −180 to 180).",
        ],
    ),
    (
        "dp.rule.checkbox.value",
        [
            "is een vinkje: aangevinkt of niet, geen andere waarde.",
            "est une case à cocher : cochée ou non, aucune autre valeur.",
            "ist ein Kontrollkästchen: angekreuzt oder nicht, kein anderer Wert.",
            "is a checkbox: ticked or not, no other value.",
        ],
    ),
    (
        "dp.rule.coordinates.number.latitude",
        [
            "is geen getal: geef decimale graden, zoals 50.8466 of 50,8466.",
            "n'est pas un nombre : donnez des degrés décimaux, comme 50.8466 ou 50,8466.",
            "ist keine Zahl: Geben Sie Dezimalgrad an, etwa 50.8466 oder 50,8466.",
            "is not a number: give decimal degrees, such as 50.8466 or 50,8466.",
        ],
    ),
    (
        "dp.rule.coordinates.number.longitude",
        [
            "is geen getal: geef decimale graden, zoals 4.3517 of 4,3517.",
            "n'est pas un nombre : donnez des degrés décimaux, comme 4.3517 ou 4,3517.",
            "ist keine Zahl: Geben Sie Dezimalgrad an, etwa 4.3517 oder 4,3517.",
            "is not a number: give decimal degrees, such as 4.3517 or 4,3517.",
        ],
    ),
    (
        "dp.rule.coordinates.pair",
        [
            "geef beide coördinaten, of geen.",
            "donnez les deux coordonnées, ou aucune.",
            "geben Sie beide Koordinaten an oder keine.",
            "give both coordinates, or neither.",
        ],
    ),
    (
        "dp.rule.sector.value",
        [
            "kies schoonmaak, bouw of vleessector.",
            "choisissez nettoyage, construction ou secteur de la viande.",
            "wählen Sie Reinigung, Bau oder Fleischsektor.",
            "choose cleaning, construction or meat.",
        ],
    ),
    (
        "dp.rule.date.format",
        [
            "is geen datum: schrijf DD/MM/JJJJ, DD.MM.JJJJ of JJJJ-MM-DD.",
            "n'est pas une date : écrivez JJ/MM/AAAA, JJ.MM.AAAA ou AAAA-MM-JJ.",
            "ist kein Datum: Schreiben Sie TT.MM.JJJJ, TT/MM/JJJJ oder JJJJ-MM-TT.",
            "is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD.",
        ],
    ),
    (
        "dp.rule.period.order",
        ["ligt vóór het begin.", "est antérieure au début.", "liegt vor dem Beginn.", "is before the start."],
    ),
    (
        "dp.rule.period.parent",
        [
            "valt buiten de periode van de aannemer erboven.",
            "sort de la période de l'entrepreneur au-dessus.",
            "liegt außerhalb des Zeitraums des Auftragnehmers darüber.",
            "lies outside the period of the contractor above.",
        ],
    ),
    (
        "dp.rule.period.below",
        [
            "ligt vóór het begin van een onderaanneming eronder: beëindig die eerst.",
            "est antérieure au début d'une sous-traitance en dessous : terminez-la d'abord.",
            "liegt vor dem Beginn eines Subauftrags darunter: Beenden Sie diesen zuerst.",
            "is before the start of a subcontract below: end that one first.",
        ],
    ),
    (
        "dp.rule.amount.format",
        [
            "is een bedrag in euro met ten hoogste twee decimalen, zoals 525000, 525000,50 of 525.000,50.",
            "est un montant en euros avec au plus deux décimales, comme 525000, 525000,50 ou 525 000,50.",
            "ist ein Betrag in Euro mit höchstens zwei Dezimalstellen, z. B. 525000, 525000,50 oder 525.000,50.",
            "is an amount in euro with at most two decimals, such as 525000, 525000.50 or 525,000.50.",
        ],
    ),
    (
        "dp.rule.amount.ambiguous",
        [
            "is op twee manieren te lezen (duizend of één euro?): schrijf het zonder scheidingsteken voor duizendtallen (1234) of met twee decimalen (1234,00).",
            "se lit de deux façons (mille ou un euro ?) : écrivez-le sans séparateur de milliers (1234) ou avec deux décimales (1234,00).",
            "ist zweideutig (tausend oder ein Euro?): Schreiben Sie ihn ohne Tausendertrennzeichen (1234) oder mit zwei Dezimalstellen (1234,00).",
            "can be read two ways (a thousand or one euro?): write it without a thousands separator (1234) or with two decimals (1234.00).",
        ],
    ),
    (
        "dp.rule.amount.negative",
        ["mag niet negatief zijn.", "ne peut pas être négatif.", "darf nicht negativ sein.", "may not be negative."],
    ),
    (
        "dp.rule.principal.isDeclarer",
        [
            "is de aangevende aannemer zelf: de opdrachtgever is wie de werken bij hem bestelde.",
            "est l'entrepreneur déclarant lui-même : le maître d'ouvrage est celui qui lui a commandé les travaux.",
            "ist der meldende Unternehmer selbst: der Bauherr ist, wer die Arbeiten bei ihm bestellt hat.",
            "is the declaring contractor itself: the principal is who ordered the works from it.",
        ],
    ),
    (
        "dp.rule.enterprise.unknown",
        [
            "staat niet in de Kruispuntbank van Ondernemingen.",
            "ne figure pas dans la Banque-Carrefour des Entreprises.",
            "ist nicht in der Zentralen Datenbank der Unternehmen eingetragen.",
            "is not in the Crossroads Bank for Enterprises.",
        ],
    ),
    (
        "dp.rule.chain.parent",
        [
            "is geen aannemer van deze aangifte.",
            "n'est pas un entrepreneur de cette déclaration.",
            "ist kein Auftragnehmer dieser Meldung.",
            "is not a contractor of this declaration.",
        ],
    ),
    (
        "dp.rule.chain.ownBranch",
        [
            "een onderaannemer voegt enkel onder zichzelf onderaannemers toe.",
            "un sous-traitant n'ajoute des sous-traitants qu'en dessous de lui-même.",
            "ein Subunternehmer fügt nur unter sich selbst Subunternehmer hinzu.",
            "a subcontractor adds subcontractors below itself only.",
        ],
    ),
    (
        "dp.rule.chain.self",
        [
            "de aangevende aannemer kan niet zijn eigen onderaannemer zijn.",
            "l'entrepreneur déclarant ne peut pas être son propre sous-traitant.",
            "der meldende Auftragnehmer kann nicht sein eigener Subunternehmer sein.",
            "the declaring contractor cannot be its own subcontractor.",
        ],
    ),
    (
        "dp.rule.chain.duplicate",
        [
            "staat al in de keten.",
            "figure déjà dans la chaîne.",
            "ist bereits in der Kette.",
            "is already in the chain.",
        ],
    ),
    (
        "dp.rule.chain.rule",
        [
            "de keten begint bij de aangevende aannemer en vormt geen lus.",
            "la chaîne part de l'entrepreneur déclarant et ne forme pas de boucle.",
            "die Kette beginnt beim meldenden Auftragnehmer und bildet keine Schleife.",
            "the chain starts at the declaring contractor and has no loop.",
        ],
    ),
    (
        "dp.rule.chain.notSubcontractor",
        [
            "is geen onderaannemer van deze aangifte.",
            "n'est pas un sous-traitant de cette déclaration.",
            "ist kein Subunternehmer dieser Meldung.",
            "is not a subcontractor of this declaration.",
        ],
    ),
    // ------------------------------------------------------------ the employer pages (ep.)
    (
        "dp.close_confirm",
        [
            "Ik bevestig het afsluiten: de onderaannemingen die langer lopen, eindigen op dezelfde dag.",
            "Je confirme la clôture : les sous-traitances qui durent plus longtemps se terminent le même jour.",
            "Ich bestätige den Abschluss: länger laufende Subaufträge enden am selben Tag.",
            "I confirm the closing: subcontracts that run longer end on the same day.",
        ],
    ),
    ("dp.close_confirm_field", ["Bevestiging", "Confirmation", "Bestätigung", "Confirmation"]),
    (
        "dp.rule.confirm.required",
        [
            "vink het vakje aan om het afsluiten te bevestigen.",
            "cochez la case pour confirmer la clôture.",
            "kreuzen Sie das Kästchen an, um den Abschluss zu bestätigen.",
            "tick the box to confirm the closing.",
        ],
    ),
    (
        "ep.withdraw_named",
        [
            "De rol {role} intrekken van {name}",
            "Retirer le rôle {role} à {name}",
            "Die Rolle {role} von {name} entziehen",
            "Withdraw the role {role} from {name}",
        ],
    ),
    (
        "ep.withdraw_hint",
        [
            "Deze persoon verliest meteen de toegang die deze rol gaf.",
            "Cette personne perd aussitôt l'accès que ce rôle lui donnait.",
            "Diese Person verliert sofort den Zugang, den diese Rolle gab.",
            "This person loses the access this role gave at once.",
        ],
    ),
    ("ep.withdraw_confirm", ["Ja, intrekken", "Oui, retirer", "Ja, entziehen", "Yes, withdraw"]),
    ("ep.cancel", ["Annuleren", "Annuler", "Abbrechen", "Cancel"]),
    (
        "ep.on_site_unknown",
        [
            "Er bestaat geen aangifte van werken {n}. Controleer het nummer.",
            "Il n'existe pas de déclaration de travaux {n}. Vérifiez le numéro.",
            "Es gibt keine Arbeitsmeldung {n}. Prüfen Sie die Nummer.",
            "There is no declaration of works {n}. Check the number.",
        ],
    ),
    (
        "ep.on_site_not_in_chain",
        [
            "Uw onderneming staat niet in de keten van deze aangifte: enkel uw eigen werknemers op deze werkplaats worden getoond.",
            "Votre entreprise ne figure pas dans la chaîne de cette déclaration : seuls vos propres travailleurs sur ce lieu de travail sont montrés.",
            "Ihr Unternehmen ist nicht in der Kette dieser Meldung: Nur Ihre eigenen Arbeitnehmer an diesem Arbeitsplatz werden angezeigt.",
            "Your enterprise is not in this declaration's chain: only your own workers on this workplace are shown.",
        ],
    ),
    (
        "ep.registration_unknown",
        [
            "Er is geen registratie {n} die uw onderneming mag raadplegen.",
            "Il n'y a pas d'enregistrement {n} que votre entreprise peut consulter.",
            "Es gibt keine Registrierung {n}, die Ihr Unternehmen einsehen darf.",
            "There is no registration {n} your enterprise may consult.",
        ],
    ),
    (
        "ep.passkeys_unavailable_why",
        [
            "Passkeys vereisen dat de server met een domeinnaam bereikt wordt, niet met een IP-adres. Meld u aan met uw wachtwoord en de code van uw authenticator-app.",
            "Les clés d'accès exigent que le serveur soit atteint par un nom de domaine, pas par une adresse IP. Connectez-vous avec votre mot de passe et le code de votre application d'authentification.",
            "Passkeys setzen voraus, dass der Server über einen Domainnamen erreicht wird, nicht über eine IP-Adresse. Melden Sie sich mit Ihrem Passwort und dem Code Ihrer Authenticator-App an.",
            "Passkeys need the server to be reached by a domain name, not an IP address. Sign in with your password and the code of your authenticator app.",
        ],
    ),
    ("ep.col.receipt", ["Ontvangstnummer", "Numéro d'accusé", "Empfangsnummer", "Receipt"]),
    (
        "ep.col.registration_date",
        ["Tijdstip (Brussel)", "Moment (Bruxelles)", "Zeitpunkt (Brüssel)", "Time (Brussels)"],
    ),
    ("ep.col.type", ["Type", "Type", "Art", "Type"]),
    ("ep.col.person", ["Persoon", "Personne", "Person", "Person"]),
    ("ep.col.employer", ["Werkgever", "Employeur", "Arbeitgeber", "Employer"]),
    ("ep.col.declaration", ["Aangifte", "Déclaration", "Meldung", "Declaration"]),
    ("ep.col.channel", ["Kanaal", "Canal", "Kanal", "Channel"]),
    ("ep.col.created_at", ["Ontvangen (Brussel)", "Reçu (Bruxelles)", "Empfangen (Brüssel)", "Received (Brussels)"]),
    ("ep.col.validity", ["Geldigheid", "Validité", "Gültigkeit", "Validity"]),
    ("ep.col.remarks", ["Opmerkingen", "Remarques", "Bemerkungen", "Remarks"]),
    (
        "ep.col.worked_minutes",
        [
            "Gewerkte minuten die dag",
            "Minutes travaillées ce jour-là",
            "Gearbeitete Minuten an dem Tag",
            "Minutes worked that day",
        ],
    ),
    (
        "ep.col.pair_missing",
        [
            "IN/OUT-paar onvolledig of overlappend",
            "Paire IN/OUT incomplète ou chevauchante",
            "IN/OUT-Paar unvollständig oder überlappend",
            "IN/OUT pair incomplete or overlapping",
        ],
    ),
    ("ep.yes", ["ja", "oui", "ja", "yes"]),
    ("ep.no", ["nee", "non", "nein", "no"]),
    ("ep.field.page", ["Pagina", "Page", "Seite", "Page"]),
    ("ep.field.page_size", ["Rijen per pagina", "Lignes par page", "Zeilen pro Seite", "Rows per page"]),
    ("ep.field.created_from", ["Ontvangen vanaf", "Reçu à partir du", "Empfangen ab", "Received from"]),
    ("ep.field.created_to", ["Ontvangen tot", "Reçu jusqu'au", "Empfangen bis", "Received until"]),
    ("ep.code", ["code:", "code :", "Code:", "code:"]),
    (
        "ep.err.ssin.empty",
        [
            "{field} is leeg: geef een rijksregisternummer.",
            "{field} est vide : indiquez un numéro de registre national.",
            "{field} ist leer: Geben Sie eine Nationalregisternummer an.",
            "{field} is empty: give a national register number.",
        ],
    ),
    (
        "ep.err.ssin.format",
        [
            "{field} bevat alleen cijfers (punten, streepjes en spaties mogen).",
            "{field} ne contient que des chiffres (points, tirets et espaces permis).",
            "{field} enthält nur Ziffern (Punkte, Bindestriche und Leerzeichen sind erlaubt).",
            "{field} holds only digits (dots, dashes and spaces are allowed).",
        ],
    ),
    (
        "ep.err.ssin.length",
        ["{field} heeft 11 cijfers.", "{field} a 11 chiffres.", "{field} hat 11 Ziffern.", "{field} has 11 digits."],
    ),
    (
        "ep.err.ssin.checkDigit",
        [
            "{field} is niet geldig: de controlecijfers kloppen niet.",
            "{field} n'est pas valable : ses chiffres de contrôle sont erronés.",
            "{field} ist nicht gültig: Die Prüfziffern stimmen nicht.",
            "{field} is not valid: its check digits are wrong.",
        ],
    ),
    (
        "ep.err.parameter.unknown",
        [
            "{field} is geen filter van deze pagina.",
            "{field} n'est pas un filtre de cette page.",
            "{field} ist kein Filter dieser Seite.",
            "{field} is not a filter of this page.",
        ],
    ),
    (
        "ep.err.parameter.unnamed",
        [
            "Het adres heeft een parameter zonder naam (=…): laat hem weg.",
            "L'adresse a un paramètre sans nom (=…) : retirez-le.",
            "Die Adresse hat einen Parameter ohne Namen (=…): Lassen Sie ihn weg.",
            "The address has a parameter without a name (=…): leave it out.",
        ],
    ),
    (
        "ep.err.parameter.repeated",
        [
            "{field} mag maar één keer gegeven worden.",
            "{field} ne peut être donné qu'une fois.",
            "{field} darf nur einmal angegeben werden.",
            "{field} may be given only once.",
        ],
    ),
    (
        "ep.err.parameter.empty",
        [
            "{field} is leeg: vul een waarde in of laat het filter weg.",
            "{field} est vide : donnez une valeur ou retirez le filtre.",
            "{field} ist leer: Geben Sie einen Wert an oder lassen Sie den Filter weg.",
            "{field} is empty: give a value or leave the filter out.",
        ],
    ),
    (
        "ep.err.period.order",
        [
            "{to} mag niet vóór {from} liggen.",
            "{to} ne peut pas précéder {from}.",
            "{to} darf nicht vor {from} liegen.",
            "{to} must not be before {from}.",
        ],
    ),
    (
        "ep.err.period.tooLong",
        [
            "De periode ({from} – {to}) telt ten hoogste 31 dagen.",
            "La période ({from} – {to}) compte au plus 31 jours.",
            "Der Zeitraum ({from} – {to}) umfasst höchstens 31 Tage.",
            "The period ({from} – {to}) is at most 31 days long.",
        ],
    ),
    (
        "ep.err.period",
        [
            "Geef twee datums, {from} niet na {to} en ten hoogste 31 dagen uit elkaar.",
            "Donnez deux dates, {from} pas après {to} et au plus 31 jours d'écart.",
            "Geben Sie zwei Daten an, {from} nicht nach {to} und höchstens 31 Tage auseinander.",
            "Give two dates, {from} not after {to} and at most 31 days apart.",
        ],
    ),
    (
        "ep.err.date.format",
        [
            "{field} is geen datum: schrijf DD/MM/JJJJ, DD.MM.JJJJ of JJJJ-MM-DD.",
            "{field} n'est pas une date : écrivez JJ/MM/AAAA, JJ.MM.AAAA ou AAAA-MM-JJ.",
            "{field} ist kein Datum: Schreiben Sie TT.MM.JJJJ, TT/MM/JJJJ oder JJJJ-MM-TT.",
            "{field} is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD.",
        ],
    ),
    (
        "ep.err.day.format",
        [
            "{field} is geen datum: schrijf DD/MM/JJJJ, DD.MM.JJJJ of JJJJ-MM-DD.",
            "{field} n'est pas une date : écrivez JJ/MM/AAAA, JJ.MM.AAAA ou AAAA-MM-JJ.",
            "{field} ist kein Datum: Schreiben Sie TT.MM.JJJJ, TT/MM/JJJJ oder JJJJ-MM-TT.",
            "{field} is not a date: write DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD.",
        ],
    ),
    (
        "ep.err.validity.value",
        [
            "Kies een geldigheid uit de lijst.",
            "Choisissez une validité dans la liste.",
            "Wählen Sie eine Gültigkeit aus der Liste.",
            "Choose a validity from the list.",
        ],
    ),
    (
        "ep.err.remark.value",
        [
            "{field}: geef de code van een opmerking, bijvoorbeeld RELATED_DIMONA_NOT_OK.",
            "{field} : donnez le code d'une remarque, par exemple RELATED_DIMONA_NOT_OK.",
            "{field}: Geben Sie den Code einer Bemerkung an, z. B. RELATED_DIMONA_NOT_OK.",
            "{field}: give the code of a remark, for example RELATED_DIMONA_NOT_OK.",
        ],
    ),
    (
        "ep.err.type.value",
        ["{field} is IN of OUT.", "{field} est IN ou OUT.", "{field} ist IN oder OUT.", "{field} is IN or OUT."],
    ),
    (
        "ep.err.sort.value",
        [
            "Kies een sortering uit de lijst.",
            "Choisissez un tri dans la liste.",
            "Wählen Sie eine Sortierung aus der Liste.",
            "Choose a sort order from the list.",
        ],
    ),
    (
        "ep.err.after.format",
        [
            "Deze pagina-link is niet (meer) geldig: begin opnieuw bij de eerste pagina.",
            "Ce lien de page n'est pas (plus) valide : recommencez à la première page.",
            "Dieser Seitenlink ist nicht (mehr) gültig: Beginnen Sie wieder auf der ersten Seite.",
            "This page link is not valid (any more): start again from the first page.",
        ],
    ),
    (
        "ep.err.after.exclusive",
        [
            "Deze pagina-link is niet geldig: begin opnieuw bij de eerste pagina.",
            "Ce lien de page n'est pas valide : recommencez à la première page.",
            "Dieser Seitenlink ist nicht gültig: Beginnen Sie wieder auf der ersten Seite.",
            "This page link is not valid: start again from the first page.",
        ],
    ),
    (
        "ep.err.day.future",
        [
            "{field} is vandaag of vroeger: er is nog niemand aanwezig op een dag die nog niet begonnen is.",
            "{field} est aujourd'hui ou avant : personne n'est encore présent un jour qui n'a pas encore commencé.",
            "{field} ist heute oder früher: An einem Tag, der noch nicht begonnen hat, ist noch niemand anwesend.",
            "{field} is today or before: nobody is on site yet on a day that has not begun.",
        ],
    ),
    (
        "ep.err.number.range",
        [
            "{field} is een geheel getal van 1 tot en met {max}.",
            "{field} est un nombre entier de 1 à {max}.",
            "{field} ist eine ganze Zahl von 1 bis {max}.",
            "{field} is a whole number from 1 to {max}.",
        ],
    ),
    (
        "ep.err.number.format",
        [
            "{field} is een geheel getal.",
            "{field} est un nombre entier.",
            "{field} ist eine ganze Zahl.",
            "{field} is a whole number.",
        ],
    ),
    (
        "ep.err.text.empty",
        [
            "{field} mag niet leeg zijn.",
            "{field} ne peut pas être vide.",
            "{field} darf nicht leer sein.",
            "{field} may not be empty.",
        ],
    ),
    (
        "ep.err.text.tooLong",
        [
            "{field} is te lang: hoogstens {max} tekens.",
            "{field} est trop long : {max} caractères au plus.",
            "{field} ist zu lang: höchstens {max} Zeichen.",
            "{field} is too long: at most {max} characters.",
        ],
    ),
    (
        "ep.err.ssin.self",
        [
            "U bent al toegangsbeheerder van de onderneming: geef een rol aan iemand anders.",
            "Vous êtes déjà gestionnaire d'accès de l'entreprise : donnez un rôle à quelqu'un d'autre.",
            "Sie sind bereits Zugriffsverwalter des Unternehmens: Geben Sie jemand anderem eine Rolle.",
            "You are an access manager of the enterprise already: give a role to someone else.",
        ],
    ),
    (
        "ep.err.ssin.noRole",
        [
            "Deze persoon heeft geen rol in een onderneming.",
            "Cette personne n'a de rôle dans aucune entreprise.",
            "Diese Person hat in keinem Unternehmen eine Rolle.",
            "This person has no role in any enterprise.",
        ],
    ),
    (
        "ep.err.ssin.sealed",
        [
            "Deze zoekopdracht op persoon komt van een andere server of onderneming: filter opnieuw.",
            "Ce filtre par personne vient d'un autre serveur ou d'une autre entreprise : filtrez à nouveau.",
            "Dieser Personenfilter stammt von einem anderen Server oder Unternehmen: Filtern Sie erneut.",
            "This person filter comes from another server or enterprise: filter again.",
        ],
    ),
    (
        "ep.err.required",
        ["{field} is verplicht.", "{field} est obligatoire.", "{field} ist erforderlich.", "{field} is required."],
    ),
];

pub fn router() -> axum::Router<crate::AppState> {
    Router::new()
        .route("/e/declarations", get(list).post(create))
        .route("/e/declarations/new", get(new_form))
        .route("/e/declarations/{number}", get(details))
        .route("/e/declarations/{number}/subcontractors", post(add_subcontractor))
        .route("/e/declarations/{number}/subcontractors/end", post(end_subcontractor))
        .route("/e/declarations/{number}/close", post(close))
}

/// Fills in the coordinates from the device's position, on request; the
/// button is shown only where the browser can (no script: type them).
const GEO_JS: &str = "<script>(function(){var b=document.getElementById('geo');\
if(!b||!navigator.geolocation)return;b.hidden=false;var s=document.getElementById('geo-status');\
b.addEventListener('click',function(){s.textContent=b.getAttribute('data-wait');\
navigator.geolocation.getCurrentPosition(function(p){\
document.getElementById('f-latitude').value=p.coords.latitude.toFixed(6);\
document.getElementById('f-longitude').value=p.coords.longitude.toFixed(6);\
s.textContent=b.getAttribute('data-done').replace('{m}',String(Math.round(p.coords.accuracy)));},\
function(){s.textContent=b.getAttribute('data-fail');},{enableHighAccuracy:true,timeout:20000,maximumAge:0});});})();</script>";

fn is_manager(c: &Ctx) -> bool {
    c.user.has(&c.enterprise, Role::AccessManager) || c.user.has(&c.enterprise, Role::TechnicalAdministrator)
}

pub(crate) fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    raw.and_then(|r| serde_urlencoded::from_str::<Vec<(String, String)>>(r).ok())
        .and_then(|q| q.into_iter().find(|(k, _)| k == name).map(|(_, v)| v))
}

/// The forms [`page_date`] reads, in words.
pub(crate) const PAGE_DATE_FORMS: &str = "a date DD/MM/YYYY, DD.MM.YYYY or YYYY-MM-DD";

/// A date as a person types it in a page's date field: `YYYY-MM-DD` (what
/// `<input type="date">` sends), `DD/MM/YYYY` or `D/M/YYYY` (as written in
/// Belgium), `DD-MM-YYYY`, `DD.MM.YYYY` or `D.M.YYYY` (as written in German); in the
/// years the register accepts. The one reading of every date field of the
/// employer pages (the REST API keeps to ISO 8601, as the official one).
pub(crate) fn page_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    if let Some(d) = ciao_domain::search::parse_date(s) {
        return Some(d);
    }
    // ISO's dashes were read above: dashes left over are `DD-MM-YYYY`, as
    // written in Flanders too.
    let separator = if s.contains('/') {
        '/'
    } else if s.contains('.') {
        '.'
    } else {
        '-'
    };
    let mut parts = s.split(separator);
    let (Some(day), Some(month), Some(year), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let digits = |p: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(day, 1..=2) || !digits(month, 1..=2) || !digits(year, 4..=4) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let d = time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()?;
    ciao_domain::clock::YEARS.contains(&d.year()).then_some(d)
}

/// A date field's value as the page shows it again, and the field's type: a
/// date in any form [`page_date`] reads is shown as `YYYY-MM-DD` in a date
/// field; anything else exactly as typed, in a text field (a browser would
/// empty a date field holding it), so that the person sees and corrects it.
pub(crate) fn date_field(value: &str) -> (String, &'static str) {
    match page_date(value) {
        Some(d) => (d.to_string(), "date"),
        None if value.trim().is_empty() => (String::new(), "date"),
        None => (value.to_string(), "text"),
    }
}

/// A typed date handed to the service in the form it reads (`YYYY-MM-DD`);
/// a value that is not a date is handed on as typed, for the service to
/// refuse by its field.
pub(crate) fn iso_date(value: &str) -> String {
    page_date(value).map_or_else(|| value.to_string(), |d| d.to_string())
}

fn today(state: &AppState) -> time::Date {
    ciao_domain::clock::to_brussels(state.service.now()).date()
}

/// The label of a form field, by its name (the CSV column's).
fn field_label(lang: Lang, field: &str) -> &'static str {
    let key = match field {
        "site_name" => "dp.site_name",
        "street" => "dp.street",
        "house_number" => "dp.house_number",
        "post_code" => "dp.post_code",
        "municipality" => "dp.municipality",
        "latitude" => "dp.latitude",
        "longitude" => "dp.longitude",
        "sector" => "sector",
        "start_date" => "dp.start_date",
        "end_date" => "dp.end_date",
        "amount_excl_vat" => "dp.amount",
        "principal" => "dp.principal",
        "subject_to_registration" => "dp.subject",
        "enterprise_number" => "dp.subcontractor",
        "parent" => "dp.parent",
        "from" => "dp.sub_from",
        "to" => "dp.sub_to",
        "confirm" => "dp.close_confirm_field",
        _ => "error.other",
    };
    t(lang, key)
}

/// The localized rule of a refusal, when there is one: the field's own
/// (`dp.rule.{code}.{field}`, as a longitude's example), else the code's.
fn rule_text(lang: Lang, code: &str, field: &str) -> Option<&'static str> {
    let key = if code.starts_with("enterpriseNumber.") {
        "error.enterprise".to_string()
    } else if code.starts_with("ssin.") {
        "error.ssin".to_string()
    } else {
        format!("dp.rule.{code}")
    };
    crate::i18n::lookup(lang, &format!("{key}.{field}")).or_else(|| crate::i18n::lookup(lang, &key))
}

/// The refusals, each naming its field (a link to it) and its rule, in the
/// page's language with its code; the service's English words only for a
/// rule without a translation. A refusal of no field (the service's: not
/// the declaring contractor, …) is said by its code's text.
fn errors_html(lang: Lang, errors: &[FieldError], prefix: &str) -> String {
    let code_note = |code: &str| format!("<small class=\"mono\">({} {})</small>", t(lang, "ep.code"), esc(code));
    let mut of_fields = false;
    let items: String = errors
        .iter()
        .map(|e| {
            // The service reads ISO dates; the pages hand it what they read (see [`page_date`]).
            let mut description = e.description.replace("a date YYYY-MM-DD", PAGE_DATE_FORMS);
            // The service gives a latitude as its example of decimal degrees.
            if e.field == "longitude" {
                description = description.replace("such as 50.8466", "such as 4.3517");
            }
            let english = format!("<small lang=\"en\">({} · {})</small>", esc(&description), esc(&e.code));
            if e.field.is_empty() || field_label(lang, &e.field) == t(lang, "error.other") {
                match crate::employer::employer_rule_key(&e.code).and_then(|key| crate::i18n::lookup(lang, &key)) {
                    Some(text) => format!("<li data-code=\"{}\">{text} {}</li>", esc(&e.code), code_note(&e.code)),
                    None => {
                        format!("<li>{} <span lang=\"en\">{}</span></li>", t(lang, "error.other"), esc(&e.description))
                    }
                }
            } else {
                of_fields = true;
                let (rule, detail) = match rule_text(lang, &e.code, &e.field) {
                    Some(rule) => {
                        (rule.replace("{max}", &crate::worker::limit_text(e)), code_note(&e.code))
                    }
                    None => (String::new(), english),
                };
                format!(
                    "<li id=\"err-{prefix}{f}\" data-field=\"{f}\"><a href=\"#{prefix}{f}\">{label}</a>: {rule} {detail}</li>",
                    f = esc(&e.field),
                    label = field_label(lang, &e.field),
                )
            }
        })
        .collect();
    let intro = if of_fields { "dp.errors_intro" } else { "dp.refused_intro" };
    format!("<div class=\"alert\" role=\"alert\" tabindex=\"-1\"><p>{}</p><ul>{items}</ul></div>", t(lang, intro))
}

/// `aria-invalid` and a reference to its refusal, for a field with one.
fn invalid_attrs(errors: &[FieldError], prefix: &str, field: &str) -> String {
    if errors.iter().any(|e| e.field == field) {
        format!(" aria-invalid=\"true\" aria-describedby=\"err-{prefix}{field}\"")
    } else {
        String::new()
    }
}

fn period_text(lang: Lang, from: time::Date, to: Option<time::Date>) -> String {
    match to {
        Some(to) => format!("{from} – {to}"),
        None => format!("{from} – {}", t(lang, "open_ended")),
    }
}

fn amount_text(lang: Lang, cents: i64) -> String {
    let digits = (cents / 100).to_string();
    let sep = match lang {
        Lang::En => ",",
        Lang::Fr => "\u{202f}",
        Lang::Nl | Lang::De => ".",
    };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push_str(sep);
        }
        grouped.push(ch);
    }
    match lang {
        Lang::En => format!("€{grouped}.{:02}", cents % 100),
        _ => format!("{grouped},{:02} €", cents % 100),
    }
}

fn roles_text(lang: Lang, roles: &[DeclarationRole]) -> String {
    roles.iter().map(|r| t(lang, &format!("dp.role.{}", r.as_str()))).collect::<Vec<_>>().join(", ")
}

fn address_text(d: &ciao_domain::reference::Declaration) -> String {
    let street = format!("{} {}", d.street, d.house_number);
    let place = format!("{} {}", d.post_code, d.municipality);
    [street.trim(), place.trim()].iter().filter(|s| !s.is_empty()).map(|s| esc(s)).collect::<Vec<_>>().join(", ")
}

/// The page for a refusal: not found in the page's language, the others as
/// the employer pages show them.
fn failure(c: &Ctx, state: &AppState, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound(_) => page(
            c,
            state,
            StatusCode::NOT_FOUND,
            t(c.lang, "dp.title"),
            &format!(
                "<h1>{}</h1><div class=\"alert\" role=\"alert\"><p>{}</p></div><p><a href=\"/e/declarations\">{}</a></p>",
                t(c.lang, "dp.title"),
                t(c.lang, "dp.not_found"),
                t(c.lang, "dp.back")
            ),
        ),
        e => service_error_page(c, state, e),
    }
}

// ---------------------------------------------------------------- the list

async fn list(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/declarations").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = c.lang;
    let found = match state.service.declarations_of(&c.user, &c.enterprise).await {
        Ok(f) => f,
        Err(e) => return failure(&c, &state, e),
    };
    let rows: String = found
        .iter()
        .map(|d| {
            let decl = &d.declaration;
            let poster = match &d.technical_number {
                Some(tn) => format!(
                    " · <a href=\"/r/{tn}/poster?lang={l}\">{poster}</a>",
                    tn = esc(tn),
                    l = lang.code(),
                    poster = t(lang, "poster")
                ),
                None => String::new(),
            };
            format!(
                "<tr><th scope=\"row\" class=\"mono\"><a href=\"/e/declarations/{n}\">{n}</a></th>\
                 <td>{site}<br><small>{address}</small></td><td>{sector}</td><td>{roles}</td><td>{period}</td>\
                 <td><a href=\"/e/declarations/{n}\">{details}</a>{poster}</td></tr>",
                n = esc(decl.number.as_str()),
                site = esc(&decl.site_name),
                address = address_text(decl),
                sector = t(lang, &format!("sector.{}", decl.sector.as_str())),
                roles = roles_text(lang, &d.roles),
                period = period_text(lang, decl.start_date, decl.end_date),
                details = t(lang, "e.detail"),
            )
        })
        .collect();
    let new = if is_manager(&c) {
        format!("<p><a class=\"button\" href=\"/e/declarations/new\">{}</a></p>", t(lang, "dp.new"))
    } else {
        String::new()
    };
    let table = if found.is_empty() {
        format!("<p>{}</p>", t(lang, "dp.none"))
    } else {
        format!(
            "<div class=\"scroll\"><table><caption>{title}</caption><thead><tr><th scope=\"col\">{number}</th>\
             <th scope=\"col\">{site}</th><th scope=\"col\">{sector}</th><th scope=\"col\">{role}</th>\
             <th scope=\"col\">{period}</th><th scope=\"col\">{links}</th></tr></thead><tbody>{rows}</tbody></table></div>",
            title = t(lang, "e.nav.declarations"),
            number = t(lang, "declaration_number"),
            site = t(lang, "dp.site"),
            sector = t(lang, "sector"),
            role = t(lang, "dp.your_role"),
            period = t(lang, "period"),
            links = t(lang, "e.actions"),
        )
    };
    let limited = if found.len() >= DECLARATIONS_LIMIT as usize {
        format!("<p class=\"note\">{}</p>", t(lang, "dp.limited").replace("{n}", &DECLARATIONS_LIMIT.to_string()))
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{new}{limited}{table}",
        title = t(lang, "e.nav.declarations"),
        intro = t(lang, "dp.intro"),
    );
    page(&c, &state, StatusCode::OK, t(lang, "e.nav.declarations"), &body)
}

// ---------------------------------------------------------------- a new declaration

fn input_of(form: &FormData) -> DeclarationInput {
    let v = |k: &str| form.get(k).unwrap_or_default().to_string();
    DeclarationInput {
        site_name: v("site_name"),
        street: v("street"),
        house_number: v("house_number"),
        post_code: v("post_code"),
        municipality: v("municipality"),
        latitude: v("latitude"),
        longitude: v("longitude"),
        sector: v("sector"),
        start_date: iso_date(&v("start_date")),
        end_date: iso_date(&v("end_date")),
        amount_excl_vat: v("amount_excl_vat"),
        principal: v("principal"),
        subject_to_registration: v("subject_to_registration"),
    }
}

fn create_form(
    c: &Ctx,
    state: &AppState,
    input: &DeclarationInput,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let lang = c.lang;
    let field = |name: &str, value: &str, kind: &str, extra: &str, hint: Option<&str>| {
        let described = hint.map(|_| format!(" aria-describedby=\"h-{name}\"")).unwrap_or_default();
        let invalid = invalid_attrs(errors, "f-", name);
        // An input is described by its refusal first, when it has one.
        let attrs = if invalid.is_empty() { described } else { invalid };
        format!(
            "<label for=\"f-{name}\">{label}</label><input id=\"f-{name}\" name=\"{name}\" type=\"{kind}\" value=\"{value}\"{extra}{attrs}>{hint}",
            label = field_label(lang, name),
            value = esc(value),
            hint = hint.map(|h| format!("<p class=\"hint\" id=\"h-{name}\">{h}</p>")).unwrap_or_default(),
        )
    };
    let sectors: String = ["construction", "cleaning", "meat"]
        .iter()
        .map(|s| {
            let selected = if input.sector == *s { " selected" } else { "" };
            format!("<option value=\"{s}\"{selected}>{}</option>", t(lang, &format!("sector.{s}")))
        })
        .collect();
    let start = if input.start_date.is_empty() { today(state).to_string() } else { input.start_date.clone() };
    let errors_block = if errors.is_empty() { String::new() } else { errors_html(lang, errors, "f-") };
    let body = format!(
        "<h1>{title}</h1>{errors_block}<form method=\"post\" action=\"/e/declarations\" class=\"narrow\" novalidate>{csrf}\
         <fieldset><legend>{workplace}</legend>{site_name}{street}{house_number}{post_code}{municipality}</fieldset>\
         <fieldset><legend>{location}</legend><p class=\"hint\" id=\"h-location\">{location_hint}</p>{latitude}{longitude}\
         <button type=\"button\" id=\"geo\" class=\"secondary\" hidden data-wait=\"{wait}\" data-done=\"{done}\" data-fail=\"{fail}\">{geo}</button>\
         <p id=\"geo-status\" class=\"hint\" role=\"status\" aria-live=\"polite\"></p></fieldset>\
         <fieldset><legend>{works}</legend><label for=\"f-sector\">{sector_l}</label>\
         <select id=\"f-sector\" name=\"sector\"{sector_invalid}>{sectors}</select>\
         {start_date}{end_date}{amount}{principal}\
         <label class=\"check\"><input type=\"checkbox\" id=\"f-subject_to_registration\" name=\"subject_to_registration\" \
         value=\"true\"{subject}{subject_invalid}> {subject_l}</label></fieldset>\
         <button type=\"submit\">{create}</button></form>{GEO_JS}\
         <p><a href=\"/e/declarations\">{back}</a></p>",
        title = t(lang, "dp.new_title"),
        csrf = c.csrf(state),
        workplace = t(lang, "workplace"),
        site_name = field("site_name", &input.site_name, "text", " required maxlength=\"200\"", None),
        street = field("street", &input.street, "text", " maxlength=\"200\" autocomplete=\"address-line1\"", None),
        house_number = field("house_number", &input.house_number, "text", " maxlength=\"16\"", None),
        post_code = field(
            "post_code",
            &input.post_code,
            "text",
            " required inputmode=\"numeric\" maxlength=\"4\" autocomplete=\"postal-code\"",
            None
        ),
        municipality = field("municipality", &input.municipality, "text", " required maxlength=\"100\"", None),
        location = t(lang, "dp.location"),
        location_hint = t(lang, "dp.location_hint"),
        latitude = field("latitude", &input.latitude, "text", " inputmode=\"decimal\"", None),
        longitude = field("longitude", &input.longitude, "text", " inputmode=\"decimal\"", None),
        wait = esc(t(lang, "dp.geo_wait")),
        done = esc(t(lang, "dp.geo_done")),
        fail = esc(t(lang, "dp.geo_fail")),
        geo = t(lang, "dp.geo"),
        works = t(lang, "dp.works"),
        sector_l = t(lang, "sector"),
        sector_invalid = invalid_attrs(errors, "f-", "sector"),
        start_date = {
            let (value, kind) = date_field(&start);
            field("start_date", &value, kind, " required", None)
        },
        end_date = {
            let (value, kind) = date_field(&input.end_date);
            field("end_date", &value, kind, "", Some(t(lang, "dp.end_hint")))
        },
        amount = field(
            "amount_excl_vat",
            &input.amount_excl_vat,
            "text",
            " required inputmode=\"decimal\"",
            Some(t(lang, "dp.amount_hint"))
        ),
        principal = field("principal", &input.principal, "text", "", Some(t(lang, "dp.principal_hint"))),
        subject = if ticked(&input.subject_to_registration) == Some(true) { " checked" } else { "" },
        subject_invalid = invalid_attrs(errors, "f-", "subject_to_registration"),
        subject_l = t(lang, "dp.subject"),
        create = t(lang, "dp.create"),
        back = t(lang, "dp.back"),
    );
    page(c, state, status, t(lang, "dp.new_title"), &body)
}

async fn new_form(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), "/e/declarations/new").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !is_manager(&c) {
        let e = ServiceError::forbidden(
            "denied.declarationManagers",
            format!("only an access manager or a technical administrator of {} declares workplaces", c.enterprise),
        );
        return service_error_page(&c, &state, e);
    }
    let input = DeclarationInput { subject_to_registration: "true".into(), ..DeclarationInput::default() };
    create_form(&c, &state, &input, &[], StatusCode::OK)
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebForm(body): WebForm,
) -> Response {
    let (c, form) = match crate::employer::posted(&state, &headers, raw.as_deref(), "/e/declarations/new", &body).await
    {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let input = input_of(&form);
    match state.service.create_declaration(&c.user, &c.enterprise, &input).await {
        Ok(d) => Redirect::to(&format!("/e/declarations/{}?done=created", d.declaration.number)).into_response(),
        Err(ServiceError::Invalid(errors)) => {
            create_form(&c, &state, &input, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => failure(&c, &state, e),
    }
}

// ---------------------------------------------------------------- one declaration

/// What a re-shown form held, and its refusals.
#[derive(Default)]
struct Retry<'a> {
    form: Option<&'a FormData>,
    /// Which form: "s-" (add), "x-" (end), "c-" (close).
    prefix: &'static str,
    errors: Vec<FieldError>,
}

impl Retry<'_> {
    fn value(&self, prefix: &str, name: &str, default: &str) -> String {
        match self.form {
            Some(f) if self.prefix == prefix => f.get(name).unwrap_or_default().to_string(),
            _ => default.to_string(),
        }
    }

    /// A date field's value (see [`date_field`]) and type.
    fn date(&self, prefix: &str, name: &str, default: &str) -> (String, &'static str) {
        date_field(&self.value(prefix, name, default))
    }

    fn attrs(&self, prefix: &str, name: &str) -> String {
        if self.prefix == prefix { invalid_attrs(&self.errors, prefix, name) } else { String::new() }
    }
}

fn enterprise_text(
    lang: Lang,
    e: &EnterpriseNumber,
    names: &HashMap<EnterpriseNumber, String>,
    me: &EnterpriseNumber,
) -> String {
    let name = names.get(e).map(|n| format!(" {}", esc(n))).unwrap_or_default();
    let you = if e == me { format!(" <strong>({})</strong>", t(lang, "dp.you")) } else { String::new() };
    format!("<span class=\"mono\">{}</span>{name}{you}", e.formatted())
}

/// The chain as a nested list, from the declaring contractor down.
fn chain_html(
    lang: Lang,
    d: &EnterpriseDeclaration,
    names: &HashMap<EnterpriseNumber, String>,
    me: &EnterpriseNumber,
) -> String {
    fn children(
        lang: Lang,
        parent: &EnterpriseNumber,
        subs: &[Subcontractor],
        names: &HashMap<EnterpriseNumber, String>,
        me: &EnterpriseNumber,
        seen: &mut HashSet<EnterpriseNumber>,
    ) -> String {
        let mut below: Vec<&Subcontractor> = subs.iter().filter(|s| &s.parent == parent).collect();
        below.sort_by(|a, b| (a.from, a.enterprise_number.as_str()).cmp(&(b.from, b.enterprise_number.as_str())));
        let mut items = String::new();
        for s in below {
            if !seen.insert(s.enterprise_number.clone()) {
                continue; // a cycle in stored data: never loop
            }
            items.push_str(&format!(
                "<li>{who} — {role}, {period}{below}</li>",
                who = enterprise_text(lang, &s.enterprise_number, names, me),
                role = t(lang, "dp.role.subcontractor"),
                period = period_text(lang, s.from, s.to),
                below = children(lang, &s.enterprise_number, subs, names, me, seen),
            ));
        }
        if items.is_empty() { String::new() } else { format!("<ul>{items}</ul>") }
    }
    let declarer = &d.declaration.declaring_contractor;
    let mut seen = HashSet::from([declarer.clone()]);
    let tree = children(lang, declarer, &d.subcontractors, names, me, &mut seen);
    // What hangs below no visible contractor (never from the pages' own changes).
    let orphans: String = d
        .subcontractors
        .iter()
        .filter(|s| !seen.contains(&s.enterprise_number))
        .map(|s| {
            format!(
                "<li>{} — {}, {}</li>",
                enterprise_text(lang, &s.enterprise_number, names, me),
                t(lang, "dp.role.subcontractor"),
                period_text(lang, s.from, s.to)
            )
        })
        .collect();
    let orphans = if orphans.is_empty() { String::new() } else { format!("<ul>{orphans}</ul>") };
    format!(
        "<ul class=\"chain\" aria-label=\"{label}\"><li>{who} — {role}{tree}</li></ul>{orphans}",
        label = t(lang, "dp.chain"),
        who = enterprise_text(lang, declarer, names, me),
        role = t(lang, "dp.role.declarer"),
    )
}

async fn details_page(
    c: &Ctx,
    state: &AppState,
    number: &str,
    notice: Option<&str>,
    retry: Retry<'_>,
    status: StatusCode,
) -> Response {
    let lang = c.lang;
    let Ok(number) = DeclarationNumber::parse(number) else {
        return failure(
            c,
            state,
            ServiceError::not_found("denied.declarationUnknown", "there is no such declaration of works"),
        );
    };
    let d = match state.service.declaration_of(&c.user, &c.enterprise, &number).await {
        Ok(d) => d,
        Err(e) => return failure(c, state, e),
    };
    let decl = &d.declaration;
    let mut wanted: Vec<EnterpriseNumber> = vec![decl.declaring_contractor.clone()];
    if let Some(Principal::Enterprise(p)) = &decl.principal {
        wanted.push(p.clone());
    }
    wanted.extend(d.subcontractors.iter().map(|s| s.enterprise_number.clone()));
    let names: HashMap<EnterpriseNumber, String> = match state.service.enterprise_names(&wanted).await {
        Ok(n) => n.into_iter().collect(),
        Err(e) => return unavailable(e),
    };
    let me = &c.enterprise;
    let principal = match &decl.principal {
        Some(Principal::Enterprise(p)) => enterprise_text(lang, p, &names, me),
        Some(Principal::Person(s)) => {
            format!("{} <span class=\"mono\">{}</span>", t(lang, "dp.private_person"), esc(&s.masked()))
        }
        None => "–".to_string(),
    };
    let coordinates = match decl.coordinates {
        Some((lat, lon)) => format!("<span class=\"mono\">{lat:.6}, {lon:.6}</span>"),
        None => "–".to_string(),
    };
    let notice = notice
        .filter(|n| ["created", "added", "ended", "closed"].contains(n))
        .map(|n| format!("<div class=\"ok\" role=\"status\"><p>{}</p></div>", t(lang, &format!("dp.done.{n}"))))
        .unwrap_or_default();
    let errors = if retry.errors.is_empty() { String::new() } else { errors_html(lang, &retry.errors, retry.prefix) };
    let facts = format!(
        "<dl class=\"facts\"><dt>{number_l}</dt><dd class=\"mono\">{number}</dd><dt>{site_l}</dt><dd>{site}</dd>\
         <dt>{address_l}</dt><dd>{address}</dd><dt>{coordinates_l}</dt><dd>{coordinates}</dd>\
         <dt>{sector_l}</dt><dd>{sector}</dd><dt>{period_l}</dt><dd>{period}</dd><dt>{amount_l}</dt><dd>{amount}</dd>\
         <dt>{principal_l}</dt><dd>{principal}</dd><dt>{declarer_l}</dt><dd>{declarer}</dd>\
         <dt>{subject_l}</dt><dd>{subject}</dd><dt>{role_l}</dt><dd>{roles}</dd></dl>",
        number_l = t(lang, "declaration_number"),
        number = esc(decl.number.as_str()),
        site_l = t(lang, "dp.site_name"),
        site = esc(&decl.site_name),
        address_l = t(lang, "dp.address"),
        address = address_text(decl),
        coordinates_l = t(lang, "dp.coordinates"),
        sector_l = t(lang, "sector"),
        sector = t(lang, &format!("sector.{}", decl.sector.as_str())),
        period_l = t(lang, "period"),
        period = period_text(lang, decl.start_date, decl.end_date),
        amount_l = t(lang, "dp.amount"),
        amount = amount_text(lang, decl.amount_excl_vat_cents),
        principal_l = t(lang, "dp.principal"),
        declarer_l = t(lang, "dp.role.declarer"),
        declarer = enterprise_text(lang, &decl.declaring_contractor, &names, me),
        subject_l = t(lang, "dp.subject"),
        subject = if decl.subject_to_registration { t(lang, "dp.yes") } else { t(lang, "dp.no") },
        role_l = t(lang, "dp.your_role"),
        roles = roles_text(lang, &d.roles),
    );
    let registration = match &d.technical_number {
        Some(tn) => {
            let url = format!("{}/r/{tn}", state.public_url());
            format!(
                "<section aria-labelledby=\"reg-h\"><h2 id=\"reg-h\">{title}</h2><p>{hint}</p>\
                 <p>{url_l}: <a href=\"{url}\"><code id=\"registration-url\">{url}</code></a></p>\
                 <p><img src=\"/r/{tn}/qr.svg\" alt=\"{alt}\" width=\"200\" height=\"200\"></p>\
                 <p><a href=\"/r/{tn}/poster?lang={l}\">{poster}</a> · <a href=\"/r/{tn}/qr.png\" download>{png}</a></p></section>",
                title = t(lang, "dp.registration"),
                hint = t(lang, "dp.registration_hint"),
                url_l = t(lang, "dp.registration_url"),
                url = esc(&url),
                tn = esc(tn),
                alt = esc(&t(lang, "dp.qr_alt").replace("{site}", &decl.site_name)),
                l = lang.code(),
                poster = t(lang, "poster"),
                png = t(lang, "dp.qr_png"),
            )
        }
        None => format!("<p class=\"note\">{}</p>", t(lang, "dp.no_url")),
    };
    let partial = if d.has(DeclarationRole::Declarer) || d.has(DeclarationRole::Principal) {
        String::new()
    } else {
        format!("<p class=\"hint\">{}</p>", t(lang, "dp.chain_partial"))
    };
    let chain = format!(
        "<section aria-labelledby=\"chain-h\"><h2 id=\"chain-h\">{}</h2>{partial}{}</section>",
        t(lang, "dp.chain"),
        chain_html(lang, &d, &names, me)
    );
    let forms = if !d.in_chain() {
        String::new()
    } else if !is_manager(c) {
        format!("<p class=\"note\">{}</p>", t(lang, "dp.read_only"))
    } else {
        change_forms(c, state, &d, &names, &retry)
    };
    let body = format!(
        "<h1>{title} <span class=\"mono\">{number}</span></h1>{notice}{errors}{facts}{registration}{chain}{forms}\
         <p><a href=\"/e/declarations\">{back}</a></p>",
        title = t(lang, "dp.title"),
        number = esc(decl.number.as_str()),
        back = t(lang, "dp.back"),
    );
    page(c, state, status, &format!("{} {}", t(lang, "dp.title"), decl.number), &body)
}

/// The forms of a manager of an enterprise of the chain.
fn change_forms(
    c: &Ctx,
    state: &AppState,
    d: &EnterpriseDeclaration,
    names: &HashMap<EnterpriseNumber, String>,
    retry: &Retry<'_>,
) -> String {
    let lang = c.lang;
    let me = &c.enterprise;
    let decl = &d.declaration;
    let n = esc(decl.number.as_str());
    let is_declarer = d.has(DeclarationRole::Declarer);
    let today = today(state);
    let default_from = if decl.start_date > today { decl.start_date } else { today }.to_string();
    let option = |e: &EnterpriseNumber, selected: &str| {
        let sel = if e.as_str() == selected { " selected" } else { "" };
        let name = names.get(e).map(|n| format!(" {}", esc(n))).unwrap_or_default();
        format!("<option value=\"{}\"{sel}>{}{name}</option>", e.as_str(), e.formatted())
    };
    // Add: below anyone of the chain for the declaring contractor, below itself for a subcontractor.
    let parent_value = retry.value("s-", "parent", me.as_str());
    let parent = if is_declarer {
        let mut candidates = vec![decl.declaring_contractor.clone()];
        candidates.extend(d.subcontractors.iter().map(|s| s.enterprise_number.clone()));
        let options: String = candidates.iter().map(|e| option(e, &parent_value)).collect();
        format!(
            "<label for=\"s-parent\">{label}</label><select id=\"s-parent\" name=\"parent\"{attrs}>{options}</select>",
            label = t(lang, "dp.parent"),
            attrs = retry.attrs("s-", "parent"),
        )
    } else {
        format!(
            "<input type=\"hidden\" name=\"parent\" value=\"{v}\"><p id=\"s-parent\">{label}: {who}</p>",
            v = me.as_str(),
            label = t(lang, "dp.parent"),
            who = enterprise_text(lang, me, names, me),
        )
    };
    let from = retry.date("s-", "from", &default_from);
    let to = retry.date("s-", "to", "");
    let add = format!(
        "<form method=\"post\" action=\"/e/declarations/{n}/subcontractors\" class=\"narrow\" novalidate>{csrf}\
         <fieldset><legend>{legend}</legend>\
         <label for=\"s-enterprise_number\">{sub_l}</label><input id=\"s-enterprise_number\" name=\"enterprise_number\" type=\"text\" \
         inputmode=\"numeric\" required value=\"{sub_v}\"{sub_a}>{parent}\
         <label for=\"s-from\">{from_l}</label><input id=\"s-from\" name=\"from\" type=\"{from_k}\" required value=\"{from_v}\"{from_a}>\
         <label for=\"s-to\">{to_l}</label><input id=\"s-to\" name=\"to\" type=\"{to_k}\" value=\"{to_v}\"{to_a}>\
         <button type=\"submit\">{add}</button></fieldset></form>",
        csrf = c.csrf(state),
        legend = t(lang, "dp.add_sub"),
        sub_l = t(lang, "dp.subcontractor"),
        sub_v = esc(&retry.value("s-", "enterprise_number", "")),
        sub_a = retry.attrs("s-", "enterprise_number"),
        from_l = t(lang, "dp.sub_from"),
        from_v = esc(&from.0),
        from_k = from.1,
        from_a = retry.attrs("s-", "from"),
        to_l = t(lang, "dp.sub_to"),
        to_v = esc(&to.0),
        to_k = to.1,
        to_a = retry.attrs("s-", "to"),
        add = t(lang, "dp.add"),
    );
    // End: any subcontract for the declaring contractor, those below it for a subcontractor.
    let endable: Vec<&Subcontractor> = if is_declarer { d.subcontractors.iter().collect() } else { d.below(me) };
    let end = if endable.is_empty() {
        String::new()
    } else {
        let chosen = retry.value("x-", "enterprise_number", "");
        let options: String = endable.iter().map(|s| option(&s.enterprise_number, &chosen)).collect();
        let end = retry.date("x-", "end_date", &today.to_string());
        format!(
            "<form method=\"post\" action=\"/e/declarations/{n}/subcontractors/end\" class=\"narrow\" novalidate>{csrf}\
             <fieldset><legend>{legend}</legend><p class=\"hint\" id=\"x-hint\">{hint}</p>\
             <label for=\"x-enterprise_number\">{sub_l}</label><select id=\"x-enterprise_number\" name=\"enterprise_number\"{sub_a}>{options}</select>\
             <label for=\"x-end_date\">{end_l}</label><input id=\"x-end_date\" name=\"end_date\" type=\"{end_k}\" required value=\"{end_v}\"{end_a}>\
             <button type=\"submit\">{end}</button></fieldset></form>",
            csrf = c.csrf(state),
            legend = t(lang, "dp.end_sub"),
            hint = t(lang, "dp.end_sub_hint"),
            sub_l = t(lang, "dp.role.subcontractor"),
            sub_a = retry.attrs("x-", "enterprise_number"),
            end_l = t(lang, "dp.end_date"),
            end_v = esc(&end.0),
            end_k = end.1,
            end_a = retry.attrs("x-", "end_date"),
            end = t(lang, "dp.end"),
        )
    };
    let close = if is_declarer {
        let end = retry.date("c-", "end_date", &decl.end_date.map(|d| d.to_string()).unwrap_or_default());
        format!(
            "<form method=\"post\" action=\"/e/declarations/{n}/close\" class=\"narrow\" novalidate>{csrf}\
             <fieldset><legend>{legend}</legend><p class=\"hint\" id=\"c-hint\">{hint}</p>\
             <label for=\"c-end_date\">{end_l}</label><input id=\"c-end_date\" name=\"end_date\" type=\"{end_k}\" required value=\"{end_v}\"{end_a}>\
             <label class=\"check\"><input type=\"checkbox\" id=\"c-confirm\" name=\"confirm\" value=\"true\" required{confirm_a}> {confirm_l}</label>\
             <button type=\"submit\">{close}</button></fieldset></form>",
            csrf = c.csrf(state),
            legend = t(lang, "dp.close"),
            hint = t(lang, "dp.close_hint"),
            end_l = t(lang, "dp.end_date"),
            // Not today by default: the day is chosen, then the closing confirmed.
            end_v = esc(&end.0),
            end_k = end.1,
            end_a = retry.attrs("c-", "end_date"),
            confirm_a = retry.attrs("c-", "confirm"),
            confirm_l = t(lang, "dp.close_confirm"),
            close = t(lang, "dp.close_button"),
        )
    } else {
        String::new()
    };
    format!("{add}{end}{close}")
}

async fn details(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(number): WebPath<String>,
) -> Response {
    let c = match ctx(&state, &headers, raw.as_deref(), &format!("/e/declarations/{}", urlencode(&number))).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done = query_param(raw.as_deref(), "done");
    details_page(&c, &state, &number, done.as_deref(), Retry::default(), StatusCode::OK).await
}

/// A post to a declaration's page, as it arrived.
struct Posted {
    state: AppState,
    headers: HeaderMap,
    raw: Option<String>,
    number: String,
    body: Bytes,
}

/// What every post of a declaration's page does: the signed-in user, the
/// anti-CSRF check, the change, then back to the page (with a notice), or
/// the page again with the refusals (each naming its field) and what was typed.
async fn change<F, Fut>(p: Posted, prefix: &'static str, done: &str, run: F) -> Response
where
    F: FnOnce(AppState, Ctx, DeclarationNumber, FormData) -> Fut,
    Fut: std::future::Future<Output = (Ctx, FormData, Result<(), ServiceError>)>,
{
    let Posted { state, headers, raw, number, body } = p;
    // The answer to a post is the declaration's page: its language links lead there.
    let (c, form) = match crate::employer::posted(
        &state,
        &headers,
        raw.as_deref(),
        &format!("/e/declarations/{}", urlencode(&number)),
        &body,
    )
    .await
    {
        Ok(posted) => posted,
        Err(r) => return r,
    };
    let Ok(parsed) = DeclarationNumber::parse(&number) else {
        return failure(
            &c,
            &state,
            ServiceError::not_found("denied.declarationUnknown", "there is no such declaration of works"),
        );
    };
    let (c, form, result) = run(state.clone(), c, parsed.clone(), form).await;
    let e = match result {
        Ok(()) => return Redirect::to(&format!("/e/declarations/{parsed}?done={done}")).into_response(),
        Err(ServiceError::NotFound(m)) => return failure(&c, &state, ServiceError::NotFound(m)),
        Err(e) => e,
    };
    let Some(errors) = service_errors(&e) else {
        return unavailable(e);
    };
    let retry = Retry { form: Some(&form), prefix, errors };
    details_page(&c, &state, parsed.as_str(), None, retry, status_of(&e)).await
}

async fn add_subcontractor(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(number): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    let p = Posted { state, headers, raw, number, body };
    change(p, "s-", "added", |state, c, number, form| async move {
        let input = SubcontractorInput {
            enterprise_number: form.get("enterprise_number").unwrap_or_default().to_string(),
            parent: form.get("parent").unwrap_or_default().to_string(),
            from: iso_date(form.get("from").unwrap_or_default()),
            to: iso_date(form.get("to").unwrap_or_default()),
        };
        let r = state.service.add_subcontractor(&c.user, &c.enterprise, &number, &input).await.map(|_| ());
        (c, form, r)
    })
    .await
}

async fn end_subcontractor(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(number): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    let p = Posted { state, headers, raw, number, body };
    change(p, "x-", "ended", |state, c, number, form| async move {
        let r = state
            .service
            .end_subcontractor(
                &c.user,
                &c.enterprise,
                &number,
                form.get("enterprise_number").unwrap_or_default(),
                &iso_date(form.get("end_date").unwrap_or_default()),
            )
            .await
            .map(|_| ());
        (c, form, r)
    })
    .await
}

async fn close(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    WebPath(number): WebPath<String>,
    WebForm(body): WebForm,
) -> Response {
    let p = Posted { state, headers, raw, number, body };
    change(p, "c-", "closed", |state, c, number, form| async move {
        let r = state
            .service
            .close_declaration(
                &c.user,
                &c.enterprise,
                &number,
                &iso_date(form.get("end_date").unwrap_or_default()),
                form.get("confirm").unwrap_or_default(),
            )
            .await
            .map(|_| ());
        (c, form, r)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn page_dates_read_as_typed_in_belgium() {
        for typed in [
            "2026-12-06",
            "06/12/2026",
            "6/12/2026",
            "06.12.2026",
            "6.12.2026",
            " 06/12/2026 ",
            "06-12-2026",
            "6-12-2026",
        ] {
            assert_eq!(page_date(typed), Some(date!(2026 - 12 - 06)), "{typed}");
        }
        assert_eq!(page_date("1/2/2027"), Some(date!(2027 - 02 - 01)), "day first");
        for refused in [
            "",
            "x",
            "6/12/26",
            "06/12/002026",
            "2026/12/06",
            "2026-12-6-1",
            "06-12.2026",
            "31-02-2026",
            "06/12.2026",
            "31/02/2026",
            "00/01/2026",
            "01/13/2026",
            "1.1.0999",
            "+6/12/2026",
            "06/12/2026/1",
            "٠٦/١٢/٢٠٢٦",
        ] {
            assert_eq!(page_date(refused), None, "{refused}");
        }
        assert_eq!(date_field("6.12.2026"), ("2026-12-06".to_string(), "date"));
        assert_eq!(date_field("31/02/2026"), ("31/02/2026".to_string(), "text"));
        assert_eq!(date_field(""), (String::new(), "date"));
        assert_eq!(iso_date("6/12/2026"), "2026-12-06");
        assert_eq!(iso_date("2026-12-06T08:00:00Z"), "2026-12-06T08:00:00Z", "a date-time handed on");
    }
}
