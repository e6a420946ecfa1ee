//! `ciao bench plot`: throughput and p99 latency of single-item
//! registrations against concurrency, one line per backend, with the raw
//! insert ceiling of each backend dashed (and PostgreSQL's single-row
//! commits dotted); drawn as SVG from the JSON
//! summaries of `ciao bench registrations|all --json-out`.

use std::fmt::Write as _;

use anyhow::Context;
use serde_json::Value;

use super::PlotArgs;

/// One line: (concurrency, value) points.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: &'static str,
    /// None: solid; Some(pattern): an SVG stroke-dasharray.
    pub dash: Option<&'static str>,
    pub points: Vec<(f64, f64)>,
}

const COLORS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

/// The series of the single-item registration points of these summaries.
pub fn series(summaries: &[Value]) -> (Vec<Series>, Vec<Series>) {
    let mut throughput = Vec::new();
    let mut p99 = Vec::new();
    let mut backends: Vec<String> = Vec::new();
    for s in summaries {
        for sc in s["scenarios"].as_array().into_iter().flatten() {
            if sc["scenario"] == "registrations"
                && sc["batch"] == 1
                && let Some(b) = sc["backend"].as_str()
                && !backends.iter().any(|x| x == b)
            {
                backends.push(b.to_string());
            }
        }
    }
    for (k, backend) in backends.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let mut items = Vec::new();
        let mut raw = Vec::new();
        let mut single = Vec::new();
        let mut lat = Vec::new();
        for s in summaries {
            for sc in s["scenarios"].as_array().into_iter().flatten() {
                if sc["scenario"] != "registrations" || sc["batch"] != 1 || sc["backend"] != backend.as_str() {
                    continue;
                }
                let Some(c) = sc["concurrency"].as_f64() else { continue };
                if let Some(v) = sc["items_per_s"].as_f64() {
                    items.push((c, v));
                }
                if let Some(v) = sc["ceilings"]["raw_inserts"]["rows_per_s"].as_f64() {
                    raw.push((c, v));
                }
                let ceilings = &sc["ceilings"];
                let one_row = [&ceilings["pg_single_row_commits"], &ceilings["sqlite_single_row_commits"]];
                if let Some(v) = one_row.iter().find_map(|c| c["commits_per_s"].as_f64()) {
                    single.push((c, v));
                }
                if let Some(v) = sc["latency_ms"]["p99"].as_f64() {
                    lat.push((c, v));
                }
            }
        }
        for v in [&mut items, &mut raw, &mut single, &mut lat] {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let name = if backend == "sqlite" { "SQLite" } else { "PostgreSQL" };
        throughput.push(Series {
            label: format!("{name}, registrations/s through HTTP"),
            color,
            dash: None,
            points: items,
        });
        if !raw.is_empty() {
            let label = format!("{name}, ceiling: raw durable inserts/s (same batches)");
            throughput.push(Series { label, color, dash: Some("6 4"), points: raw });
        }
        if !single.is_empty() {
            let how = if backend == "sqlite" { "one writer" } else { "as pgbench" };
            let label = format!("{name}, ceiling: single-row commits/s ({how})");
            throughput.push(Series { label, color, dash: Some("2 3"), points: single });
        }
        p99.push(Series { label: format!("{name}, p99"), color, dash: None, points: lat });
    }
    (throughput, p99)
}

fn nice_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= raw {
            return m * mag;
        }
    }
    10.0 * mag
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn human(v: f64) -> String {
    if v >= 1000.0 {
        format!("{}k", (v / 1000.0 * 10.0).round() / 10.0)
    } else {
        format!("{}", (v * 10.0).round() / 10.0)
    }
}

