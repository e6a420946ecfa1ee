//! "Where you are signed in": the list of a person's web sessions with a
//! button to sign out each one and all the others, for the worker's phone
//! (`/w/sessions`) and the employer user's security page (`/e/security`).
//! The service checks that the sessions are the person's own and audits
//! what is ended.

use ciao_service::sessions::SessionView;

use crate::i18n::{Lang, t};
use crate::worker::brussels;
use crate::workplace::esc;

/// What a posted sign-out form asks for (both pages' forms).
pub(crate) enum EndRequest {
    /// One session, by its id.
    One(i64),
    /// All the others (`others=1`).
    Others,
    /// Neither: nothing to do.
    Nothing,
    /// An `id` that is not a session id.
    Malformed,
}

/// Reads a posted sign-out form: `id` wins over `others`.
pub(crate) fn requested(form: &crate::worker::FormData) -> EndRequest {
    match (form.get("id").map(str::parse::<i64>), form.get("others")) {
        (Some(Ok(id)), _) => EndRequest::One(id),
        (Some(Err(_)), _) => EndRequest::Malformed,
        (None, Some("1")) => EndRequest::Others,
        (None, _) => EndRequest::Nothing,
    }
}

/// How the person signed in, in words.
fn provider(lang: Lang, p: &str) -> String {
    let key = format!("provider.{p}");
    crate::i18n::lookup(lang, &key).map_or_else(|| esc(p), str::to_string)
}

/// The list of sessions under a heading of level `level` (1 on the worker's
/// own page, 2 in the employer's security page), each with a sign-out form
/// posting to `action` (with `hidden`, e.g. the CSRF field), and a form to
/// sign out all the others. A list, not a table: it reads on a narrow phone.
pub(crate) fn sessions_section(lang: Lang, sessions: &[SessionView], action: &str, hidden: &str, level: u8) -> String {
    let items: String = sessions
        .iter()
        .map(|s| {
            let device = if s.device.is_empty() { t(lang, "session_unknown_device").to_string() } else { esc(&s.device) };
            let this = if s.current { format!(" <strong>{}</strong>", t(lang, "session_this")) } else { String::new() };
            let end = if s.current {
                String::new()
            } else {
                format!(
                    "<form method=\"post\" action=\"{action}\">{hidden}<input type=\"hidden\" name=\"id\" value=\"{id}\">\
                     <button type=\"submit\" class=\"link\">{label}<span class=\"sr\"> ({device})</span></button></form>",
                    id = s.id,
                    label = t(lang, "session_end"),
                )
            };
            format!(
                "<li><p class=\"device\">{device}{this}</p><p>{how_label}: {how} · {since_label}: {since} · \
                 {seen_label}: {seen}</p>{end}</li>",
                how_label = t(lang, "session_how"),
                how = provider(lang, &s.provider),
                since_label = t(lang, "session_signed_in"),
                since = brussels(s.signed_in_at, true),
                seen_label = t(lang, "session_last_seen"),
                seen = brussels(s.last_seen_at, true),
            )
        })
        .collect();
    let others = if sessions.iter().any(|s| !s.current) {
        format!(
            "<form method=\"post\" action=\"{action}\">{hidden}<input type=\"hidden\" name=\"others\" value=\"1\">\
             <button type=\"submit\">{}</button></form>",
            t(lang, "sessions_end_others")
        )
    } else {
        String::new()
    };
    let level = level.clamp(1, 6);
    format!(
        "<section aria-labelledby=\"sessions-title\"><h{level} id=\"sessions-title\">{title}</h{level}><p>{intro}</p>\
         <ul id=\"sessions\" class=\"sessions\">{items}</ul>{others}</section>",
        title = t(lang, "sessions_title"),
        intro = t(lang, "sessions_intro"),
    )
}
