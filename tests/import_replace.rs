//! `ciao import KIND FILE --replace`: the file is the whole of each owner it
//! names (a person's employments or Limosa declarations, an enterprise's
//! periods, a declaration's subcontractors), so a wrongly imported row can be
//! removed; owners the file does not name keep their rows; persons and
//! declarations (one row per key) refuse it; a merge never removes.

mod common;

use ciao_service::import::ImportMode;
use common::{Backend, TestApp, operator, seed, ssin};

async fn import(app: &TestApp, kind: &str, csv: &str, mode: ImportMode) -> Result<(u64, u64), String> {
    app.service
        .import_with(&operator(), kind, std::io::Cursor::new(csv.as_bytes().to_vec()), &mut |_, _| {}, mode)
        .await
        .map(|s| (s.rows, s.changed))
        .map_err(|e| e.to_string())
}

/// The rows of a registry table matching `filter`, as text, sorted.
async fn rows(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut out: Vec<String> = if app.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&app.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(&mut conn).await.unwrap()
    };
    out.sort();
    out
}

async fn employments(app: &TestApp, ssin: &str) -> Vec<String> {
    rows(app, &format!("SELECT employer || ' ' || date_from FROM employments WHERE ssin = '{ssin}'")).await
}

async fn subs(app: &TestApp, declaration: &str) -> Vec<String> {
    rows(app, &format!("SELECT enterprise_number FROM subcontractors WHERE declaration = '{declaration}'")).await
}

async fn periods(app: &TestApp, enterprise: &str) -> Vec<String> {
    rows(app, &format!("SELECT active_from FROM enterprise_periods WHERE enterprise_number = '{enterprise}'")).await
}

async fn replace_removes_what_the_file_leaves_out(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let (p, q) = (ssin(850_101_001), ssin(850_101_002));
    let header = "ssin,employer,from,to\n";
    // A wrong second employment of P (another `from`), beside the right one.
    let all =
        format!("{header}{p},{e1},2016-02-01,\n{p},{e2},2020-01-01,\n{q},{e1},2018-01-01,\n", e1 = w.e1, e2 = w.e2);
    assert_eq!(import(&app, "employments", &all, ImportMode::Merge).await, Ok((3, 3)));
    // A merge of the right row alone removes nothing.
    let right = format!("{header}{p},{},2016-02-01,\n", w.e1);
    assert_eq!(import(&app, "employments", &right, ImportMode::Merge).await, Ok((1, 0)));
    assert_eq!(employments(&app, &p).await.len(), 2);
    // Replace: P's rows are the file's; Q, not in the file, keeps hers.
    assert_eq!(import(&app, "employments", &right, ImportMode::Replace).await, Ok((1, 1)));
    assert_eq!(employments(&app, &p).await, [format!("{} 2016-02-01", w.e1)]);
    assert_eq!(employments(&app, &q).await, [format!("{} 2018-01-01", w.e1)]);
    // Again: nothing left to remove.
    assert_eq!(import(&app, "employments", &right, ImportMode::Replace).await, Ok((1, 0)));

    // Subcontractors: the chain of d1 is e1 → e2 → e3. Replacing it with e2
    // alone removes e3; a file that keeps e3 but not its parent e2 is refused,
    // naming the line and the parent, and changes nothing.
    assert_eq!(subs(&app, &w.d1).await, [w.e2.clone(), w.e3.clone()]);
    let header = "declaration,enterprise_number,parent,from,to\n";
    let orphan = format!("{header}{},{},{},2020-01-01,\n", w.d1, w.e3, w.e2);
    let refused = import(&app, "subcontractors", &orphan, ImportMode::Replace).await.unwrap_err();
    assert!(refused.contains("line 2") && refused.contains("parent"), "{refused}");
    assert_eq!(subs(&app, &w.d1).await, [w.e2.clone(), w.e3.clone()], "nothing half-imported");
    // The same file merged is fine (e2 stays as stored).
    let only_e2 = format!("{header}{},{},{},2020-01-01,\n", w.d1, w.e2, w.e1);
    assert_eq!(import(&app, "subcontractors", &only_e2, ImportMode::Replace).await, Ok((1, 1)));
    assert_eq!(subs(&app, &w.d1).await, std::slice::from_ref(&w.e2));

    // Enterprise periods: a wrong second period of e4 goes with its founders.
    let founder = ssin(700_101_005);
    let two = format!(
        "enterprise_number,name,active_from,active_to,legal_form,founders\n\
         {e},Other SA,2000-01-01,2009-12-31,legal_entity,\n{e},Other SA,2010-01-01,,legal_entity,{founder}\n",
        e = w.e4
    );
    import(&app, "enterprises", &two, ImportMode::Merge).await.unwrap();
    assert_eq!(periods(&app, &w.e4).await, ["2000-01-01", "2010-01-01"]);
    let one = format!("enterprise_number,name,active_from,active_to\n{},Other SA,2000-01-01,\n", w.e4);
    import(&app, "enterprises", &one, ImportMode::Replace).await.unwrap();
    assert_eq!(periods(&app, &w.e4).await, ["2000-01-01"]);
    let founders =
        rows(&app, &format!("SELECT ssin FROM enterprise_founders WHERE enterprise_number = '{}'", w.e4)).await;
    assert!(founders.is_empty(), "{founders:?}");
    assert_eq!(periods(&app, &w.e1).await, ["2000-01-01"], "an enterprise not in the file is untouched");

    // Limosa: a person's declarations are the file's.
    let header = "limosa_id,ssin,foreign_employer_vat,belgian_client,from,to\n";
    let both =
        format!("{header}1000001,{p},FR12345678901,{},2026-01-01,\n1000002,{p},NL123456789B01,,2026-01-01,\n", w.e1);
    import(&app, "limosa", &both, ImportMode::Merge).await.unwrap();
    let first = format!("{header}1000001,{p},FR12345678901,{},2026-01-01,\n", w.e1);
    assert_eq!(import(&app, "limosa", &first, ImportMode::Replace).await, Ok((1, 1)));
    assert_eq!(rows(&app, &format!("SELECT limosa_id FROM limosa_declarations WHERE ssin = '{p}'")).await, ["1000001"]);

    // One row per key: nothing to replace.
    for (kind, csv) in [
        ("persons", format!("ssin,last_name,first_name\n{p},Peeters,An\n")),
        (
            "declarations",
            "number,sector,site_name,street,house_number,post_code,municipality,latitude,longitude,start_date,end_date,amount_excl_vat,principal,declaring_contractor,subject_to_registration\n".to_string(),
        ),
    ] {
        let e = import(&app, kind, &csv, ImportMode::Replace).await.unwrap_err();
        assert!(e.contains("--replace applies to enterprises, employments, limosa, subcontractors"), "{kind}: {e}");
    }
    // The audit log says the import replaced.
    let log = app.service.store().audit_entries(3).await.unwrap();
    assert!(log.iter().any(|e| e.action == "reference.import" && e.detail["replace"] == true), "{log:?}");
    app.finish().await;
}
both_backends!(replace_removes_what_the_file_leaves_out_t, replace_removes_what_the_file_leaves_out);

