//! "Where you are signed in": the list of a person's web sessions with a
//! button to sign out each one and all the others, for the worker's phone
//! (`/w/sessions`) and the employer user's security page (`/e/security`).
//! The service checks that the sessions are the person's own and audits
//! what is ended.

use ciao_service::sessions::SessionView;

use crate::i18n::{Lang, t};
use crate::worker::brussels;
use crate::workplace::esc;

/// How the person signed in, in words.
fn provider(lang: Lang, p: &str) -> String {
    let key = format!("provider.{p}");
    if crate::i18n::keys().any(|k| k == key) { t(lang, &key).to_string() } else { esc(p) }
}

/// The table of sessions, each with a sign-out form posting to `action`
/// (with `hidden`, e.g. the CSRF field), and a form to sign out all others.
pub(crate) fn sessions_section(lang: Lang, sessions: &[SessionView], action: &str, hidden: &str) -> String {
    let rows: String = sessions
        .iter()
        .map(|s| {
            let device = if s.device.is_empty() { t(lang, "session_unknown_device").to_string() } else { esc(&s.device) };
            let this = if s.current { format!(" <strong>{}</strong>", t(lang, "session_this")) } else { String::new() };
            let end = if s.current {
                String::new()
            } else {
                format!(
                    "<form method=\"post\" action=\"{action}\" class=\"inline\">{hidden}<input type=\"hidden\" name=\"id\" value=\"{id}\">\
                     <button type=\"submit\" class=\"link\">{label}<span class=\"sr\"> ({device})</span></button></form>",
                    id = s.id,
                    label = t(lang, "session_end"),
                )
            };
            format!(
                "<tr><td>{device}{this}</td><td>{how}</td><td>{since}</td><td>{seen}</td><td>{end}</td></tr>",
                how = provider(lang, &s.provider),
                since = brussels(s.signed_in_at, true),
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
    format!(
        "<section aria-labelledby=\"sessions-title\"><h2 id=\"sessions-title\">{title}</h2><p>{intro}</p>\
         <table id=\"sessions\"><thead><tr><th scope=\"col\">{device}</th><th scope=\"col\">{how}</th><th scope=\"col\">{since}</th>\
         <th scope=\"col\">{seen}</th><th scope=\"col\"><span class=\"sr\">{end}</span></th></tr></thead>\
         <tbody>{rows}</tbody></table>{others}</section>",
        title = t(lang, "sessions_title"),
        intro = t(lang, "sessions_intro"),
        device = t(lang, "session_device"),
        how = t(lang, "session_how"),
        since = t(lang, "session_signed_in"),
        seen = t(lang, "session_last_seen"),
        end = t(lang, "session_end"),
    )
}
