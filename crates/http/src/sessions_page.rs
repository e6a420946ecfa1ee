//! "Where you are signed in": the list of a person's web sessions with a
//! button to sign out each one and all the others, for the worker's phone
//! (`/w/sessions`) and the employer user's security page (`/e/security`).
//! The service checks that the sessions are the person's own and audits
//! what is ended.

use ciao_domain::FieldError;
use ciao_service::sessions::SessionView;

use crate::i18n::{Lang, t};
use crate::worker::brussels;
use crate::workplace::esc;

/// Reads a posted sign-out form (both pages' forms): one session by its
/// `id` (`Some`), or all the others with `others=1` (`None`); `id` wins.
/// Anything else is refused with its field, never taken as "nothing to do".
pub(crate) fn requested(form: &crate::worker::FormData) -> Result<Option<i64>, FieldError> {
    match (form.get("id"), form.get("others")) {
        (Some(id), _) => id.trim().parse::<i64>().map(Some).map_err(|_| {
            unknown_session("id is not one of your sessions: sign one out with its button on this page".into())
        }),
        (None, Some("1")) => Ok(None),
        (None, Some(_)) => Err(FieldError::new(
            "others",
            "session.others",
            "others is 1, to sign out all your other sessions; anything else asks nothing",
        )),
        (None, None) => Err(FieldError::new(
            "id",
            "session.request",
            "say which session to sign out: its id, or others=1 for all the others",
        )),
    }
}

/// The refusal of a sign-out whose `id` is not one of the person's
/// sessions (or has ended already).
pub(crate) fn unknown_session(description: String) -> FieldError {
    FieldError::new("id", "session.unknown", description)
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
    section(lang, sessions, action, hidden, level, "")
}

/// The worker's list (`/w/sessions`): the worker's pages speak to the
/// worker with "je" in Dutch, the employer's with "u" (texts under `w.`).
pub(crate) fn worker_sessions_section(lang: Lang, sessions: &[SessionView], action: &str) -> String {
    section(lang, sessions, action, "", 1, "w.")
}

fn section(lang: Lang, sessions: &[SessionView], action: &str, hidden: &str, level: u8, voice: &str) -> String {
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
        title = t(lang, &format!("{voice}sessions_title")),
        intro = t(lang, &format!("{voice}sessions_intro")),
    )
}
