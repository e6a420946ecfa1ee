//! Accessible SVG bar charts drawn on the server: no script, no inline
//! style (only presentation attributes, so a strict Content-Security-Policy
//! does not get in the way).
//!
//! The chart is an image for assistive technology (`role="img"`, named by
//! its `<title>` and `<desc>`); the caller renders the numbers as a table
//! next to it.

use std::fmt::Write as _;

/// Size of the drawing (the `viewBox`); the SVG scales to its container.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const MARGIN_TOP: f64 = 24.0;
const MARGIN_RIGHT: f64 = 12.0;
const MARGIN_BOTTOM: f64 = 30.0;
/// Bars: 10.7:1 against white (at least 3:1 is needed for graphics).
const BAR_COLOUR: &str = "#0b3d91";
/// Text and axis: 15.9:1 against white (at least 4.5:1 is needed for text).
const TEXT_COLOUR: &str = "#222";
/// Gridlines are decoration; the labels carry the values.
const GRID_COLOUR: &str = "#d0d0d0";
/// Above this many bars, only every n-th x label is written.
const MAX_X_LABELS: usize = 25;
/// At most this many steps between gridlines.
const MAX_GRID_STEPS: u64 = 5;

/// An SVG bar chart of people present per hour.
///
/// `labels` are the x labels (e.g. "00".."23"), `values` the bar heights;
/// when their lengths differ the shorter one decides the number of bars.
/// `title` and `description` go into `<title>` and `<desc>`, referenced by
/// `aria-labelledby` on the `<svg role="img">`. The y axis has integer
/// gridlines (0 and "nice" steps of 1, 2, 5 × 10ⁿ up to at least the
/// maximum), value labels stand above non-zero bars and x labels under the
/// bars (all of them up to 25 bars, then every n-th).
///
/// The drawing is 720 × 280 (`viewBox`) with `width="100%"`. Element ids
/// are derived from the content, so two different charts on one page do
/// not share ids. All text is XML-escaped.
pub fn bar_chart(title: &str, description: &str, labels: &[String], values: &[u32]) -> String {
    let n = labels.len().min(values.len());
    let labels = &labels[..n];
    let values = &values[..n];
    let id = chart_id(title, description, labels, values);

    let max = values.iter().copied().max().unwrap_or(0);
    let (step, top) = grid(max);
    let top_f = top as f64;

    // Room on the left for the longest y label.
    let y_label_chars = top.to_string().len() as f64;
    let margin_left = (y_label_chars * 7.0 + 14.0).max(32.0);
    let plot_left = margin_left;
    let plot_right = WIDTH - MARGIN_RIGHT;
    let plot_top = MARGIN_TOP;
    let plot_bottom = HEIGHT - MARGIN_BOTTOM;
    let plot_width = plot_right - plot_left;
    let plot_height = plot_bottom - plot_top;
    let y_of = |v: u64| plot_bottom - (v as f64 / top_f) * plot_height;

    let mut svg = String::with_capacity(2048 + n * 300);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"sans-serif\" font-size=\"12\" \
         fill=\"{TEXT_COLOUR}\">"
    );
    let _ = write!(svg, "<title id=\"{id}-title\">{}</title>", escape(title));
    let _ = write!(svg, "<desc id=\"{id}-desc\">{}</desc>", escape(description));

    // Gridlines and y labels.
    svg.push_str("<g class=\"grid\">");
    let mut v = 0u64;
    while v <= top {
        let y = y_of(v);
        let _ = write!(
            svg,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{GRID_COLOUR}\" stroke-width=\"1\"/>",
            num(plot_left),
            num(y),
            num(plot_right),
            num(y)
        );
        let _ = write!(
            svg,
            "<text class=\"y-label\" x=\"{}\" y=\"{}\" dy=\"0.35em\" text-anchor=\"end\">{v}</text>",
            num(plot_left - 6.0),
            num(y)
        );
        match v.checked_add(step) {
            Some(next) => v = next,
            None => break,
        }
    }
    svg.push_str("</g>");

    // Bars, value labels, x labels.
    let slot = if n == 0 { plot_width } else { plot_width / n as f64 };
    let bar_width = slot * 0.7;
    let label_every = n.div_ceil(MAX_X_LABELS).max(1);
    let mut bars = String::new();
    let mut value_labels = String::new();
    let mut x_labels = String::new();
    for (i, (label, &value)) in labels.iter().zip(values).enumerate() {
        let centre = plot_left + slot * (i as f64 + 0.5);
        let y = y_of(u64::from(value));
        let height = plot_bottom - y;
        let label = escape(label);
        let _ = write!(
            bars,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{BAR_COLOUR}\">\
             <title>{label}: {value}</title></rect>",
            num(centre - bar_width / 2.0),
            num(y),
            num(bar_width),
            num(height)
        );
        if value > 0 {
            // Shrink the label so it stays within its slot.
            let digits = value.to_string().len() as f64;
            let size = (slot / (digits * 0.62)).clamp(6.0, 11.0);
            let _ = write!(
                value_labels,
                "<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\">{value}</text>",
                num(centre),
                num(y - 4.0),
                num(size)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                x_labels,
                "<text class=\"x-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                num(centre),
                num(plot_bottom + 16.0)
            );
        }
    }
    let _ = write!(svg, "<g class=\"bars\">{bars}</g>");
    let _ = write!(svg, "<g class=\"values\">{value_labels}</g>");
    let _ = write!(svg, "<g class=\"x-labels\">{x_labels}</g>");

    // The x axis, over the bars' feet.
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{TEXT_COLOUR}\" stroke-width=\"1\"/>",
        num(plot_left),
        num(plot_bottom),
        num(plot_right),
        num(plot_bottom)
    );
    svg.push_str("</svg>");
    svg
}

