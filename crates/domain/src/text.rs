//! The rule every free text of the register follows (names, addresses,
//! references, comments): no control characters, and none of the invisible
//! characters that reorder text on screen.

use crate::FieldError;

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069): invisible, they make a text shown in a page, an export
/// or the audit log read otherwise than it is stored ("Trojan source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The rule `value` breaks, if any, as an error of `field`. `line_breaks`:
/// whether a line feed is allowed (a comment).
pub fn text_fault(field: &str, value: &str, line_breaks: bool) -> Option<FieldError> {
    if value.chars().any(|c| c.is_control() && !(line_breaks && c == '\n')) {
        return Some(FieldError::new(
            field,
            "text.control",
            format!(
                "{field} may not contain control characters (such as tabs{})",
                if line_breaks { "" } else { " or line breaks" }
            ),
        ));
    }
    if value.chars().any(is_bidi_control) {
        return Some(FieldError::new(
            field,
            "text.bidiControl",
            format!(
                "{field} may not contain invisible characters that change the direction of text (U+202A–U+202E, U+2066–U+2069)"
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_overrides_are_refused() {
        assert!(text_fault("name", "Jean-Pierre Dupont, 1000 Bruxelles ✓ é", false).is_none());
        assert!(text_fault("name", "محمد", false).is_none());
        assert_eq!(text_fault("name", "a\u{0}b", false).unwrap().code, "text.control");
        assert_eq!(text_fault("name", "a\nb", false).unwrap().code, "text.control");
        assert!(text_fault("comment", "a\nb", true).is_none());
        assert_eq!(text_fault("comment", "a\tb", true).unwrap().code, "text.control");
        for c in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            let e = text_fault("siteName", &format!("ab{c}cd"), false).unwrap();
            assert_eq!((e.field.as_str(), e.code.as_str()), ("siteName", "text.bidiControl"), "{c:?}");
        }
    }
}
