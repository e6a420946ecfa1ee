#!/usr/bin/env python3
"""Prints the result tables of docs/benchmarks.md (Markdown) from the JSON
summaries that `ciao bench all --json-out FILE` writes.

    python3 docs/bench/tables.py docs/bench/sqlite.json docs/bench/postgres.json
"""
import json
import sys


def n(x):
    return f"{x:,.0f}"


def ms(x):
    return f"{x:.1f}"


def pct(x):
    return f"{x * 100:.0f} %"


def main(paths):
    runs = [json.load(open(p)) for p in paths]
    scenarios = [s for r in runs for s in r["scenarios"]]
    print("| backend | batch | clients | items/s | req/s | p50 ms | p95 ms | p99 ms | max ms | errors "
          "| peak RSS MiB | DB bytes/registration | items per commit | raw inserts/s (ratio) "
          "| HTTP ping req/s (ratio) | single-row commits/s (ratio) | CPU cores (ciao / rest) |")
    print("|" + "---|" * 17)
    for s in scenarios:
        if s.get("scenario") != "registrations":
            continue
        c, r, lat = s["ceilings"], s["ratios"], s["latency_ms"]
        raw = f"{n(c['raw_inserts']['rows_per_s'])} ({pct(r['items_vs_raw_inserts'])})"
        ping = f"{n(c['http_ping']['requests_per_s'])} ({pct(r['requests_vs_http_ping'])})"
        single = "–"
        for backend in ("pg", "sqlite"):
            if f"{backend}_single_row_commits" in c:
                rate = c[f"{backend}_single_row_commits"]["commits_per_s"]
                single = f"{n(rate)} ({pct(r[f'items_vs_{backend}_single_row_commits'])})"
        rest = s["cpu_machine_cores"] - s["cpu_process_cores"]
        print(f"| {s['backend']} | {s['batch']} | {s['concurrency']} | **{n(s['items_per_s'])}** "
              f"| {n(s['requests_per_s'])} | {ms(lat['p50'])} | {ms(lat['p95'])} | **{ms(lat['p99'])}** "
              f"| {ms(lat['max'])} | {s['errors']} | {s['peak_rss_mib']:.0f} | {s['db_bytes_per_registration']:.0f} "
              f"| {s['group_commit']['mean_items']:.1f} | {raw} | {ping} | {single} "
              f"| {s['cpu_process_cores']:.2f} / {max(rest, 0):.2f} |")
    print()
    print("| backend | scenario | clients | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | peak RSS MiB |")
    print("|" + "---|" * 10)
    for s in scenarios:
        kind = s.get("scenario")
        if kind not in ("tokens", "search"):
            continue
        name = f"token endpoint, {s['variant']}" if kind == "tokens" else f"search {s['variant']}"
        lat = s["latency_ms"]
        print(f"| {s['backend']} | {name} | {s['concurrency']} | {n(s['requests_per_s'])} | {ms(lat['p50'])} "
              f"| {ms(lat['p95'])} | **{ms(lat['p99'])}** | {ms(lat['max'])} | {s['errors']} "
              f"| {s['peak_rss_mib']:.0f} |")
    print()
    print("| backend | kill -9 cycles | clients | acknowledged | requests in doubt, resent | stored | missing "
          "| stored twice | restart | server alone, peak RSS MiB |")
    print("|" + "---|" * 10)
    for s in scenarios:
        if s.get("scenario") == "crash":
            print(f"| {s['backend']} | {s['cycles']} | {s['concurrency']} | {n(s['acknowledged'])} "
                  f"| {s['in_doubt_resent']} | {n(s['stored'])} | **{s['missing']}** | **{s['duplicates']}** "
                  f"| {s['restart_seconds_max']:.3f} s | {s.get('server_peak_rss_mib', 0):.0f} |")
    print()
    for s in scenarios:
        if s.get("scenario") == "validation":
            print(f"- {s['backend']}: {n(s['per_s'])} registrations/s ({n(s['validated'])} in "
                  f"{s['seconds']:.3f} s, {s.get('workers', 2)} workers)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["docs/bench/sqlite.json", "docs/bench/postgres.json"])
