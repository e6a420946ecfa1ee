//! Import of reference registries from CSV files (UTF-8, header row).
//!
//! A file is read and checked whole before anything is written: a bad row
//! stops the import with its line number and nothing is half-imported. The
//! rows are then upserted in one transaction, so importing the same file
//! twice changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use ciao_domain::FieldError;
use ciao_domain::access::check_chain;
use ciao_domain::reference::{
    CsvRecord, Declaration, Employment, EnterprisePeriod, LimosaDeclaration, PersonRecord, Subcontractor,
};
pub use ciao_store::ImportMode;
use ciao_store::{DeclarationImport, ImportSummary, RegistrationKey};

use crate::{Caller, Service, ServiceError};

/// An import that changes at least this many rows refreshes the database's statistics.
const STATISTICS_AFTER: u64 = 10_000;

/// The kinds `ciao import KIND FILE.csv` accepts.
pub const KINDS: [&str; 6] = [
    EnterprisePeriod::KIND,
    PersonRecord::KIND,
    Employment::KIND,
    LimosaDeclaration::KIND,
    Declaration::KIND,
    Subcontractor::KIND,
];

/// The kinds whose rows belong to an owner, which `--replace` can import
/// whole (see [`ImportMode::Replace`]).
pub const REPLACEABLE: [&str; 4] = ["enterprises", "employments", "limosa", "subcontractors"];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unknown kind {0:?}: use one of {kinds}", kinds = KINDS.join(", "))]
    UnknownKind(String),
    #[error("line 1: the header lacks the column(s) {missing}; expected {expected}{hint}")]
    MissingColumns { missing: String, expected: String, hint: &'static str },
    #[error("line 1: unknown column {column:?}; expected {expected}")]
    UnknownColumn { column: String, expected: String },
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("the file cannot be read: {0}")]
    Read(String),
    #[error("{0}")]
    Mode(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ImportError {
    fn row(line: u64, e: FieldError) -> Self {
        Self::Row { line, message: format!("column {}: {}", e.field, e.description) }
    }
}

/// Progress of an import: bytes read so far, and rows parsed. `Send`, so
/// that an import can run in a request handler (the simulation's reset).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

/// Counts bytes as the CSV reader consumes them, for the progress bar.
struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads and checks every row of a CSV file; returns the records with their line numbers.
pub fn parse_csv<R: CsvRecord>(input: impl Read, progress: Progress<'_>) -> Result<Vec<(u64, R)>, ImportError> {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(Counting { inner: input, read: read.clone() });
    let headers = reader.headers().map_err(|e| ImportError::Read(e.to_string()))?.clone();
    let expected = if R::OPTIONAL_COLUMNS.is_empty() {
        R::COLUMNS.join(",")
    } else {
        format!("{} (optional: {})", R::COLUMNS.join(","), R::OPTIONAL_COLUMNS.join(","))
    };
    let missing: Vec<&str> = R::COLUMNS.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
    if !missing.is_empty() {
        // A file saved by a spreadsheet in Belgium is often separated by
        // semicolons: its header is then one column holding them all.
        let semicolons = headers.len() == 1 && headers.iter().any(|h| h.contains(';'));
        let hint = if semicolons { " (the separator is a comma, not a semicolon)" } else { "" };
        return Err(ImportError::MissingColumns { missing: missing.join(", "), expected, hint });
    }
    if let Some(extra) = headers.iter().find(|h| !R::COLUMNS.contains(h) && !R::OPTIONAL_COLUMNS.contains(h)) {
        return Err(ImportError::UnknownColumn { column: extra.to_string(), expected });
    }
    let index: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (h.to_string(), i)).collect();
    let mut out = Vec::new();
    let mut keys: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => ImportError::Row { line: p.line(), message: e.to_string() },
            None => ImportError::Read(e.to_string()),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |col: &str| index.get(col).and_then(|i| record.get(*i)).unwrap_or_default().to_string();
        let r = R::from_row(&get).map_err(|e| ImportError::row(line, e))?;
        if let Some(first) = keys.insert(r.key(), line) {
            return Err(ImportError::Row {
                line,
                message: format!("the same {} as line {first} ({})", R::COLUMNS[0], r.key()),
            });
        }
        out.push((line, r));
        if out.len() % 1000 == 0 {
            progress(read.load(std::sync::atomic::Ordering::Relaxed), out.len() as u64);
        }
    }
    progress(read.load(std::sync::atomic::Ordering::Relaxed), out.len() as u64);
    Ok(out)
}