/// A registration that carries only a Limosa number (a posted worker
/// without SSIN) is validated again when `--replace` removes that Limosa
/// declaration: it then says the number is not known.
async fn a_removed_limosa_declaration_revalidates_its_registrations(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let p = ssin(850_101_003);
    let header = "limosa_id,ssin,foreign_employer_vat,belgian_client,from,to\n";
    let both = format!(
        "{header}1000011,{p},NL123456789B01,{e1},2026-01-01,\n1000012,{p},NL123456789B01,{e1},2026-01-01,\n",
        e1 = w.e1
    );
    import(&app, "limosa", &both, ImportMode::Merge).await.unwrap();
    let mut item = common::item(&p, &w.e1, &w.d1, "IN");
    item.as_object_mut().unwrap().remove("ssin");
    item["limosaId"] = serde_json::json!("1000012");
    item["employer"] = serde_json::json!({"foreignVatNumber": "NL123456789B01"});
    let id = app.register_one(&w.e1, item).await;
    let before = remarks_after_validation(&app, id).await;
    assert!(!before.iter().any(|c| c == "LIMOSA_ID_NOT_KNOWN"), "{before:?}");
    let first = format!("{header}1000011,{p},NL123456789B01,{},2026-01-01,\n", w.e1);
    assert_eq!(import(&app, "limosa", &first, ImportMode::Replace).await, Ok((1, 1)));
    let after = remarks_after_validation(&app, id).await;
    assert!(after.iter().any(|c| c == "LIMOSA_ID_NOT_KNOWN"), "{after:?}");
    app.finish().await;
}
both_backends!(a_removed_limosa_t, a_removed_limosa_declaration_revalidates_its_registrations);