/// The gridline step and the top of the y axis for a maximum value: the
/// smallest step in 1, 2, 5 × 10ⁿ giving at most [`MAX_GRID_STEPS`] steps,
/// and the first multiple of it at or above the maximum. An all-zero chart
/// still gets an axis from 0 to 1.
fn grid(max: u32) -> (u64, u64) {
    let max = u64::from(max).max(1);
    let mut magnitude = 1u64;
    loop {
        for factor in [1u64, 2, 5] {
            let step = magnitude * factor;
            if step * MAX_GRID_STEPS >= max {
                return (step, max.div_ceil(step) * step);
            }
        }
        // max ≤ u32::MAX, so this ends long before overflowing.
        magnitude *= 10;
    }
}

/// A coordinate with at most one decimal, and no NaN or infinity.
fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.1}");
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_string(),
        Some(whole) => whole.to_string(),
        None => s,
    }
}

/// Text for XML content and attribute values: the five special characters
/// escaped, and characters XML 1.0 does not allow left out.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An id prefix derived from the content (FNV-1a, 64 bits), stable from
/// one run to the next.
fn chart_id(title: &str, description: &str, labels: &[String], values: &[u32]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    feed(title.as_bytes());
    feed(description.as_bytes());
    for label in labels {
        feed(label.as_bytes());
    }
    for value in values {
        feed(&value.to_le_bytes());
    }
    format!("chart-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours() -> Vec<String> {
        (0..24).map(|h| format!("{h:02}")).collect()
    }

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    /// The value of attribute `name` on the first element that has it.
    fn attribute<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
        let start = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = svg[start..].find('"')? + start;
        Some(&svg[start..end])
    }

    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert_eq!(count(svg, "<svg"), 1);
        assert!(svg.contains("role=\"img\""));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let labelled_by = attribute(svg, "aria-labelledby").unwrap_or_default();
        let ids: Vec<&str> = labelled_by.split_whitespace().collect();
        assert_eq!(ids.len(), 2);
        for id in ids {
            assert_eq!(count(svg, &format!(" id=\"{id}\"")), 1, "id {id} missing");
        }
        // Tags balance for the elements that are not self-closed.
        for tag in ["g", "text", "title", "desc", "rect"] {
            let open = count(svg, &format!("<{tag} ")) + count(svg, &format!("<{tag}>"));
            let self_closed = svg.split(&format!("<{tag} ")).skip(1).filter(|rest| is_self_closed(rest)).count();
            assert_eq!(open - self_closed, count(svg, &format!("</{tag}>")), "<{tag}> unbalanced");
        }
        // No raw special characters outside tags and entities.
        for piece in svg.split('<').skip(1) {
            let text = piece.split_once('>').map(|(_, t)| t).unwrap_or_default();
            assert!(!text.contains('>'), "unescaped > in {text}");
            for (pos, _) in text.match_indices('&') {
                let rest = &text[pos..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e)),
                    "bare & in {text}"
                );
            }
        }
    }

    fn is_self_closed(rest: &str) -> bool {
        rest.find('>').is_some_and(|end| rest[..end].ends_with('/'))
    }

    #[test]
    fn a_day_of_presence() {
        let mut values = vec![0u32; 24];
        values[8] = 3;
        values[9] = 7;
        values[10] = 12;
        let svg = bar_chart("Present per hour", "People on site, 2 March 2026", &hours(), &values);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 24);
        assert!(svg.contains("<title id=\"") && svg.contains(">Present per hour</title>"));
        assert!(svg.contains(">People on site, 2 March 2026</desc>"));
        assert!(svg.contains("viewBox=\"0 0 720 280\"") && svg.contains("width=\"100%\""));
        // One value label per non-zero bar; every x label.
        assert_eq!(count(&svg, "<text class=\"value\""), 3);
        assert!(svg.contains(">12</text>"));
        assert_eq!(count(&svg, "<text class=\"x-label\""), 24);
        assert!(svg.contains(">00</text>") && svg.contains(">23</text>"));
        // Max 12: gridlines 0, 5, 10, 15.
        assert_eq!(count(&svg, "<text class=\"y-label\""), 4);
        assert!(svg.contains(">15</text>"));
        assert!(svg.contains("#0b3d91") && svg.contains("#222"));
    }

    #[test]
    fn all_zero_is_still_a_chart() {
        let svg = bar_chart("Empty", "Nobody", &hours(), &[0; 24]);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 24);
        assert_eq!(count(&svg, "height=\"0\""), 24);
        assert_eq!(count(&svg, "<text class=\"value\""), 0);
        assert_eq!(count(&svg, "<text class=\"y-label\""), 2);
    }

    #[test]
    fn no_bars_at_all() {
        let svg = bar_chart("None", "", &[], &[]);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 0);
    }

    #[test]
    fn title_description_and_labels_are_escaped() {
        let labels = vec!["<a>".to_string(), "\"x\" & 'y'".to_string()];
        let svg = bar_chart("Site <A> & \"B\"\u{1}", "R&D <floor>", &labels, &[1, 2]);
        assert_well_formed(&svg);
        assert!(svg.contains(">Site &lt;A&gt; &amp; &quot;B&quot;</title>"));
        assert!(svg.contains(">R&amp;D &lt;floor&gt;</desc>"));
        assert!(svg.contains(">&lt;a&gt;</text>"));
        assert!(svg.contains(">&quot;x&quot; &amp; &#39;y&#39;</text>"));
        assert!(!svg.contains("<A>") && !svg.contains('\u{1}'));
    }

    #[test]
    fn mismatched_lengths_use_the_shorter() {
        let svg = bar_chart("t", "d", &hours(), &[1, 2, 3]);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 3);
        assert_eq!(count(&svg, "<text class=\"x-label\""), 3);
        let svg = bar_chart("t", "d", &hours()[..2], &[1, 2, 3, 4]);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 2);
    }

    #[test]
    fn many_bars_thin_out_the_x_labels() {
        let labels: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let values: Vec<u32> = (0..100).collect();
        let svg = bar_chart("t", "d", &labels, &values);
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<rect class=\"bar\""), 100);
        assert_eq!(count(&svg, "<text class=\"x-label\""), 25);
        let svg = bar_chart("t", "d", &labels[..25], &values[..25]);
        assert_eq!(count(&svg, "<text class=\"x-label\""), 25);
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let svg = bar_chart("t", "d", &hours()[..3], &[u32::MAX, 1, 0]);
        assert_well_formed(&svg);
        assert!(svg.contains(&format!(">{}</text>", u32::MAX)));
    }

    #[test]
    fn different_charts_have_different_ids() {
        let a = bar_chart("a", "d", &hours(), &[1; 24]);
        let b = bar_chart("b", "d", &hours(), &[1; 24]);
        assert_ne!(attribute(&a, "aria-labelledby"), attribute(&b, "aria-labelledby"));
        assert_eq!(a, bar_chart("a", "d", &hours(), &[1; 24]));
    }

    #[test]
    fn nice_grid_steps() {
        assert_eq!(grid(0), (1, 1));
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(5), (1, 5));
        assert_eq!(grid(7), (2, 8));
        assert_eq!(grid(12), (5, 15));
        assert_eq!(grid(40), (10, 40));
        assert_eq!(grid(41), (10, 50));
        assert_eq!(grid(u32::MAX), (1_000_000_000, 5_000_000_000));
    }

    #[test]
    fn numbers_are_short_and_finite() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(f64::NAN), "0");
    }
}
