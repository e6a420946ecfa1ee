//! The operator's command line, run as a real process.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The secrets key file of a test's database: beside it (never the
/// operator's own data directory).
fn key_file(db: &str) -> PathBuf {
    let path = Path::new(db.trim_start_matches("sqlite://"));
    path.parent()
        .filter(|p| p.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
        .join("test-secrets.key")
}

fn ciao(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(args)
        .env("CIAO_DATABASE_URL", db)
        .env("CIAO_SECRETS_KEY_FILE", key_file(db))
        .env("CIAO_LOG", "warn")
        .output()
        .expect("run ciao")
}

/// As [`ciao`], killed after `secs` seconds (for a command that would run
/// on, a server, when the test fails).
fn ciao_timed(db: &str, args: &[&str], env: &[(&str, &str)], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(args)
        .env("CIAO_DATABASE_URL", db)
        .env("CIAO_SECRETS_KEY_FILE", key_file(db))
        .env("CIAO_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ciao");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().expect("ciao's output")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ciao-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data")
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("ciao.db").display())
}

#[test]
fn migrate_creates_the_database() {
    let dir = temp_dir("migrate");
    let o = ciao(&db_url(&dir), &["migrate"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("schema version 13"), "{}", text(&o.stdout));
    assert!(dir.join("ciao.db").exists());
}

/// The secrets key file: created on first use beside nothing else (here
/// in the data directory), readable by its owner only, the same key on the
/// next run; a damaged one stops the command with the file named.
#[test]
fn the_secrets_key_file_is_created_once_and_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("secrets-key");
    let run = |args: &[&str]| in_data_dir(&dir, args).output().expect("run ciao");
    let o = run(&["migrate"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let key = dir.join("ciao-secrets.key");
    let first = std::fs::read_to_string(&key).expect("the key file is created in the data directory");
    assert_eq!(first.trim().len(), 64, "{first:?}");
    assert!(first.trim().bytes().all(|b| b.is_ascii_hexdigit()), "{first:?}");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let o = run(&["migrate"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), first, "the same key the next time");
    let o = run(&["enterprise", "user", "forget-unreadable"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("nothing to forget"), "{}", text(&o.stdout));

    // Another key (a key file made anew by mistake): the database refuses
    // it; the dry run names both keys; --yes makes the database take it.
    std::fs::rename(&key, dir.join("old.key")).unwrap();
    let o = run(&["migrate"]);
    assert!(!o.status.success(), "another key is refused");
    assert!(text(&o.stderr).contains("sealed with the secrets key"), "{}", text(&o.stderr));
    let o = run(&["enterprise", "user", "forget-unreadable"]);
    let out = text(&o.stdout);
    assert!(
        o.status.success() && out.contains("the database's secrets key: ") && out.contains("the key file"),
        "{out}"
    );
    let o = run(&["enterprise", "user", "forget-unreadable", "--yes"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(&["migrate"]);
    assert!(o.status.success(), "the database now takes the new key: {}", text(&o.stderr));

    // A rotation: a new key in the file, the old one kept beside it, and the
    // database takes the new one.
    let before = std::fs::read_to_string(&key).unwrap();
    let o = run(&["secrets-key", "rotate"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("sealed again"), "{}", text(&o.stdout));
    let after = std::fs::read_to_string(&key).unwrap();
    assert_ne!(before, after, "a new key");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("ciao-secrets.key.old-"))
        .collect();
    assert_eq!(kept.len(), 1, "the old key kept");
    assert_eq!(std::fs::read_to_string(kept[0].path()).unwrap(), before);
    let o = run(&["migrate"]);
    assert!(o.status.success(), "the new key opens the database: {}", text(&o.stderr));

    std::fs::write(&key, "not a key\n").unwrap();
    let o = run(&["migrate"]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("ciao-secrets.key") && err.contains("64 hexadecimal digits"), "{err}");
}

#[test]
fn the_operator_issues_activation_codes() {
    let dir = temp_dir("activation");
    let o = ciao(&db_url(&dir), &["person", "activation-code", "85.07.30-033.28"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("activation code for 85*******28: "), "{out}");
    let code = out.split(": ").nth(1).unwrap().lines().next().unwrap().trim();
    assert_eq!(code.len(), 14, "{code}");
    assert!(out.contains("valid until"), "{out}");
    // Printed once: two calls give two codes.
    let again = text(&ciao(&db_url(&dir), &["person", "activation-code", "85073003328"]).stdout);
    assert!(!again.contains(code), "{again}");
    // The security log says it at info, the person masked.
    let logged = ciao_timed(&db_url(&dir), &["person", "activation-code", "85073003328"], &[("CIAO_LOG", "info")], 30);
    let err = text(&logged.stderr);
    assert!(err.contains("ciao::audit") && err.contains("worker.activation_code"), "{err}");
    assert!(err.contains("85*******28") && !err.contains("85073003328"), "{err}");
    let bad = ciao(&db_url(&dir), &["person", "activation-code", "85073003329"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("ssin"), "{}", text(&bad.stderr));
}

#[test]
fn the_example_files_import_and_reimport_changes_nothing() {
    let dir = temp_dir("examples");
    let db = db_url(&dir);
    let kinds = ["enterprises", "persons", "employments", "limosa", "declarations", "subcontractors"];
    for kind in kinds {
        let file = examples().join(format!("{kind}.csv"));
        let o = ciao(&db, &["import", kind, file.to_str().unwrap()]);
        assert!(o.status.success(), "{kind}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(out.starts_with(&format!("{kind}: ")), "{out}");
        assert!(!out.contains("nothing changed"), "first import of {kind} changed nothing: {out}");
    }
    for kind in kinds {
        let file = examples().join(format!("{kind}.csv"));
        let o = ciao(&db, &["import", kind, file.to_str().unwrap()]);
        assert!(o.status.success(), "{kind}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("; nothing changed"), "second import of {kind}: {}", text(&o.stdout));
    }
    // Every declaration of the example is shown with its technical number.
    let declarations = std::fs::read_to_string(examples().join("declarations.csv")).unwrap();
    let number = declarations.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    let o = ciao(&db, &["declaration", "show", &number]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["technicalNumber"].as_str().unwrap().len(), 26);
    // The technical number does not change on reimport.
    let again = ciao(&db, &["import", "declarations", examples().join("declarations.csv").to_str().unwrap()]);
    assert!(again.status.success());
    let o2 = ciao(&db, &["declaration", "show", &number, "--public-url", "https://ciao.example.be/"]);
    let v2: serde_json::Value = serde_json::from_slice(&o2.stdout).unwrap();
    assert_eq!(v["technicalNumber"], v2["technicalNumber"]);
    // Without a public URL the address is the local default, and said to be.
    assert!(text(&o.stderr).contains("warning: no --public-url"), "{}", text(&o.stderr));
    assert!(!text(&o2.stderr).contains("warning"), "{}", text(&o2.stderr));
    // The registration URL, what the declaration's QR code holds.
    let technical = v["technicalNumber"].as_str().unwrap();
    assert_eq!(v["registrationUrl"], format!("http://127.0.0.1:8080/r/{technical}"));
    assert_eq!(v2["registrationUrl"], format!("https://ciao.example.be/r/{technical}"));
}

#[test]
fn a_bad_row_names_its_line_and_imports_nothing() {
    let dir = temp_dir("badrow");
    let db = db_url(&dir);
    let csv = dir.join("enterprises.csv");
    std::fs::write(
        &csv,
        "enterprise_number,name,active_from,active_to\n0123456749,Good NV,2020-01-01,\n0203456748,Bad NV,2020-01-01,\n",
    )
    .unwrap();
    let o = ciao(&db, &["import", "enterprises", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("enterprise_number"), "{err}");
    // Nothing half-imported: the good first row is not there either.
    std::fs::write(&csv, "enterprise_number,name,active_from,active_to\n0123456749,Good NV,2020-01-01,\n").unwrap();
    let o = ciao(&db, &["import", "enterprises", csv.to_str().unwrap()]);
    assert!(
        text(&o.stdout).contains(&format!(
            "enterprises: 1 row read from {}; 2 records (enterprises, their active periods and founders) added, \
             updated or removed",
            csv.display()
        )),
        "{}",
        text(&o.stdout)
    );

    let o = ciao(&db, &["import", "colours", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("unknown kind"));

    std::fs::write(&csv, "enterprise_number,name\n0123456749,Good NV\n").unwrap();
    let o = ciao(&db, &["import", "enterprises", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("active_from"), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("separator"), "{}", text(&o.stderr));
    // Saved by a spreadsheet with semicolons.
    std::fs::write(&csv, "enterprise_number;name;active_from;active_to\n0123456749;Good NV;2020-01-01;\n").unwrap();
    let o = ciao(&db, &["import", "enterprises", csv.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("the separator is a comma, not a semicolon"), "{}", text(&o.stderr));
    // A file of one row, and of several: the counts read right.
    let persons = dir.join("persons.csv");
    std::fs::write(&persons, "ssin,last_name,first_name\n85073003328,Peeters,Anna\n").unwrap();
    let out = ciao_ok(&db, &["import", "persons", persons.to_str().unwrap()]);
    assert_eq!(out.trim(), format!("persons: 1 row read from {}; 1 person added or updated", persons.display()));
    std::fs::write(
        &persons,
        "ssin,last_name,first_name\n85073003328,Peeters,Anna\n71071902374,Janssens,Jan\n90010100123,Claes,Tom\n",
    )
    .unwrap();
    let out = ciao_ok(&db, &["import", "persons", persons.to_str().unwrap()]);
    assert_eq!(out.trim(), format!("persons: 3 rows read from {}; 2 persons added or updated", persons.display()));

    let subs = dir.join("subcontractors.csv");
    std::fs::write(
        &subs,
        "declaration,enterprise_number,parent,from,to\n1Y1003SQ5VSSZ,0123456749,0203456708,2020-01-01,\n",
    )
    .unwrap();
    let o = ciao(&db, &["import", "subcontractors", subs.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("no declaration of works"), "{}", text(&o.stderr));

    let o = ciao(&db, &["declaration", "show", "1Y1003SQ5VSSZ"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("no declaration of works"));
    let o = ciao(&db, &["declaration", "show", "1Y1003SQ5VSSO"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("I and O"), "{}", text(&o.stderr));
}

#[test]
fn serve_prints_where_it_listens_and_answers() {
    let dir = temp_dir("serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CIAO_DATABASE_URL", db_url(&dir))
        .env("CIAO_SECRETS_KEY_FILE", key_file(&db_url(&dir)))
        .env("CIAO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("ciao listening on http://127.0.0.1:"), "{line}");
    let addr = line.trim_start_matches("ciao listening on http://").split_whitespace().next().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let health: serde_json::Value =
        rt.block_on(async { reqwest::get(format!("http://{addr}/health")).await.unwrap().json().await.unwrap() });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health["status"], "UP");
    assert_eq!(health["database"], "sqlite");
}

/// The first line the server prints; the rest of its output is drained in
/// the background so that it never writes to a closed pipe.
fn first_line(child: &mut std::process::Child) -> String {
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    line
}

fn ciao_ok(db: &str, args: &[&str]) -> String {
    let o = ciao(db, args);
    assert!(o.status.success(), "ciao {args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

/// The README's integrator walk-through: from nothing to a first registration.
#[test]
fn an_integrator_goes_from_nothing_to_a_first_registration() {
    let dir = temp_dir("integrator");
    let db = db_url(&dir);
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    ciao_ok(&db, &["client", "keygen", "--kind", "ec-p384", "--out", key.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
    ciao_ok(
        &db,
        &[
            "client",
            "certificate",
            "--key",
            key.to_str().unwrap(),
            "--subject",
            "CN=badges,O=Brillance Nettoyage SRL,C=BE",
            "--out",
            cert.to_str().unwrap(),
        ],
    );
    // The README's loop over the example reference data.
    for kind in ["enterprises", "persons", "employments", "limosa", "declarations", "subcontractors"] {
        ciao_ok(&db, &["import", kind, examples().join(format!("{kind}.csv")).to_str().unwrap()]);
    }

    // A refused certificate says which rule failed.
    let o = ciao(
        &db,
        &[
            "channel",
            "account",
            "create",
            "--enterprise",
            "0621845521",
            "--name",
            "old",
            "--permission",
            "register",
            "--certificate",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs/rsa1024.pem").to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("certificate.keySize"), "{}", text(&o.stderr));

    let account: serde_json::Value = serde_json::from_str(&ciao_ok(
        &db,
        &[
            "channel",
            "account",
            "create",
            "--enterprise",
            "0621845521",
            "--name",
            "badges",
            "--permission",
            "register",
            "--permission",
            "consult",
            "--certificate",
            cert.to_str().unwrap(),
            "--certificate-name",
            "main",
        ],
    ))
    .unwrap();
    let client_id = account["client_id"].as_str().unwrap().to_string();
    assert!(client_id.starts_with("self_service_expeditor_"));
    assert_eq!(account["certificates"][0]["name"], "main");
    let list = ciao_ok(&db, &["channel", "account", "list", "--enterprise", "0621845521"]);
    assert!(list.contains(&client_id));

    let (mut child, addr) = start_server(&db);
    let token_url = format!("{addr}/REST/oauth/v5/token");
    let auth = ["--client-id", client_id.as_str(), "--key", key.to_str().unwrap()];

    let mut args = vec!["client", "token"];
    args.extend(auth);
    args.extend(["--token-url", token_url.as_str()]);
    let token: serde_json::Value = serde_json::from_str(&ciao_ok(&db, &args)).unwrap();
    assert_eq!(token["token_type"], "Bearer");
    // `token` takes the base URL as `register` and `search` do; without
    // either URL, the error names flags that exist.
    let mut args = vec!["client", "token", "--url", addr.as_str()];
    args.extend(auth);
    let token: serde_json::Value = serde_json::from_str(&ciao_ok(&db, &args)).unwrap();
    assert_eq!(token["token_type"], "Bearer");
    let mut args = vec!["client", "token"];
    args.extend(auth);
    let o = ciao(&db, &args);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("give --url") && err.contains("--token-url"), "{err}");
    let help = ciao_ok(&db, &["client", "token", "--help"]);
    assert!(help.contains("--url <URL>") && help.contains("--token-url <TOKEN_URL>"), "{help}");

    let mut args = vec!["client", "register", "--url", addr.as_str()];
    args.extend(auth);
    args.extend([
        "--ssin",
        "71071902374",
        "--employer",
        "0621845521",
        "--declaration",
        "1Y2601BXL7K3M",
        "--type",
        "IN",
        "--client-reference",
        "first",
    ]);
    let out: serde_json::Value = serde_json::from_str(&ciao_ok(&db, &args)).unwrap();
    let id = out["items"][0]["createdPresenceRegistration"]["id"].as_i64().expect("created");
    // An item refused: the answer is printed, and the command fails.
    let mut args = vec!["client", "register", "--url", addr.as_str()];
    args.extend(auth);
    args.extend(["--ssin", "71071902374", "--employer", "0621845521", "--declaration", "1Y2601BXL7K3M"]);
    args.extend(["--type", "OUT", "--client-reference", "first"]);
    let o = ciao(&db, &args);
    assert!(!o.status.success());
    assert!(text(&o.stdout).contains("clientReference.reused"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("1 item(s) not created"), "{}", text(&o.stderr));

    let today = ciao_domain::to_brussels(time::OffsetDateTime::now_utc()).date().to_string();
    let mut args = vec!["client", "search", "--url", addr.as_str()];
    args.extend(auth);
    args.extend(["--from", today.as_str(), "--to", today.as_str(), "--param", "ssin=71071902374"]);
    let found: serde_json::Value = serde_json::from_str(&ciao_ok(&db, &args)).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], id);
    assert_eq!(found["items"][0]["sender"]["id"], client_id.as_str());
    // The operator cancels it (a correction of the RSZ/ONSS): audited, and
    // a second time refused with the rule.
    let cancel =
        ["cancel", &id.to_string(), "--reason", "OTHER", "--comment", "RSZ correction 2026/17"].map(String::from);
    let cancel: Vec<&str> = cancel.iter().map(String::as_str).collect();
    let out = ciao_ok(&db, &cancel);
    assert!(out.contains(&format!("registration {id} cancelled\n")), "{out}");
    let o = ciao(&db, &cancel);
    assert!(!o.status.success() && text(&o.stderr).contains("already cancelled"), "{}", text(&o.stderr));
    let o = ciao(&db, &["cancel", "x1", "--reason", "OTHER"]);
    assert!(!o.status.success() && text(&o.stderr).contains("registration's number"), "{}", text(&o.stderr));
}

#[test]
fn enterprise_users_and_their_rules() {
    let dir = temp_dir("users");
    let db = db_url(&dir);
    ciao_ok(&db, &["import", "enterprises", examples().join("enterprises.csv").to_str().unwrap()]);
    let added = ciao_timed(
        &db,
        &[
            "enterprise",
            "user",
            "add",
            "--enterprise",
            "0621845521",
            "--ssin",
            "85073003328",
            "--name",
            "Anna",
            "--role",
            "access-manager",
        ],
        &[("CIAO_LOG", "info")],
        30,
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let am = text(&added.stdout);
    assert!(am.contains("access-manager"));
    // The security log says whose role changed, masked, and which.
    let log = text(&added.stderr);
    assert!(log.contains("enterprise.user.add") && log.contains("access-manager"), "{log}");
    assert!(log.contains("85*******28") && !log.contains("85073003328"), "{log}");
    // The SSIN just given is echoed masked: the operator typed it.
    assert!(am.contains("85*******28") && !am.contains("85073003328"), "{am}");
    ciao_ok(
        &db,
        &[
            "enterprise",
            "user",
            "add",
            "--enterprise",
            "0621845521",
            "--ssin",
            "90010100123",
            "--name",
            "Tom",
            "--role",
            "technical-administrator",
            "--as",
            "85073003328",
        ],
    );
    let o = ciao(
        &db,
        &[
            "enterprise",
            "user",
            "add",
            "--enterprise",
            "0621845521",
            "--ssin",
            "71071902374",
            "--name",
            "X",
            "--role",
            "technical-administrator",
            "--as",
            "90010100123",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("access manager"), "{}", text(&o.stderr));
    let list = ciao_ok(&db, &["enterprise", "user", "list", "--enterprise", "0621845521"]);
    assert!(list.contains("technical-administrator"));
    assert!(list.contains("90*******23") && !list.contains("90010100123"), "SSINs masked by default: {list}");
    assert!(!list.contains("85073003328"), "who appointed whom, masked too: {list}");
    let full = ciao_ok(&db, &["enterprise", "user", "list", "--enterprise", "0621845521", "--full-ssin"]);
    assert!(full.contains("90010100123") && full.contains("85073003328"), "{full}");
    // The technical administrator cannot withdraw anyone; the access manager
    // withdraws the technical administrator; only the operator withdraws the
    // access manager.
    let remove = |who: &str, ssin: &str, role: &str, acting: Option<&str>| {
        let mut args =
            vec!["enterprise", "user", "remove", "--enterprise", "0621845521", "--ssin", ssin, "--role", role];
        if let Some(a) = acting {
            args.extend(["--as", a]);
        }
        let o = ciao(&db, &args);
        (o.status.success(), format!("{}{} ({who})", text(&o.stdout), text(&o.stderr)))
    };
    let (ok, out) = remove("technical administrator", "90010100123", "technical-administrator", Some("90010100123"));
    assert!(!ok && out.contains("access manager"), "{out}");
    let (ok, out) = remove("access manager", "85073003328", "access-manager", Some("85073003328"));
    assert!(!ok && out.contains("only the operator"), "{out}");
    let (ok, out) = remove("access manager", "90010100123", "technical-administrator", Some("85073003328"));
    assert!(ok && out.contains("90*******23 is no longer technical-administrator"), "{out}");
    let (ok, out) = remove("operator", "90010100123", "technical-administrator", None);
    assert!(!ok && out.contains("is not technical-administrator"), "{out}");
    let (ok, out) = remove("operator", "85073003328", "access-manager", None);
    assert!(ok, "{out}");
    let list = ciao_ok(&db, &["enterprise", "user", "list", "--enterprise", "0621845521"]);
    assert_eq!(list.trim(), "[]", "{list}");
}

/// Rerunning `client keygen` or `client certificate` must not lose the key
/// of a registered certificate: an existing --out file is refused, named,
/// with the flag that overwrites it; a key file is its owner's only, also
/// when --force overwrites a file others could read.
#[test]
fn client_keygen_and_certificate_refuse_an_existing_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("keygen-exists");
    let db = db_url(&dir);
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    ciao_ok(&db, &["client", "keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let first = std::fs::read_to_string(&key).unwrap();
    let o = ciao(&db, &["client", "keygen", "--out", key.to_str().unwrap()]);
    assert!(!o.status.success(), "an existing key file is refused");
    let err = text(&o.stderr);
    assert!(err.contains(key.to_str().unwrap()) && err.contains("exists already") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), first, "the key is kept");

    let cert_args = |extra: &[&str]| {
        let mut a = vec!["client", "certificate", "--key", key.to_str().unwrap(), "--subject", "CN=x,C=BE"];
        a.extend(["--out", cert.to_str().unwrap()]);
        a.extend(extra.iter().copied());
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| ciao(&db, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(run(cert_args(&[])).status.success());
    let first_cert = std::fs::read_to_string(&cert).unwrap();
    let o = run(cert_args(&[]));
    assert!(!o.status.success(), "an existing certificate file is refused");
    let err = text(&o.stderr);
    assert!(err.contains(cert.to_str().unwrap()) && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&cert).unwrap(), first_cert);
    let o = run(cert_args(&["--force"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_ne!(std::fs::read_to_string(&cert).unwrap(), first_cert, "--force overwrites");

    // --force on a key file others could read: a new key, owner-only.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    ciao_ok(&db, &["client", "keygen", "--out", key.to_str().unwrap(), "--force"]);
    assert_ne!(std::fs::read_to_string(&key).unwrap(), first, "a new key");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
}

/// A public URL that is not an absolute http(s) URL with a host would break
/// the OAuth audience, the QR codes and the links: refused where it is
/// read, naming the flag, the environment variable and the rule.
#[test]
fn a_public_url_must_be_an_absolute_http_url() {
    let dir = temp_dir("public-url");
    let db = db_url(&dir);
    for bad in ["127.0.0.1:18090", "ftp://x", "localhost:8080", "https://x/?a=1", "https://x/#top", "/ciao", "http://"]
    {
        for args in [
            vec!["serve", "--listen", "127.0.0.1:0", "--public-url", bad],
            vec!["declaration", "show", "1Y2601BXL7K3M", "--public-url", bad],
            vec!["simulation", "account", "--name", "x", "--public-url", bad],
        ] {
            let o = ciao_timed(&db, &args, &[], 20);
            assert!(!o.status.success(), "{args:?} accepted");
            let err = text(&o.stderr);
            assert!(
                err.contains("--public-url") && err.contains("CIAO_PUBLIC_URL") && err.contains("http:// or https://"),
                "{args:?}: {err}"
            );
        }
    }
    // From the environment too.
    let o = ciao_timed(&db, &["serve", "--listen", "127.0.0.1:0"], &[("CIAO_PUBLIC_URL", "ftp://x")], 20);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("CIAO_PUBLIC_URL"), "{}", text(&o.stderr));
    // A good one, with a path and a trailing slash.
    ciao_ok(&db, &["import", "declarations", examples().join("declarations.csv").to_str().unwrap()]);
    let out = ciao_ok(&db, &["declaration", "show", "1Y2601BXL7K3M", "--public-url", "https://ciao.example.be/x/"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["registrationUrl"].as_str().unwrap().starts_with("https://ciao.example.be/x/r/"), "{v}");
}

/// A metrics token too short to be a secret is refused at the start,
/// naming the flag and the rule, from the command line or the environment.
#[test]
fn a_metrics_token_must_be_long_enough() {
    let dir = temp_dir("metrics-token");
    let db = db_url(&dir);
    let o = ciao_timed(&db, &["serve", "--listen", "127.0.0.1:0", "--metrics-token", "short"], &[], 20);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("--metrics-token") && err.contains("at least 16 characters"), "{err}");
    assert!(!err.contains("short"), "the refused secret is not printed back: {err}");
    let o =
        ciao_timed(&db, &["serve", "--listen", "127.0.0.1:0"], &[("CIAO_METRICS_TOKEN", "has spaces in it, long")], 20);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("CIAO_METRICS_TOKEN") && err.contains("without spaces"), "{err}");
    assert!(!err.contains("has spaces"), "{err}");
    // Empty means none: the server starts.
    let (mut child, addr) = start_server_with_env(&db, &[("CIAO_METRICS_TOKEN", "")]);
    assert!(addr.starts_with("http://127.0.0.1:"), "{addr}");
    let _ = child.kill();
    let _ = child.wait();
}

/// Starts `ciao serve` on a free port; returns it and its address
/// (http://127.0.0.1:PORT).
fn start_server(db: &str) -> (std::process::Child, String) {
    start_server_with_env(db, &[])
}

/// [`start_server`] with more environment variables.
fn start_server_with_env(db: &str, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CIAO_DATABASE_URL", db)
        .env("CIAO_SECRETS_KEY_FILE", key_file(db))
        .env("CIAO_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line.trim_start_matches("ciao listening on ").split_whitespace().next().unwrap().to_string();
    (child, addr)
}

/// A token URL that is not the token endpoint (here the server's base URL,
/// which answers 405 with a page): the error gives the status, the start of
/// the answer and where the token endpoint is.
#[test]
fn a_token_url_that_answers_no_json_is_explained() {
    let dir = temp_dir("token-not-json");
    let db = db_url(&dir);
    let key = dir.join("key.pem");
    ciao_ok(&db, &["client", "keygen", "--out", key.to_str().unwrap()]);
    let (mut child, addr) = start_server(&db);
    let o = ciao_timed(
        &db,
        &["client", "token", "--client-id", "self_service_expeditor_1", "--key", key.to_str().unwrap(), "--token-url"]
            .into_iter()
            .chain([addr.as_str()])
            .collect::<Vec<_>>(),
        &[],
        30,
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("405") && err.contains("not JSON"), "{err}");
    assert!(err.contains("<!DOCTYPE html") || err.contains("<html"), "the start of the answer: {err}");
    assert!(err.contains("/REST/oauth/v5/token"), "{err}");
    assert!(err.lines().count() <= 3, "not the whole page: {err}");
}

/// `ciao … | head`: when the reader of its output goes away, a command
/// ends quietly (the status of a process SIGPIPE ended), without a panic
/// or a backtrace.
#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    let dir = temp_dir("closed-stdout");
    let db = db_url(&dir);
    ciao_ok(&db, &["import", "enterprises", examples().join("enterprises.csv").to_str().unwrap()]);
    for args in [
        vec!["client", "keygen"],
        vec!["migrate"],
        vec!["channel", "account", "list"],
        vec!["import", "enterprises", examples().join("enterprises.csv").to_str().unwrap()],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_ciao"))
            .args(&args)
            .env("CIAO_DATABASE_URL", &db)
            .env("CIAO_SECRETS_KEY_FILE", key_file(&db))
            .env("CIAO_LOG", "warn")
            .env("RUST_BACKTRACE", "1")
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
        assert!(err.trim().is_empty(), "{args:?}: quietly: {err}");
    }
}

/// The logs of a command whose stderr is not a terminal (a file, a
/// journal) carry no colour codes; on PostgreSQL a command says nothing of
/// the schema table that exists already (a notice PostgreSQL sends at every
/// start), with the default log filter.
#[test]
fn logs_are_plain_and_without_postgres_notices() {
    let dir = temp_dir("plain-logs");
    let db = db_url(&dir);
    let run = |db: &str| {
        Command::new(env!("CARGO_BIN_EXE_ciao"))
            .args(["migrate"])
            .env("CIAO_DATABASE_URL", db)
            .env("CIAO_SECRETS_KEY_FILE", key_file(&db_url(&dir)))
            .env_remove("CIAO_LOG")
            .output()
            .expect("run ciao")
    };
    let o = run(&db);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("INFO"), "the migration is logged: {err}");
    assert!(!err.contains('\u{1b}'), "no ANSI codes in a pipe: {err:?}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some((pg, Some((base, name)))) = rt.block_on(common::fresh_database(common::Backend::Postgres)) else {
        eprintln!("CIAO_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
        return;
    };
    let outputs: Vec<Output> = (0..2).map(|_| run(&pg)).collect();
    rt.block_on(drop_database(&base, &name));
    for o in outputs {
        assert!(o.status.success(), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(!err.contains("already exists") && !err.contains("notice"), "{err}");
    }
}

/// Drops a test database made by `common::fresh_database`.
async fn drop_database(base: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(base).await {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut conn)
            .await;
    }
}

/// A PostgreSQL server that is not there fails at once, naming where it
/// was looked for (not "pool timed out" after 10 s); a missing database
/// says how to create it.
#[test]
fn postgres_connection_errors_say_what_to_check() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://ciao@127.0.0.1:{port}/ciao");
    let start = std::time::Instant::now();
    let o = ciao_timed(&url, &["migrate"], &[], 30);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains(&format!("connection refused at 127.0.0.1:{port}")), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "at once: {:?}, {err}", start.elapsed());

    let Some(base) = std::env::var("CIAO_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("CIAO_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
        return;
    };
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let missing = format!("{prefix}/ciao_no_such_database_{}", std::process::id());
    let o = ciao_timed(&missing, &["migrate"], &[], 30);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("no database \"ciao_no_such_database_{}\"", std::process::id()))
            && err.contains("createdb")
            && !err.contains("at line"),
        "{err}"
    );
    // A user the server does not know: the server's words, what to check,
    // no "at line N" of PostgreSQL's source.
    let (scheme_user, host) = prefix.split_once('@').unwrap();
    let (scheme, _) = scheme_user.split_once("://").unwrap();
    let stranger = format!("{scheme}://ciao_no_such_role@{host}/{}", base.rsplit('/').next().unwrap());
    let o = ciao_timed(&stranger, &["migrate"], &[], 30);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("ciao_no_such_role") && err.contains("user name and password") && !err.contains("at line"),
        "{err}"
    );
}

/// A maintenance command on a database file that is not there says that it
/// makes a new, empty one (a mistyped file name is seen at once); migrate
/// does not say it (making it is its job), nor does a second command.
#[test]
fn a_new_database_is_announced() {
    let dir = temp_dir("new-db");
    let url = format!("sqlite://{}/typo.db", dir.display());
    let o = ciao(&url, &["person", "activation-code", "85073003328"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("there was no database at {}/typo.db", dir.display())), "{err}");
    let o = ciao(&url, &["person", "activation-code", "85073003328"]);
    assert!(!text(&o.stderr).contains("no database"), "{}", text(&o.stderr));
    let o = ciao(&format!("sqlite://{}/fresh.db", dir.display()), &["migrate"]);
    assert!(o.status.success() && !text(&o.stderr).contains("no database"), "{}", text(&o.stderr));
    // A key rotation on a mistyped database is refused: it would rotate the
    // key file that the real database shares.
    let data = dir.join("data");
    let o = in_data_dir(&data, &["migrate"]).output().expect("run ciao");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let key = std::fs::read_to_string(data.join("ciao-secrets.key")).unwrap();
    let o = in_data_dir(&data, &["secrets-key", "rotate", "--force"])
        .env("CIAO_DATABASE_URL", format!("sqlite://{}/typo.db-not-there", dir.display()))
        .output()
        .expect("run ciao");
    assert!(!o.status.success() && text(&o.stderr).contains("there is no database at"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(data.join("ciao-secrets.key")).unwrap(), key, "the key is unchanged");
}

/// A database in a directory that does not exist (a mistyped path) is
/// refused with the directory named; nothing is created.
#[test]
fn a_database_in_a_missing_directory_is_refused() {
    let dir = temp_dir("missing-dir");
    let missing = dir.join("no/such/dir");
    let o = ciao(&format!("sqlite://{}/ciao.db", missing.display()), &["migrate"]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains(&format!("the directory {} does not exist", missing.display())), "{err}");
    assert!(!dir.join("no").exists(), "nothing created");
    // Not even the secrets key file of the data directory.
    let data = dir.join("data");
    let o = in_data_dir(&data, &["migrate"])
        .env("CIAO_DATABASE_URL", format!("sqlite://{}/ciao.db", missing.display()))
        .output()
        .expect("run ciao");
    assert!(!o.status.success());
    assert!(!data.exists(), "no data directory, no key file: {}", text(&o.stderr));
}

/// A bad value from an environment variable is reported with the variable's
/// name, not only the flag's (which the user did not type).
#[test]
fn a_bad_environment_value_names_its_variable() {
    let dir = temp_dir("env-value");
    let db = db_url(&dir);
    let o = ciao_timed(&db, &["serve", "--listen", "127.0.0.1:0"], &[("CIAO_MAX_PAST_MINUTES", "ten")], 20);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("'ten'") && err.contains("environment variable CIAO_MAX_PAST_MINUTES"), "{err}");
    let o = ciao_timed(&db, &["validate", "--far-from-site-metres", "0"], &[("CIAO_FAR_FROM_SITE_METRES", "5")], 20);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("--far-from-site-metres") && !err.contains("CIAO_FAR_FROM_SITE_METRES"), "the flag's: {err}");
}

/// Every argument of every command says what it is (`--help`); and the
/// reference client, which opens no database, does not list the database's
/// flags.
#[test]
fn every_argument_has_a_help_text() {
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") || arg.is_hide_set() {
                continue;
            }
            if arg.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                missing.push(format!("{path} {}", arg.get_long().map_or(id.to_string(), |l| format!("--{l}"))));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut command = <ciao::Cli as clap::CommandFactory>::command();
    command.build();
    let mut missing = Vec::new();
    walk(&command, "ciao", &mut missing);
    assert!(missing.is_empty(), "arguments without help:\n{}", missing.join("\n"));

    let dir = temp_dir("help");
    let db = db_url(&dir);
    let help = ciao_ok(&db, &["enterprise", "user", "list", "--help"]);
    for flag in ["--enterprise <ENTERPRISE>", "--as <SSIN>"] {
        let lines: Vec<&str> = help.lines().collect();
        let at =
            lines.iter().position(|l| l.trim_start().starts_with(flag)).unwrap_or_else(|| panic!("{flag}: {help}"));
        let same_line = lines[at].split_once(flag).map_or("", |(_, rest)| rest.trim());
        let next_line = lines.get(at + 1).map_or("", |l| l.trim());
        assert!(!same_line.is_empty() || !next_line.starts_with('-') && !next_line.is_empty(), "{flag}: {help}");
    }
    for sub in ["keygen", "certificate", "token", "register", "search"] {
        let help = ciao_ok(&db, &["client", sub, "--help"]);
        for flag in ["--database", "--simulation", "--secrets-key-file", "--data-dir"] {
            assert!(!help.contains(flag), "client {sub} lists {flag}: {help}");
        }
    }
}

/// `ciao ARGS` on the default database of the data directory `dir` (with
/// its default secrets key file and public URL), logging warnings only.
fn in_data_dir(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ciao"));
    c.args(args)
        .env("CIAO_DATA_DIR", dir)
        .env_remove("CIAO_DATABASE_URL")
        .env_remove("CIAO_SECRETS_KEY_FILE")
        .env_remove("CIAO_PUBLIC_URL")
        .env("CIAO_LOG", "warn");
    c
}

/// `ciao secrets-key rotate` beside a serving node would leave that node
/// unable to open the employer users' secrets: it is refused, naming the
/// node, while `ciao serve` runs on the database, and goes once it stopped.
#[test]
fn the_secrets_key_is_not_rotated_beside_a_serving_node() {
    let dir = temp_dir("rotate-beside");
    let run = |args: &[&str]| in_data_dir(&dir, args).output().expect("run ciao");
    let mut server = in_data_dir(&dir, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ciao serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("ciao listening on"), "{line}");
    let o = run(&["secrets-key", "rotate"]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(!o.status.success(), "refused beside a serving node");
    let err = text(&o.stderr);
    assert!(err.contains("1 still serves") && err.contains(&format!(":{}:", server.id())), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".new"))
        .collect();
    assert!(leftovers.is_empty(), "a refused rotation leaves no new key behind: {leftovers:?}");
    // Killed, its row stays until it is 20 s old: --force says it is gone.
    let o = run(&["secrets-key", "rotate", "--force"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("sealed again"), "{}", text(&o.stdout));
}

/// SIGTERM (what systemd, Docker and Kubernetes stop a service with) stops
/// `ciao serve` as Ctrl-C does: it ends with success and takes its node off
/// the database, so a key rotation right after needs no --force.
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = temp_dir("sigterm");
    let mut server = in_data_dir(&dir, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("CIAO_LOG", "info")
        .spawn()
        .expect("start ciao serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("ciao listening on"), "{line}");
    let kill = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let out = server.wait_with_output().expect("wait for ciao serve");
    let err = text(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {err}", out.status);
    assert!(err.contains("shutting down") && err.contains("SIGTERM"), "{err}");
    let o = in_data_dir(&dir, &["secrets-key", "rotate"]).output().expect("run ciao");
    assert!(o.status.success(), "the node was taken off: {}", text(&o.stderr));
    // The register holds personal data: its files are the owner's only.
    use std::os::unix::fs::PermissionsExt;
    for name in ["ciao.db", "ciao.db-wal", "ciao.db-shm"] {
        let path = dir.join(name);
        if name == "ciao.db" || path.exists() {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} is {mode:o}");
        }
    }
}

/// `ciao retention purge`: a dry run counts, a day within the last year is
/// refused with the rule, a malformed day names the form.
#[test]
fn retention_purge_on_the_command_line() {
    let dir = temp_dir("retention");
    let db = db_url(&dir);
    // Not on a database that is not there (a mistyped path in a cron job).
    let o = ciao(&db, &["retention", "purge", "--before", "2020-01-01", "--dry-run"]);
    assert!(!o.status.success() && text(&o.stderr).contains("there is no database at"), "{}", text(&o.stderr));
    assert!(!dir.join("ciao.db").exists(), "not created");
    ciao_ok(&db, &["migrate"]);
    let out = ciao_ok(&db, &["retention", "purge", "--before", "2020-01-01", "--audit-log", "--dry-run"]);
    assert!(
        out.contains("would delete 0 registrations (with their history, remarks and queue rows), 0 audit entries from before 2020-01-01 (Brussels; 2019-12-31T23:00:00.000000Z)"),
        "{out}"
    );
    let out = ciao_ok(&db, &["retention", "purge", "--before", "2020-01-01"]);
    assert!(out.contains("deleted 0 registrations") && out.contains("from before 2020-01-01"), "{out}");
    let today = common::today().to_string();
    let o = ciao(&db, &["retention", "purge", "--before", &today]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("keeps at least its last 366 days"), "{}", text(&o.stderr));
    let o = ciao(&db, &["retention", "purge", "--before", "1/1/2020"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("YYYY-MM-DD"), "{}", text(&o.stderr));
}

/// The security log of `ciao serve`: every refused token request, those
/// refused before the service too (an Authorization header), with its error
/// code; a client id that is an SSIN is masked.
#[test]
fn refused_token_requests_are_in_the_security_log() {
    let dir = temp_dir("token-log");
    let db = db_url(&dir);
    let log = dir.join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CIAO_DATABASE_URL", &db)
        .env("CIAO_SECRETS_KEY_FILE", key_file(&db))
        .env("CIAO_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line.trim_start_matches("ciao listening on ").split_whitespace().next().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("{addr}/REST/oauth/v5/token");
        let form = "application/x-www-form-urlencoded";
        let basic = client
            .post(&url)
            .header("content-type", form)
            .header("authorization", "Basic c2VsZjpwdw==")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 401);
        // A token request by assertion (`form` after the grant type).
        let by_assertion = |rest: &str| {
            let body = format!(
                "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&{rest}"
            );
            client.post(&url).header("content-type", form).body(body).send()
        };
        let ssin = by_assertion("client_id=85073003328&client_assertion=a.b.c").await.unwrap();
        assert_eq!(ssin.status(), 401);
        // Without client_id, the log names the client the assertion claims
        // (its signature is not valid: it is refused all the same).
        let claimed = by_assertion("client_assertion=eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzZWxmX3NlcnZpY2VfZXhwZWRpdG9yXzkiLCJzdWIiOiJzZWxmX3NlcnZpY2VfZXhwZWRpdG9yXzkifQ.c2ln")
            .await
            .unwrap();
        assert_eq!(claimed.status(), 401);
    });
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let refused: Vec<&str> = text.lines().filter(|l| l.contains("token refused")).collect();
    assert_eq!(refused.len(), 3, "{text}");
    assert!(refused.iter().all(|l| l.contains("ciao::audit") && l.contains("invalid_client")), "{text}");
    assert!(refused[0].contains("Authorization header"), "{text}");
    assert!(refused[1].contains("85*******28") && !text.contains("85073003328"), "{text}");
    assert!(refused[2].contains("self_service_expeditor_9"), "{text}");
}

/// The simulation has a secrets key file of its own in the data directory:
/// rotating the production key leaves the simulation's database (whose
/// published employer user has a sealed TOTP secret) readable. A simulation
/// database made when both shared one file keeps opening: its file is then
/// made a copy of the production one, and said.
#[test]
fn the_simulation_has_its_own_secrets_key() {
    let data = temp_dir("sim-key");
    let run = |args: &[&str]| {
        let o = in_data_dir(&data, args).output().expect("run ciao");
        assert!(o.status.success(), "ciao {args:?}: {}", text(&o.stderr));
        text(&o.stderr)
    };
    let out = data.join("account");
    run(&["simulation", "account", "--name", "badges", "--out", out.to_str().unwrap()]);
    run(&["migrate"]);
    let production = std::fs::read_to_string(data.join("ciao-secrets.key")).unwrap();
    let simulation = std::fs::read_to_string(data.join("ciao-simulation-secrets.key")).unwrap();
    assert_ne!(production, simulation, "two keys");
    run(&["secrets-key", "rotate", "--force"]);
    assert_ne!(std::fs::read_to_string(data.join("ciao-secrets.key")).unwrap(), production, "rotated");
    run(&["simulation", "sweep"]);
    assert_eq!(std::fs::read_to_string(data.join("ciao-simulation-secrets.key")).unwrap(), simulation);

    // The layout of before: a simulation database sealed with the
    // production key file, and no file of its own.
    let old = temp_dir("sim-key-old");
    let shared = old.join("ciao-secrets.key");
    let out = old.join("account");
    let o = in_data_dir(&old, &["simulation", "account", "--name", "badges", "--out", out.to_str().unwrap()])
        .arg("--secrets-key-file")
        .arg(&shared)
        .output()
        .expect("run ciao");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!old.join("ciao-simulation-secrets.key").exists());
    let o = in_data_dir(&old, &["simulation", "sweep"]).output().expect("run ciao");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("a secrets key file of its own"), "{}", text(&o.stderr));
    let copy = std::fs::read_to_string(old.join("ciao-simulation-secrets.key")).unwrap();
    assert_eq!(copy, std::fs::read_to_string(&shared).unwrap());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(old.join("ciao-simulation-secrets.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let o = in_data_dir(&old, &["simulation", "sweep"]).output().expect("run ciao");
    assert!(o.status.success() && !text(&o.stderr).contains("of its own"), "{}", text(&o.stderr));
}