/// A random, opaque technical number for a declaration's QR code and URL:
/// 26 characters of the declaration alphabet (about 130 bits).
pub fn technical_number() -> Result<String, ImportError> {
    let mut bytes = [0u8; 26];
    getrandom::fill(&mut bytes).map_err(|e| ImportError::Read(format!("no randomness: {e}")))?;
    let alphabet = ciao_domain::DeclarationNumber::ALPHABET.as_bytes();
    Ok(bytes.iter().map(|b| alphabet[usize::from(*b) % alphabet.len()] as char).collect())
}

impl Service {
    /// Imports one CSV file of the given kind: its rows are added or
    /// updated, every other row stays ([`ImportMode::Merge`]).
    pub async fn import(
        &self,
        caller: &Caller,
        kind: &str,
        input: impl Read,
        progress: Progress<'_>,
    ) -> Result<ImportSummary, ImportError> {
        self.import_with(caller, kind, input, progress, ImportMode::Merge).await
    }

    /// Imports one CSV file of the given kind; with [`ImportMode::Replace`]
    /// the file is the whole of each owner it names (a person's employments
    /// or Limosa declarations, an enterprise's periods, a declaration's
    /// subcontractors): that owner's stored rows missing from it are
    /// removed, so a wrong row can be corrected. Persons and declarations
    /// have one row per key, which an import updates: `Replace` is refused
    /// for them.
    pub async fn import_with(
        &self,
        caller: &Caller,
        kind: &str,
        input: impl Read,
        progress: Progress<'_>,
        mode: ImportMode,
    ) -> Result<ImportSummary, ImportError> {
        if mode == ImportMode::Replace && !REPLACEABLE.contains(&kind) && KINDS.contains(&kind) {
            return Err(ImportError::Mode(format!(
                "--replace applies to {}: a {kind} row is updated by importing it again",
                REPLACEABLE.join(", ")
            )));
        }
        let store = self.store();
        // What the change can affect: registrations found by these keys.
        let mut affected: Vec<(RegistrationKey, Vec<String>)> = Vec::new();
        let summary = match kind {
            "enterprises" => {
                let rows = strip(parse_csv::<EnterprisePeriod>(input, progress)?);
                affected.push((RegistrationKey::Employer, keys(&rows, |r| r.enterprise_number.as_str())));
                // A founder's own registrations elsewhere can change too (self-employed remarks).
                let founders: Vec<String> =
                    keys(&rows.iter().flat_map(|r| r.founders.iter().map(|f| f.as_str())).collect::<Vec<_>>(), |s| s);
                affected.push((RegistrationKey::Ssin, founders));
                // The stored founders of these enterprises: the file's
                // founders replace a period's, merging or replacing.
                let named = keys(&rows, |r| r.enterprise_number.as_str());
                let stored = store.founders_of(&named).await.map_err(ServiceError::from)?;
                affected.push((RegistrationKey::Ssin, stored));
                store.import_enterprises(&rows, mode).await.map_err(ServiceError::from)?
            }
            "persons" => {
                let rows = strip(parse_csv::<PersonRecord>(input, progress)?);
                affected.push((RegistrationKey::Ssin, keys(&rows, |r| r.ssin.as_str())));
                store.import_persons(&rows).await.map_err(ServiceError::from)?
            }
            "employments" => {
                let rows = strip(parse_csv::<Employment>(input, progress)?);
                affected.push((RegistrationKey::Ssin, keys(&rows, |r| r.ssin.as_str())));
                store.import_employments(&rows, mode).await.map_err(ServiceError::from)?
            }
            "limosa" => {
                let rows = strip(parse_csv::<LimosaDeclaration>(input, progress)?);
                affected.push((RegistrationKey::LimosaId, keys(&rows, |r| r.limosa_id.as_str())));
                affected.push((RegistrationKey::Ssin, keys(&rows, |r| r.ssin.as_str())));
                if mode == ImportMode::Replace {
                    // The persons' Limosa numbers the file may remove: a
                    // registration may carry only its Limosa number.
                    let stored =
                        store.limosa_ids_of(&keys(&rows, |r| r.ssin.as_str())).await.map_err(ServiceError::from)?;
                    affected.push((RegistrationKey::LimosaId, stored));
                }
                store.import_limosa(&rows, mode).await.map_err(ServiceError::from)?
            }
            "declarations" => {
                let rows = parse_csv::<Declaration>(input, progress)?;
                let mut imports = Vec::with_capacity(rows.len());
                for (_, declaration) in rows {
                    imports.push(DeclarationImport { declaration, technical_number: technical_number()? });
                }
                affected.push((RegistrationKey::Declaration, keys(&imports, |r| r.declaration.number.as_str())));
                store.import_declarations(&imports).await.map_err(ServiceError::from)?
            }
            "subcontractors" => {
                let rows = parse_csv::<Subcontractor>(input, progress)?;
                self.check_subcontractors(&rows, mode).await?;
                let rows = strip(rows);
                affected.push((RegistrationKey::Declaration, keys(&rows, |r| r.declaration.as_str())));
                store.import_subcontractors(&rows, mode).await.map_err(ServiceError::from)?
            }
            other => return Err(ImportError::UnknownKind(other.to_string())),
        };
        let mut requeued = 0;
        if summary.changed >= STATISTICS_AFTER {
            // Plans of the validation's lookups depend on fresh statistics;
            // do not wait for autovacuum after a bulk load.
            store.refresh_statistics().await.map_err(ServiceError::from)?;
        }
        if summary.changed > 0 {
            for (key, values) in &affected {
                requeued += store.enqueue_for(*key, values, self.now()).await.map_err(ServiceError::from)?;
            }
        }
        self.audit(
            caller,
            "reference.import",
            Some(kind.to_string()),
            serde_json::json!({"rows": summary.rows, "changed": summary.changed, "revalidation": requeued,
                "replace": mode == ImportMode::Replace}),
        )
        .await?;
        Ok(summary)
    }