/// One panel at (x0, y0) of size (w, h): log₂ x axis of concurrency.
#[allow(clippy::too_many_arguments)]
fn panel(out: &mut String, x0: f64, y0: f64, w: f64, h: f64, title: &str, unit: &str, series: &[Series]) {
    let xs: Vec<f64> = {
        let mut v: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let ymax = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max).max(1e-9);
    let step = nice_step(ymax * 1.05);
    let top = (ymax * 1.05 / step).ceil() * step;
    let (xmin, xmax) = (xs.first().copied().unwrap_or(1.0).max(1.0), xs.last().copied().unwrap_or(2.0).max(2.0));
    let (lmin, lmax) = (xmin.log2(), if xmax > xmin { xmax.log2() } else { xmin.log2() + 1.0 });
    let px = |c: f64| x0 + 50.0 + (c.max(1.0).log2() - lmin) / (lmax - lmin) * (w - 70.0);
    let py = |v: f64| y0 + 30.0 + (1.0 - v / top) * (h - 70.0);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="14"><tspan font-weight="bold">{}</tspan> ({})</text>"#,
        x0 + 50.0,
        y0 + 18.0,
        escape(title),
        escape(unit)
    );
    // Grid and y ticks.
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let y = py(v);
        let _ = writeln!(
            out,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            x0 + 50.0,
            x0 + w - 20.0,
            x0 + 45.0,
            y + 4.0,
            human(v)
        );
        v += step;
    }
    for &c in &xs {
        let x = px(c);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle">{c}</text>"##,
            py(top),
            py(0.0),
            py(0.0) + 15.0
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">concurrent clients</text>"##,
        x0 + w / 2.0 + 15.0,
        py(0.0) + 30.0,
    );
    let _ = writeln!(
        out,
        r##"<polyline points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="none" stroke="#333"/>"##,
        x0 + 50.0,
        py(top),
        x0 + 50.0,
        py(0.0),
        x0 + w - 20.0,
        py(0.0)
    );
    for s in series {
        let pts: Vec<String> = s.points.iter().map(|&(c, v)| format!("{:.1},{:.1}", px(c), py(v))).collect();
        let dash = s.dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            pts.join(" "),
            s.color
        );
        for &(c, v) in &s.points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}: {} at {}</title></circle>"#,
                px(c),
                py(v),
                s.color,
                escape(&s.label),
                human(v),
                c
            );
        }
    }
}

/// The SVG of both panels with a legend.
pub fn svg(summaries: &[Value]) -> String {
    let (throughput, p99) = series(summaries);
    let (w, h) = (440.0, 320.0);
    let legend: Vec<&Series> = throughput.iter().collect();
    let height = h + 20.0 + 18.0 * legend.len() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" viewBox="0 0 {} {height}" font-family="sans-serif">"#,
        2.0 * w,
        2.0 * w
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    panel(&mut out, 0.0, 0.0, w, h, "Single-item registerInBulk", "per second", &throughput);
    panel(&mut out, w, 0.0, w, h, "p99 latency", "ms", &p99);
    for (i, s) in legend.iter().enumerate() {
        let y = h + 10.0 + 18.0 * i as f64;
        let dash = s.dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = writeln!(
            out,
            r#"<line x1="60" y1="{y:.1}" x2="90" y2="{y:.1}" stroke="{}" stroke-width="2"{dash}/><text x="98" y="{:.1}" font-size="12">{}</text>"#,
            s.color,
            y + 4.0,
            escape(&s.label)
        );
    }
    out.push_str("</svg>\n");
    out
}

pub fn run(args: &PlotArgs) -> anyhow::Result<()> {
    let mut summaries = Vec::new();
    for p in &args.inputs {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        summaries.push(serde_json::from_str::<Value>(&text).with_context(|| format!("{} is not JSON", p.display()))?);
    }
    let svg = svg(&summaries);
    std::fs::write(&args.out, svg).with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn draws_both_backends() {
        let point = |backend: &str, c: u64, v: f64| {
            json!({"scenario": "registrations", "backend": backend, "batch": 1, "concurrency": c, "items_per_s": v,
                   "latency_ms": {"p99": 3.5}, "ceilings": {"raw_inserts": {"rows_per_s": 2.0 * v}}})
        };
        let summary = json!({"scenarios": [point("sqlite", 16, 1000.0), point("sqlite", 64, 2000.0), point("postgres", 64, 1500.0)]});
        let svg = super::svg(&[summary]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("SQLite, registrations/s through HTTP") && svg.contains("PostgreSQL, p99"));
        assert_eq!(svg.matches("<polyline").count(), 8);
    }
}
