//! (being written)

/// The texts of these pages: key, then NL, FR, DE, EN.
pub const TEXTS: &[(&str, [&str; 4])] = &[];

pub fn router() -> axum::Router<crate::AppState> {
    axum::Router::new()
}