    /// Every subcontractor hangs below the declaring contractor of an
    /// existing declaration, through parents of the same declaration.
    /// With `Replace`, the declaration's stored subcontractors missing from
    /// the file are not part of the chain (they are removed).
    async fn check_subcontractors(&self, rows: &[(u64, Subcontractor)], mode: ImportMode) -> Result<(), ImportError> {
        let mut by_declaration: HashMap<&ciao_domain::DeclarationNumber, Vec<(u64, &Subcontractor)>> = HashMap::new();
        for (line, s) in rows {
            by_declaration.entry(&s.declaration).or_default().push((*line, s));
        }
        let mut declarations: Vec<_> = by_declaration.into_iter().collect();
        declarations.sort_by_key(|(_, rows)| rows[0].0);
        for (number, file_rows) in declarations {
            let Some(details) = self.store().declaration(number).await.map_err(ServiceError::from)? else {
                return Err(ImportError::Row {
                    line: file_rows[0].0,
                    message: format!(
                        "column declaration: there is no declaration of works {number}; import the declarations first"
                    ),
                });
            };
            let in_file: HashSet<_> = file_rows.iter().map(|(_, s)| &s.enterprise_number).collect();
            let mut chain: Vec<&Subcontractor> = file_rows.iter().map(|(_, s)| *s).collect();
            if mode == ImportMode::Merge {
                chain.extend(details.subcontractors.iter().filter(|s| !in_file.contains(&s.enterprise_number)));
            }
            if let Err((i, why)) = check_chain(&details.declaration.declaring_contractor, &chain) {
                let line = file_rows.get(i).map_or(file_rows[0].0, |r| r.0);
                return Err(ImportError::Row { line, message: format!("column parent: {why}") });
            }
        }
        Ok(())
    }
}

/// The distinct values of a key over the rows.
fn keys<R>(rows: &[R], f: impl Fn(&R) -> &str) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = rows.iter().map(|r| f(r).to_string()).collect();
    set.into_iter().collect()
}

fn strip<R>(rows: Vec<(u64, R)>) -> Vec<R> {
    rows.into_iter().map(|(_, r)| r).collect()
}
