//! The rule every free text of the register follows (names, addresses,
//! references, comments): no control characters, none of the invisible
//! characters that reorder text on screen or hide in it, no noncharacters.

use crate::FieldError;

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069): invisible, they make a text shown in a page, an export
/// or the audit log read otherwise than it is stored ("Trojan source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters with no place in the register's texts: zero-width
/// space (U+200B), the left-to-right and right-to-left marks (U+200E,
/// U+200F), word joiner and invisible operators (U+2060–U+2064), the
/// zero-width no-break space or byte-order mark (U+FEFF), the soft hyphen
/// (U+00AD) and the Mongolian vowel separator (U+180E). Each makes two texts
/// that look the same differ (a clientReference `\u{FEFF}abc` is not
/// `abc`), or a text that looks empty not empty (a cancellation's required
/// comment). The joiners U+200C and U+200D stay allowed: scripts such as
/// Persian, the Indic ones, and emoji need them.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Unicode's noncharacters (U+FDD0–U+FDEF, and the last two code points of
/// every plane, such as U+FFFE and U+FFFF): never meant for interchange.
pub fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
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
    if let Some(c) = value.chars().find(|c| is_invisible(*c)) {
        return Some(FieldError::new(
            field,
            "text.invisible",
            format!(
                "{field} may not contain invisible characters such as zero-width spaces or byte-order marks (here U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| is_noncharacter(*c)) {
        return Some(FieldError::new(
            field,
            "text.noncharacter",
            format!("{field} may not contain Unicode noncharacters (here U+{:04X})", u32::from(c)),
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

    #[test]
    fn invisible_characters_and_noncharacters_are_refused() {
        for c in ['\u{00AD}', '\u{180E}', '\u{200B}', '\u{200E}', '\u{200F}', '\u{2060}', '\u{2064}', '\u{FEFF}'] {
            let e = text_fault("clientReference", &format!("{c}abc"), false).unwrap();
            assert_eq!((e.field.as_str(), e.code.as_str()), ("clientReference", "text.invisible"), "{c:?}");
            assert!(e.description.contains(&format!("U+{:04X}", u32::from(c))), "{}", e.description);
        }
        for c in ['\u{FDD0}', '\u{FDEF}', '\u{FFFE}', '\u{FFFF}', '\u{1FFFE}', '\u{10FFFF}'] {
            assert_eq!(text_fault("comment", &format!("a{c}"), true).unwrap().code, "text.noncharacter", "{c:?}");
        }
        // The joiners that scripts and emoji need, and their neighbours, stay.
        for text in ["می\u{200C}خواهم", "👩\u{200D}🔧", "\u{FDCF}\u{FDF0}\u{FFFD}", "Rue de l'Église 12"] {
            assert!(text_fault("comment", text, true).is_none(), "{text:?}");
        }
    }
}