/// A founder that a merge import takes off an enterprise's period (the
/// file's founders replace the stored ones, with or without --replace): the
/// founder's registrations for other employers are validated again, since
/// "self-employed elsewhere" no longer holds.
async fn a_founder_removed_by_a_merge_revalidates_their_registrations(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let founder = w.worker.clone();
    let header = "enterprise_number,name,active_from,active_to,legal_form,founders\n";
    let with = format!("{header}{e},Other SA,2000-01-01,,legal_entity,{founder}\n", e = w.e4);
    import(&app, "enterprises", &with, ImportMode::Merge).await.unwrap();
    // The founder of e4 works for e1 without an employment.
    let id = app.register_one(&w.e1, common::item(&founder, &w.e1, &w.d1, "IN")).await;
    let before = remarks_after_validation(&app, id).await;
    assert!(before.iter().any(|c| c == "INDEPENDENT_IS_NOT_KNOWN_AS_FOUNDER"), "{before:?}");
    let without = format!("{header}{e},Other SA,2000-01-01,,legal_entity,\n", e = w.e4);
    import(&app, "enterprises", &without, ImportMode::Merge).await.unwrap();
    let after = remarks_after_validation(&app, id).await;
    assert!(!after.iter().any(|c| c == "INDEPENDENT_IS_NOT_KNOWN_AS_FOUNDER"), "{after:?}");
    app.finish().await;
}
both_backends!(a_removed_founder_t, a_founder_removed_by_a_merge_revalidates_their_registrations);

/// A registry file of thousands of rows is written in multi-row statements
/// (1,000 rows each): every row arrives, a changed row in a later chunk
/// counts once, and a file naming a key twice is refused by its check before
/// anything is written.
async fn a_large_file_with_a_key_given_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let w = seed(&app).await;
    let mut persons = String::from("ssin,last_name,first_name\n");
    for i in 0..2_500u64 {
        persons.push_str(&format!("{},Name{i},First\n", ssin(700_000_000 + i)));
    }
    assert_eq!(import(&app, "persons", &persons, ImportMode::Merge).await, Ok((2_500, 2_500)));
    assert_eq!(rows(&app, "SELECT ssin FROM persons WHERE last_name LIKE 'Name%'").await.len(), 2_500);
    // The same file again changes nothing; one renamed person, in the
    // second chunk, is one change.
    assert_eq!(import(&app, "persons", &persons, ImportMode::Merge).await, Ok((2_500, 0)));
    let renamed = persons.replace("Name1499,First", "Renamed,Again");
    assert_eq!(import(&app, "persons", &renamed, ImportMode::Merge).await, Ok((2_500, 1)));
    let names = rows(&app, &format!("SELECT last_name FROM persons WHERE ssin = '{}'", ssin(700_001_499))).await;
    assert_eq!(names, vec!["Renamed".to_string()]);
    // A person given twice is refused (persons have one row per key).
    let twice = format!("{persons}{},Other,Name\n", ssin(700_000_007));
    assert!(import(&app, "persons", &twice, ImportMode::Merge).await.unwrap_err().contains("line 2502"));
    // Two of them register before their employments are known.
    let (p1, p2) = (ssin(700_000_001), ssin(700_001_800));
    let r1 = app.register_one(&w.e1, common::item(&p1, &w.e1, &w.d1, "IN")).await;
    let r2 = app.register_one(&w.e1, common::item(&p2, &w.e1, &w.d1, "IN")).await;
    for id in [r1, r2] {
        assert!(remarks_after_validation(&app, id).await.iter().any(|c| c == "RELATED_DIMONA_NOT_OK"), "{id}");
    }
    // 2,500 employments likewise; one given twice is refused.
    let mut employments = String::from("ssin,employer,from,to\n");
    for i in 0..2_500u64 {
        employments.push_str(&format!("{},{},2020-01-01,\n", ssin(700_000_000 + i), w.e1));
    }
    assert_eq!(import(&app, "employments", &employments, ImportMode::Merge).await, Ok((2_500, 2_500)));
    // Both are validated again (their SSINs in different requeue statements).
    for id in [r1, r2] {
        assert!(!remarks_after_validation(&app, id).await.iter().any(|c| c == "RELATED_DIMONA_NOT_OK"), "{id}");
    }
    let p = ssin(700_000_001);
    let ended =
        employments.replace(&format!("{p},{},2020-01-01,\n", w.e1), &format!("{p},{},2020-01-01,2020-06-30\n", w.e1));
    assert_eq!(import(&app, "employments", &ended, ImportMode::Merge).await, Ok((2_500, 1)));
    let twice = format!("{employments}{p},{},2020-01-01,2020-06-30\n", w.e1);
    assert!(import(&app, "employments", &twice, ImportMode::Merge).await.unwrap_err().contains("line 2502"));
    app.finish().await;
}
both_backends!(a_large_file_t, a_large_file_with_a_key_given_twice);

/// The remark codes of registration `id` once the queue is validated.
async fn remarks_after_validation(app: &TestApp, id: i64) -> Vec<String> {
    app.service.validate_all().await.unwrap();
    let r = app.service.registration(&operator(), ciao_domain::RegistrationId::new(id).unwrap()).await.unwrap();
    r.remarks.iter().map(|r| r.code.clone()).collect()
}
