//! What the SQLite and PostgreSQL stores share: the SQL (written with `$n`
//! placeholders, which both accept), the search query builder, the decoding
//! of rows into domain values, and the `impl_store!` macro that implements
//! the [`crate::Store`] trait once for both backends.

use ciao_domain::clock::from_micros;
use ciao_domain::reference::{Declaration, Principal, Sector};
use ciao_domain::search::{SearchCriteria, SortKey, parse_any_date};
use ciao_domain::{
    Address, CancelReason, Channel, DeclarationNumber, Employer, EnterpriseNumber, Event, ForeignVatNumber,
    HistoryEntry, LimosaId, NewRegistration, Person, PlaceOfWork, Registration, RegistrationId, RegistrationType,
    Remark, Sender, Ssin, Validity,
};
use std::collections::HashMap;

use ciao_domain::access::AccessGrant;
use time::Date;

use crate::{Scope, StoreError};

/// A migration: version, name, SQL.
pub(crate) type Migration = (i64, &'static str, &'static str);

/// The schema version that records the environment (`ciao_environment`);
/// a database at an older version was created for production.
pub(crate) const ENVIRONMENT_SINCE: i64 = 8;

/// What a simulation reset empties, children before parents. Kept: the
/// schema, the environment, the server's secrets, REST accounts and their
/// certificates, the channel version and the replay memory of assertions.
pub(crate) const SIMULATION_RESET_TABLES: &[&str] = &[
    "validation_queue",
    "registration_remarks",
    "registration_events",
    "registrations",
    "audit_log",
    "access_grants",
    "subcontractors",
    "declarations",
    "limosa_declarations",
    "employments",
    "persons",
    "enterprise_founders",
    "enterprise_periods",
    "enterprises",
    "enterprise_users",
    "web_sessions",
    "employer_passkeys",
    "employer_credentials",
    "employer_invitations",
    "worker_activation_codes",
    "worker_credentials",
    "worker_passkeys",
    "worker_employer_choices",
    "pin_misses",
];

pub(crate) const REGISTRATION_COLUMNS: &str = "r.id, r.registration_date, r.kind, r.ssin, r.limosa_id, \
    r.employer_enterprise, r.employer_foreign_vat, r.declaration, r.latitude, r.longitude, r.address, \
    r.client_reference, r.channel, r.sender_id, r.sender_enterprise, r.created_at, r.validity, r.remarks, \
    r.accuracy_m, r.site_code_issued_at";

pub(crate) const FIND_BY_CLIENT_REFERENCE: &str =
    "SELECT id FROM registrations WHERE sender_id = $1 AND client_reference = $2";

pub(crate) const DECLARATION_SELECT: &str = "SELECT number, technical_number, sector, site_name, street, \
    house_number, post_code, municipality, latitude, longitude, start_date, end_date, amount_excl_vat_cents, \
    principal, declaring_contractor, subject_to_registration FROM declarations WHERE number = $1";

/// The values of one stored registration, as read from a row.
pub(crate) struct RegistrationRow {
    pub id: i64,
    pub registration_date: i64,
    pub kind: String,
    pub ssin: Option<String>,
    pub limosa_id: Option<String>,
    pub employer_enterprise: Option<String>,
    pub employer_foreign_vat: Option<String>,
    pub declaration: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub client_reference: Option<String>,
    pub channel: String,
    pub sender_id: String,
    pub sender_enterprise: Option<String>,
    pub created_at: i64,
    pub validity: String,
    pub remarks: String,
    pub accuracy_m: Option<f64>,
    pub site_code_issued_at: Option<i64>,
}

fn corrupt(what: &str, id: i64) -> StoreError {
    StoreError::Corrupt(format!("registration {id}: {what}"))
}

impl RegistrationRow {
    pub(crate) fn into_registration(self) -> Result<Registration, StoreError> {
        let id = self.id;
        let person = match (&self.ssin, &self.limosa_id) {
            (Some(s), _) => Person::Ssin(Ssin::parse(s).map_err(|_| corrupt("ssin", id))?),
            (None, Some(l)) => Person::Limosa(LimosaId::parse(l).map_err(|_| corrupt("limosa_id", id))?),
            (None, None) => return Err(corrupt("no person", id)),
        };
        let employer = match (&self.employer_enterprise, &self.employer_foreign_vat) {
            (Some(e), _) => Employer::Enterprise(EnterpriseNumber::parse(e).map_err(|_| corrupt("employer", id))?),
            (None, Some(v)) => Employer::ForeignVat(ForeignVatNumber::parse(v).map_err(|_| corrupt("employer", id))?),
            (None, None) => return Err(corrupt("no employer", id)),
        };
        let place_of_work = match (self.latitude, self.longitude, &self.address) {
            (Some(latitude), Some(longitude), _) => {
                Some(PlaceOfWork::Coordinates { latitude, longitude, accuracy: self.accuracy_m })
            }
            (_, _, Some(a)) => {
                Some(PlaceOfWork::Address(serde_json::from_str::<Address>(a).map_err(|_| corrupt("address", id))?))
            }
            _ => None,
        };
        let sender_enterprise = match &self.sender_enterprise {
            Some(e) => Some(EnterpriseNumber::parse(e).map_err(|_| corrupt("sender", id))?),
            None => None,
        };
        Ok(Registration {
            id: RegistrationId::new(id).map_err(|_| corrupt("id", id))?,
            data: NewRegistration {
                registration_date: from_micros(self.registration_date),
                kind: RegistrationType::parse(&self.kind).ok_or_else(|| corrupt("kind", id))?,
                person,
                employer,
                declaration: DeclarationNumber::parse(&self.declaration).map_err(|_| corrupt("declaration", id))?,
                place_of_work,
                client_reference: self.client_reference,
                channel: Channel::parse(&self.channel).ok_or_else(|| corrupt("channel", id))?,
                sender: Sender { id: self.sender_id, enterprise: sender_enterprise },
                created_at: from_micros(self.created_at),
                site_code_issued_at: self.site_code_issued_at.map(from_micros),
            },
            validity: Validity::parse(&self.validity).ok_or_else(|| corrupt("validity", id))?,
            remarks: serde_json::from_str(&self.remarks).map_err(|_| corrupt("remarks", id))?,
            history: vec![HistoryEntry { at: from_micros(self.created_at), event: Event::Created }],
        })
    }
}

/// One row of `registration_events`.
pub(crate) struct EventRow {
    pub at: i64,
    pub kind: String,
    pub validity: String,
    pub remarks: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub actor: Option<String>,
}

impl EventRow {
    pub(crate) fn into_entry(self, id: i64) -> Result<HistoryEntry, StoreError> {
        let event = match self.kind.as_str() {
            "validated" => Event::Validated {
                validity: Validity::parse(&self.validity).ok_or_else(|| corrupt("event validity", id))?,
                remarks: match &self.remarks {
                    Some(r) => serde_json::from_str::<Vec<Remark>>(r).map_err(|_| corrupt("event remarks", id))?,
                    None => Vec::new(),
                },
            },
            "cancelled" => Event::Cancelled {
                reason: self
                    .reason
                    .as_deref()
                    .and_then(CancelReason::parse)
                    .ok_or_else(|| corrupt("cancel reason", id))?,
                comment: self.comment,
                by: self.actor.unwrap_or_default(),
            },
            _ => return Err(corrupt("event kind", id)),
        };
        Ok(HistoryEntry { at: from_micros(self.at), event })
    }
}

/// The bind values of a registration insert, in placeholder order,
/// borrowed from the registration (only the address is encoded here).
pub(crate) struct InsertValues<'a> {
    pub registration_date: i64,
    pub kind: &'static str,
    pub ssin: Option<&'a str>,
    pub limosa_id: Option<&'a str>,
    pub employer_enterprise: Option<&'a str>,
    pub employer_foreign_vat: Option<&'a str>,
    pub declaration: &'a str,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub client_reference: Option<&'a str>,
    pub channel: &'static str,
    pub sender_id: &'a str,
    pub sender_enterprise: Option<&'a str>,
    pub created_at: i64,
    pub accuracy_m: Option<f64>,
    pub site_code_issued_at: Option<i64>,
}

impl<'a> InsertValues<'a> {
    pub(crate) fn of(r: &'a NewRegistration) -> Self {
        use ciao_domain::clock::to_micros;
        let (ssin, limosa_id) = match &r.person {
            Person::Ssin(s) => (Some(s.as_str()), None),
            Person::Limosa(l) => (None, Some(l.as_str())),
        };
        let (employer_enterprise, employer_foreign_vat) = match &r.employer {
            Employer::Enterprise(e) => (Some(e.as_str()), None),
            Employer::ForeignVat(v) => (None, Some(v.as_str())),
        };
        let (latitude, longitude, accuracy_m, address) = match &r.place_of_work {
            Some(PlaceOfWork::Coordinates { latitude, longitude, accuracy }) => {
                (Some(*latitude), Some(*longitude), *accuracy, None)
            }
            Some(PlaceOfWork::Address(a)) => (None, None, None, serde_json::to_string(a).ok()),
            None => (None, None, None, None),
        };
        Self {
            registration_date: to_micros(r.registration_date),
            kind: r.kind.as_str(),
            ssin,
            limosa_id,
            employer_enterprise,
            employer_foreign_vat,
            declaration: r.declaration.as_str(),
            latitude,
            longitude,
            address,
            client_reference: r.client_reference.as_deref(),
            channel: r.channel.as_str(),
            sender_id: &r.sender.id,
            sender_enterprise: r.sender.enterprise.as_ref().map(|e| e.as_str()),
            created_at: to_micros(r.created_at),
            accuracy_m,
            site_code_issued_at: r.site_code_issued_at.map(to_micros),
        }
    }
}

/// A value to bind in a dynamically built query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// The access rule of a search, as its SQL applies it to each row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowScope {
    /// Every row (the operator; or an enterprise holding a grant on every
    /// employer of the one declaration searched).
    All,
    /// What the enterprise may consult (`ciao_domain::access`): its own
    /// workers' rows, and the rows of declarations it holds a grant on, for
    /// every employer (`*`) or for the employer of the row: a grant lookup
    /// for each row.
    Enterprise(String),
    /// The same rule, resolved beforehand for a search of one declaration:
    /// the rows of these employers (the enterprise's own included). Read
    /// once per search instead of a grant lookup per row (`perf` on the
    /// search benchmark over PostgreSQL: about 250 index probes per page
    /// of 50 with its count).
    Employers(Vec<String>),
}

/// A (declaration, employer) group of a person's rows and its row count.
pub(crate) type RowGroup = (String, Option<String>, i64);

/// How a search applies the access rule, decided from its criteria and
/// scope before any query. The plans that read the enterprise's grants
/// first ([`AccessPlan::reads_grants_first`]) read the grants and the rows
/// in one snapshot, so that a grant withdrawn in between admits nothing
/// stored after it and the total agrees with the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessPlan<'a> {
    /// The operator: every row.
    All,
    /// One declaration: the viewer's grants on it, read once, become a list
    /// of employers ([`RowScope::Employers`]) instead of a grant lookup per
    /// row.
    Declaration { viewer: &'a EnterpriseNumber, declaration: &'a DeclarationNumber },
    /// One person (SSIN or Limosa id), total uncapped: the person's rows
    /// fall into a few (declaration, employer) groups, counted without the
    /// rule; the viewer's grants on those declarations are read once
    /// ([`visible_groups`]).
    Person { viewer: &'a EnterpriseNumber },
    /// Otherwise: a grant lookup per row ([`RowScope::Enterprise`]).
    PerRow,
}

impl<'a> AccessPlan<'a> {
    pub(crate) fn of(c: &'a SearchCriteria, scope: &'a Scope) -> Self {
        match (scope, &c.declaration) {
            (Scope::All, _) => Self::All,
            (Scope::Enterprise(viewer), Some(declaration)) => Self::Declaration { viewer, declaration },
            (Scope::Enterprise(viewer), None)
                if (c.ssin.is_some() || c.limosa_id.is_some()) && c.count_limit.is_none() =>
            {
                Self::Person { viewer }
            }
            (Scope::Enterprise(_), None) => Self::PerRow,
        }
    }

    pub(crate) fn reads_grants_first(self) -> bool {
        matches!(self, Self::Declaration { .. } | Self::Person { .. })
    }
}

/// The groups of a person's rows that `viewer` may see
/// (`ciao_domain::access::may_consult`), given its grants on their
/// declarations. The total of a search by person is the sum of the visible
/// groups' counts.
pub(crate) fn visible_groups(
    viewer: &EnterpriseNumber,
    groups: Vec<RowGroup>,
    grants: &HashMap<String, Vec<AccessGrant>>,
) -> Result<Vec<RowGroup>, StoreError> {
    let mut visible = Vec::with_capacity(groups.len());
    for group in groups {
        let employer = match &group.1 {
            Some(e) => Some(EnterpriseNumber::parse(e).map_err(|e| StoreError::Corrupt(e.message))?),
            None => None,
        };
        let on_declaration = grants.get(&group.0).map_or(&[][..], Vec::as_slice);
        if ciao_domain::access::may_consult(viewer, employer.as_ref(), on_declaration) {
            visible.push(group);
        }
    }
    Ok(visible)
}

impl RowScope {
    /// The rule of `scope` for a search, given the enterprise's grants on the
    /// one declaration searched (if one): every row with a grant for every
    /// employer, otherwise the rows of the employers of its grants and its
    /// own (`ciao_domain::access::may_consult`, as a filter).
    pub(crate) fn of(scope: &Scope, declaration_grants: Option<Vec<AccessGrant>>) -> Self {
        match (scope, declaration_grants) {
            (Scope::All, _) => RowScope::All,
            (Scope::Enterprise(_), Some(grants)) if grants.iter().any(|g| g.employer.is_none()) => RowScope::All,
            (Scope::Enterprise(viewer), Some(grants)) => {
                let mut employers: Vec<String> =
                    grants.into_iter().filter_map(|g| g.employer).map(|e| e.as_str().to_string()).collect();
                employers.push(viewer.as_str().to_string());
                employers.sort();
                employers.dedup();
                RowScope::Employers(employers)
            }
            (Scope::Enterprise(viewer), None) => RowScope::Enterprise(viewer.as_str().to_string()),
        }
    }
}

/// The `WHERE` clause (and its parameters) of a search.
pub(crate) fn search_filter(c: &SearchCriteria, scope: &RowScope) -> (String, Vec<Param>) {
    use ciao_domain::clock::to_micros;
    let mut sql = String::from(" WHERE r.registration_date >= $1 AND r.registration_date < $2");
    let mut params = vec![Param::Int(to_micros(c.registration_from)), Param::Int(to_micros(c.registration_to))];
    let mut add = |clause: &str, p: Param, sql: &mut String| {
        params.push(p);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(s) = &c.ssin {
        add(" AND r.ssin = ?", Param::Text(s.as_str().into()), &mut sql);
    }
    if let Some(l) = &c.limosa_id {
        add(" AND r.limosa_id = ?", Param::Text(l.as_str().into()), &mut sql);
    }
    if let Some(e) = &c.enterprise_number {
        add(" AND r.employer_enterprise = ?", Param::Text(e.as_str().into()), &mut sql);
    }
    if let Some(d) = &c.declaration {
        add(" AND r.declaration = ?", Param::Text(d.as_str().into()), &mut sql);
    }
    if !c.validity.is_empty() {
        let list: Vec<String> = c.validity.iter().map(|v| format!("'{}'", v.as_str())).collect();
        sql.push_str(&format!(" AND r.validity IN ({})", list.join(", ")));
    }
    if let Some((first, rest)) = c.remarks.split_first() {
        add(
            " AND r.id IN (SELECT registration_id FROM registration_remarks WHERE code IN (?",
            Param::Text(first.clone()),
            &mut sql,
        );
        for remark in rest {
            add(", ?", Param::Text(remark.clone()), &mut sql);
        }
        sql.push_str("))");
    }
    if let Some(k) = c.kind {
        sql.push_str(&format!(" AND r.kind = '{}'", k.as_str()));
    }
    if let Some(t) = c.created_from {
        add(" AND r.created_at >= ?", Param::Int(to_micros(t)), &mut sql);
    }
    if let Some(t) = c.created_to {
        add(" AND r.created_at < ?", Param::Int(to_micros(t)), &mut sql);
    }
    if let Some(cursor) = c.after {
        // Keyset pagination: after the cursor in the sort order.
        let op = if c.sort.descending { "<" } else { ">" };
        match c.sort.key {
            SortKey::Id => add(&format!(" AND r.id {op} ?"), Param::Int(cursor.id), &mut sql),
            SortKey::RegistrationDate | SortKey::CreatedAt => {
                let key = if c.sort.key == SortKey::CreatedAt { "r.created_at" } else { "r.registration_date" };
                add(&format!(" AND ({key}, r.id) {op} (?"), Param::Int(cursor.key), &mut sql);
                add(", ?)", Param::Int(cursor.id), &mut sql);
            }
        }
    }
    match scope {
        RowScope::All => {}
        RowScope::Enterprise(e) => add(
            " AND (r.employer_enterprise = ? OR EXISTS (SELECT 1 FROM access_grants g WHERE g.viewer = ? \
             AND g.declaration = r.declaration AND (g.employer = '*' OR g.employer = r.employer_enterprise)))",
            Param::Text(e.clone()),
            &mut sql,
        ),
        RowScope::Employers(employers) => {
            sql.push_str(" AND r.employer_enterprise IN (");
            for (i, e) in employers.iter().enumerate() {
                add(if i == 0 { "?" } else { ", ?" }, Param::Text(e.clone()), &mut sql);
            }
            sql.push(')');
        }
    }
    (sql, params)
}

pub(crate) fn search_order(c: &SearchCriteria) -> String {
    let dir = if c.sort.descending { "DESC" } else { "ASC" };
    let key = match c.sort.key {
        SortKey::Id => return format!(" ORDER BY r.id {dir}"),
        SortKey::RegistrationDate => "r.registration_date",
        SortKey::CreatedAt => "r.created_at",
    };
    format!(" ORDER BY {key} {dir}, r.id {dir}")
}

/// A stored REST account row (without its certificates).
pub(crate) struct AccountRow {
    pub sender_number: i64,
    pub client_id: String,
    pub enterprise: String,
    pub name: String,
    pub permissions: String,
    pub state: String,
    pub tokens_valid_after: i64,
    pub created_at: i64,
}

pub(crate) struct CertificateRow {
    pub id: i64,
    pub sender_number: i64,
    pub name: String,
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub subject: String,
    pub not_after: i64,
    pub added_at: i64,
    pub revoked_at: Option<i64>,
}

/// Assembles accounts from their rows and all certificate rows.
pub(crate) fn assemble_accounts(
    accounts: Vec<AccountRow>,
    certificates: Vec<CertificateRow>,
) -> Result<Vec<ciao_domain::channel::Account>, StoreError> {
    use ciao_domain::channel::{Account, AccountState, CertificateRecord, Permissions};
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        let bad = |w: &str| StoreError::Corrupt(format!("account {}: {w}", a.client_id));
        let certificates = certificates
            .iter()
            .filter(|c| c.sender_number == a.sender_number)
            .map(|c| CertificateRecord {
                id: c.id,
                name: c.name.clone(),
                fingerprint: c.fingerprint.clone(),
                der: c.der.clone(),
                subject: c.subject.clone(),
                not_after: from_micros(c.not_after),
                added_at: from_micros(c.added_at),
                revoked_at: c.revoked_at.map(from_micros),
            })
            .collect();
        out.push(Account {
            sender_number: a.sender_number,
            enterprise: EnterpriseNumber::parse(&a.enterprise).map_err(|_| bad("enterprise"))?,
            name: a.name.clone(),
            permissions: Permissions::from_csv(&a.permissions).ok_or_else(|| bad("permissions"))?,
            state: AccountState::parse(&a.state).ok_or_else(|| bad("state"))?,
            tokens_valid_after: from_micros(a.tokens_valid_after),
            created_at: from_micros(a.created_at),
            client_id: a.client_id,
            certificates,
        });
    }
    Ok(out)
}

/// The start of the second after `at`, in microseconds: access tokens carry
/// their issue time in whole seconds, so a change at `at` refuses every token
/// issued during that second too.
pub(crate) fn next_second(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp() + 1) * 1_000_000
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// `$start, $start+1, …` for `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `n` parameters that are arguments `start..start + n` of their statement,
/// where every parameter written before them in the statement is one of
/// these lists too, and the statement's other parameters are numbered after
/// all its lists (`$N` with N above them) and bound after them.
///
/// On SQLite plain `?`: sqlx asks SQLite for the name of every parameter it
/// binds, and SQLite finds a name by walking the list of all the
/// statement's named parameters, so binding a statement of `n` `$N`
/// parameters costs `n²/2` steps (87 % of an import's time at 4,000
/// parameters per statement, 13 % of the validation drain's, found with
/// `perf`). sqlx gives plain `?` the arguments 1, 2, … in the order they
/// are written, and `$N` the argument N, hence the rule above.
pub(crate) fn sole_placeholders(backend: &str, start: usize, n: usize) -> String {
    if backend == "sqlite" { vec!["?"; n].join(", ") } else { placeholders(start, n) }
}

pub(crate) fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = values.collect();
    set.into_iter().map(str::to_string).collect()
}

/// How the registrations of a person are grouped: the SSIN, or `L:` + the
/// Limosa id. A Limosa id whose declaration is known is its person's SSIN
/// (`limosa_ssin`: Limosa id → SSIN, from `limosa_declarations`): a posted
/// worker's IN sent with the Limosa id and OUT sent with the SSIN (a badge
/// and a phone) are one person's, paired as such.
pub(crate) fn person_key(p: &Person, limosa_ssin: &std::collections::HashMap<String, String>) -> String {
    match p {
        Person::Ssin(s) => s.as_str().to_string(),
        Person::Limosa(l) => limosa_ssin.get(l.as_str()).cloned().unwrap_or_else(|| format!("L:{}", l.as_str())),
    }
}

/// An SQL condition: the registration row `{row}` (an alias with its dot,
/// or empty) is of the person with SSIN `{p}` under either identifier — the
/// SSIN, or a Limosa id declared for it.
const SAME_PERSON_AS_SSIN: &str =
    "{row}ssin = {p} OR {row}limosa_id IN (SELECT d.limosa_id FROM limosa_declarations d WHERE d.ssin = {p})";

/// The same for the person with Limosa id `{p}`: that id, the SSIN its
/// declaration names, and the other Limosa ids declared for that SSIN.
const SAME_PERSON_AS_LIMOSA: &str = "{row}limosa_id = {p} \
     OR {row}ssin IN (SELECT d.ssin FROM limosa_declarations d WHERE d.limosa_id = {p}) \
     OR {row}limosa_id IN (SELECT d2.limosa_id FROM limosa_declarations d1 JOIN limosa_declarations d2 ON d2.ssin = d1.ssin \
     WHERE d1.limosa_id = {p})";

/// The one rule of who a registration's person is, for SQL: the row `row`
/// is of the person with that SSIN (`Person::Ssin`) or Limosa id, given as
/// the SQL expression `person` (a placeholder, or another row's column).
/// The validation's own lookup ([`person_key`]) follows the same rule.
pub(crate) fn same_person(row: &str, ssin: Option<&str>, limosa_id: Option<&str>) -> String {
    let fill = |template: &str, person: &str| template.replace("{row}", row).replace("{p}", person);
    let mut parts = Vec::new();
    if let Some(s) = ssin {
        parts.push(fill(SAME_PERSON_AS_SSIN, s));
    }
    if let Some(l) = limosa_id {
        parts.push(fill(SAME_PERSON_AS_LIMOSA, l));
    }
    parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" OR ")
}

/// Another registration of the same person (not cancelled), around the day.
pub(crate) struct Neighbour {
    pub id: i64,
    pub kind: String,
    pub declaration: String,
    pub at: i64,
    pub employer: String,
    /// When it was stored (microseconds).
    pub created_at: i64,
    /// Its last validation found it left open (`DAY_LEFT_OPEN`).
    pub left_open: bool,
}

/// The facts that follow from the person's other registrations: an earlier
/// identical registration, and the IN/OUT sequence in the window
/// `(window_start, window_end)` around it, paired per workplace.
pub(crate) fn sequence_facts(
    f: &mut crate::StoredFacts,
    r: &Registration,
    around: &[Neighbour],
    window_start: i64,
    window_end: i64,
) -> Result<(), StoreError> {
    let at = ciao_domain::clock::to_micros(r.data.registration_date);
    let created_at = ciao_domain::clock::to_micros(r.data.created_at);
    let id = r.id.get();
    let here = r.data.declaration.as_str();
    let employer = match &r.data.employer {
        Employer::Enterprise(e) => e.as_str(),
        Employer::ForeignVat(v) => v.as_str(),
    };
    let id_of = |n: &Neighbour| RegistrationId::new(n.id).map_err(|_| StoreError::Corrupt("registration id".into()));
    // The last registration before this one on each workplace.
    let mut last_before: HashMap<&str, &Neighbour> = HashMap::new();
    for n in around.iter().filter(|n| n.id != id) {
        let before = n.at < at || (n.at == at && n.id < id);
        if n.at == at && n.id < id && n.kind == r.data.kind.as_str() && n.declaration == here && n.employer == employer
        {
            f.duplicate = true;
        }
        if before && n.at > window_start {
            let last = last_before.entry(n.declaration.as_str()).or_insert(n);
            if (n.at, n.id) > (last.at, last.id) {
                *last = n;
            }
            // An IN left open on this workplace that this one closes.
            if n.left_open && n.declaration == here {
                f.affected.push(id_of(n)?);
            }
        }
        if !before && n.at < window_end {
            f.next_here |= n.declaration == here;
            // A later one stored before this one (sent late) paired
            // without it; one stored after it saw it already.
            if n.created_at < created_at {
                f.affected.push(id_of(n)?);
            }
        }
    }
    let kind =
        |n: &Neighbour| RegistrationType::parse(&n.kind).ok_or_else(|| StoreError::Corrupt("registration kind".into()));
    for (declaration, n) in last_before {
        if declaration == here {
            f.previous_here = Some(kind(n)?);
        } else if kind(n)? == RegistrationType::In {
            f.open_elsewhere = true;
        }
    }
    Ok(())
}

/// A stored declaration row.
pub(crate) struct DeclarationRow {
    pub number: String,
    pub technical_number: String,
    pub sector: String,
    pub site_name: String,
    pub street: String,
    pub house_number: String,
    pub post_code: String,
    pub municipality: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub start_date: String,
    pub end_date: Option<String>,
    pub amount_excl_vat_cents: i64,
    pub principal: Option<String>,
    pub declaring_contractor: String,
    pub subject_to_registration: bool,
}

pub(crate) fn date_of(s: &str) -> Result<Date, StoreError> {
    parse_any_date(s).ok_or_else(|| StoreError::Corrupt(format!("date {s:?}")))
}

pub(crate) fn opt_date_of(s: Option<&str>) -> Result<Option<Date>, StoreError> {
    s.map(date_of).transpose()
}

/// The rows of an import file with each key once: a key given again
/// replaces its earlier row (what upserting the rows one by one did), in
/// the order of the rows kept. A multi-row upsert must not meet a key twice
/// (PostgreSQL refuses to update a row twice in one statement).
pub(crate) fn last_per_key<'r, T, K: Eq + std::hash::Hash>(rows: &'r [T], key: impl Fn(&'r T) -> K) -> Vec<&'r T> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<&T> = rows.iter().rev().filter(|r| seen.insert(key(r))).collect();
    kept.reverse();
    kept
}

/// The owners a file names (in the file's order) with the keys of their
/// rows in it: what an import in `ImportMode::Replace` keeps of each owner.
pub(crate) fn owners<'r, R>(
    rows: &'r [R],
    f: impl Fn(&'r R) -> (&'r str, String),
) -> Vec<(&'r str, std::collections::HashSet<String>)> {
    let mut out: Vec<(&str, std::collections::HashSet<String>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for r in rows {
        let (owner, key) = f(r);
        let i = *at.entry(owner).or_insert_with(|| {
            out.push((owner, Default::default()));
            out.len() - 1
        });
        out[i].1.insert(key);
    }
    out
}

pub(crate) fn date_text(d: Date) -> String {
    d.format(ciao_domain::search::DATE_FORMAT).unwrap_or_default()
}

impl DeclarationRow {
    pub(crate) fn into_declaration(self) -> Result<(Declaration, String), StoreError> {
        let bad = |w: &str| StoreError::Corrupt(format!("declaration {}: {w}", self.number));
        let d = Declaration {
            number: DeclarationNumber::parse(&self.number).map_err(|_| bad("number"))?,
            sector: Sector::parse(&self.sector).ok_or_else(|| bad("sector"))?,
            site_name: self.site_name.clone(),
            street: self.street.clone(),
            house_number: self.house_number.clone(),
            post_code: self.post_code.clone(),
            municipality: self.municipality.clone(),
            coordinates: self.latitude.zip(self.longitude),
            start_date: date_of(&self.start_date)?,
            end_date: opt_date_of(self.end_date.as_deref())?,
            amount_excl_vat_cents: self.amount_excl_vat_cents,
            principal: match &self.principal {
                Some(p) => Some(Principal::parse(p).map_err(|_| bad("principal"))?),
                None => None,
            },
            declaring_contractor: EnterpriseNumber::parse(&self.declaring_contractor)
                .map_err(|_| bad("declaring contractor"))?,
            subject_to_registration: self.subject_to_registration,
        };
        Ok((d, self.technical_number))
    }
}

/// Implements [`crate::Store`] for a backend. `$skip_locked` is appended to
/// the claim of queued validations; `$persist_dynamic` says whether statements
/// whose text depends on the batch size are kept prepared (SQLite: yes, it
/// saves the parse; PostgreSQL: no, a custom plan per list beats a generic one);
/// `$analyze` refreshes the planner's statistics; `$begin_write` begins a
/// transaction that reads before it writes (SQLite: `BEGIN IMMEDIATE`, so
/// that another process's writer makes it wait instead of failing on the
/// lock upgrade); `$begin_snapshot` begins a read-only transaction whose
/// statements all see one snapshot (SQLite: a deferred `BEGIN`; PostgreSQL:
/// `REPEATABLE READ`). Both backends take the same
/// SQL; the macro only repeats what differs in type (pool, row, database).
macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:literal, $skip_locked:literal, $persist_dynamic:literal, $analyze:literal, $begin_write:literal, $begin_snapshot:literal) => {
        use $crate::common::{
            DeclarationRow, EventRow, Param, RegistrationRow, date_text, opt_date_of, date_of, owners,
            search_filter, search_order, DECLARATION_SELECT,
            REGISTRATION_COLUMNS,
        };
        use $crate::{
            AuditEntry, CancelOutcome, DeclarationImport, ImportSummary, RegisterOutcome, Result, Scope, SearchPage,
            Store, StoreError,
        };
        use ciao_domain::access::{AccessGrant, GrantRole};
        use ciao_domain::clock::{from_micros, to_micros};
        use ciao_domain::reference::{
            DeclarationDetails, Employment, EnterprisePeriod, LimosaDeclaration, PersonRecord, Subcontractor,
        };
        use ciao_domain::search::SearchCriteria;
        use ciao_domain::{
            CancelReason, DeclarationNumber, EnterpriseNumber, NewRegistration, Registration, RegistrationId,
        };
        use sqlx::{AssertSqlSafe, Row};
        use time::OffsetDateTime;

        fn registration_row(row: &<$db as sqlx::Database>::Row) -> Result<RegistrationRow> {
            Ok(RegistrationRow {
                id: row.try_get(0)?,
                registration_date: row.try_get(1)?,
                kind: row.try_get(2)?,
                ssin: row.try_get(3)?,
                limosa_id: row.try_get(4)?,
                employer_enterprise: row.try_get(5)?,
                employer_foreign_vat: row.try_get(6)?,
                declaration: row.try_get(7)?,
                latitude: row.try_get(8)?,
                longitude: row.try_get(9)?,
                address: row.try_get(10)?,
                client_reference: row.try_get(11)?,
                channel: row.try_get(12)?,
                sender_id: row.try_get(13)?,
                sender_enterprise: row.try_get(14)?,
                created_at: row.try_get(15)?,
                validity: row.try_get(16)?,
                remarks: row.try_get(17)?,
                accuracy_m: row.try_get(18)?,
                site_code_issued_at: row.try_get(19)?,
            })
        }

        fn enterprise_user_row(r: &<$db as sqlx::Database>::Row) -> Result<ciao_domain::channel::EnterpriseUser> {
            let bad = |w: &str| StoreError::Corrupt(format!("enterprise user: {w}"));
            Ok(ciao_domain::channel::EnterpriseUser {
                enterprise: EnterpriseNumber::parse(&r.try_get::<String, _>(0)?).map_err(|_| bad("enterprise"))?,
                ssin: ciao_domain::Ssin::parse(&r.try_get::<String, _>(1)?).map_err(|_| bad("ssin"))?,
                name: r.try_get(2)?,
                role: ciao_domain::channel::Role::parse(&r.try_get::<String, _>(3)?).ok_or_else(|| bad("role"))?,
                appointed_by: r.try_get(4)?,
                created_at: from_micros(r.try_get(5)?),
            })
        }

        fn web_session_row(r: &<$db as sqlx::Database>::Row) -> Result<$crate::WebSession> {
            web_session_at(r, 0)
        }

        /// A session's columns (issued_at, provider, device, last_seen_at,
        /// expires_at, revoked_at) from column `first` on.
        fn web_session_at(r: &<$db as sqlx::Database>::Row, first: usize) -> Result<$crate::WebSession> {
            Ok($crate::WebSession {
                issued_at: from_micros(r.try_get(first)?),
                provider: r.try_get(first + 1)?,
                device: r.try_get(first + 2)?,
                last_seen_at: from_micros(r.try_get(first + 3)?),
                expires_at: from_micros(r.try_get(first + 4)?),
                revoked_at: r.try_get::<Option<i64>, _>(first + 5)?.map(from_micros),
            })
        }

        /// Counts a failed sign-in in a credentials table (`worker_credentials`
        /// or `employer_credentials`); at `max_attempts` the account is locked
        /// until `lock_until` and the count starts again. Returns the count.
        async fn count_failure(
            pool: &sqlx::Pool<$db>,
            table: &'static str,
            ssin: &ciao_domain::Ssin,
            max_attempts: i64,
            lock_until: OffsetDateTime,
        ) -> Result<i64> {
            let mut tx = pool.begin_with($begin_write).await?;
            let sql = AssertSqlSafe(format!(
                "UPDATE {table} SET failed_attempts = failed_attempts + 1 WHERE ssin = $1 RETURNING failed_attempts"
            ));
            let attempts: Option<i32> = sqlx::query_scalar(sql).bind(ssin.as_str()).fetch_optional(&mut *tx).await?;
            let attempts = i64::from(attempts.unwrap_or(0));
            if attempts >= max_attempts {
                let sql =
                    AssertSqlSafe(format!("UPDATE {table} SET failed_attempts = 0, locked_until = $2 WHERE ssin = $1"));
                sqlx::query(sql).bind(ssin.as_str()).bind(to_micros(lock_until)).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(attempts)
        }

        fn audit_row(r: &<$db as sqlx::Database>::Row) -> Result<AuditEntry> {
            let detail: String = r.try_get(4)?;
            Ok(AuditEntry {
                at: from_micros(r.try_get(0)?),
                actor: r.try_get(1)?,
                action: r.try_get(2)?,
                subject: r.try_get(3)?,
                detail: serde_json::from_str(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                enterprise: r.try_get(5)?,
            })
        }

        fn bind_params<'q>(
            mut q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            params: &[Param],
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            for p in params {
                q = match p {
                    Param::Text(s) => q.bind(s.clone()),
                    Param::Int(i) => q.bind(*i),
                };
            }
            q
        }

        /// Upserts an import's rows with one multi-row statement per 1,000
        /// rows (not a round trip per row: on PostgreSQL that made an
        /// import of a million rows take minutes): `head` is `INSERT INTO
        /// table (columns)`, `tail` the `ON CONFLICT` clause (or nothing: a
        /// plain insert), `width` the
        /// values per row, which `bind` binds. The rows' keys must be
        /// distinct ([`last_per_key`]). With `RETURNING key` in `tail`: the
        /// keys of the rows inserted or changed; otherwise their number only.
        async fn upsert_rows<'r, T>(
            tx: &mut sqlx::Transaction<'static, $db>,
            (head, tail): (&str, &str),
            width: usize,
            rows: &[&'r T],
            bind: fn(
                sqlx::query::Query<'r, $db, <$db as sqlx::Database>::Arguments>,
                &'r T,
            ) -> sqlx::query::Query<'r, $db, <$db as sqlx::Database>::Arguments>,
        ) -> Result<(u64, Vec<String>)> {
            let returning = tail.contains("RETURNING");
            let (mut changed, mut keys) = (0, Vec::new());
            for chunk in rows.chunks(1000) {
                let values: Vec<String> =
                    (0..chunk.len()).map(|i| format!("({})", $crate::common::sole_placeholders($backend, i * width + 1, width))).collect();
                let sql = AssertSqlSafe(format!("{head} VALUES {} {tail}", values.join(", ")));
                let mut q = sqlx::query(sql).persistent($persist_dynamic);
                for r in chunk {
                    q = bind(q, r);
                }
                if returning {
                    for row in q.fetch_all(&mut **tx).await? {
                        keys.push(row.try_get::<String, _>(0)?);
                        changed += 1;
                    }
                } else {
                    changed += q.execute(&mut **tx).await?.rows_affected();
                }
            }
            Ok((changed, keys))
        }

        /// The rows that `sql` (with `IN ({})` for the values' placeholders)
        /// answers for `values`: one statement per 500 values (far under
        /// either database's parameter limit), not one per value.
        async fn in_rows(
            conn: &mut <$db as sqlx::Database>::Connection,
            sql: &str,
            values: &[String],
        ) -> Result<Vec<<$db as sqlx::Database>::Row>> {
            let mut out = Vec::new();
            for chunk in values.chunks(500) {
                let sql = AssertSqlSafe(sql.replace("{}", &$crate::common::sole_placeholders($backend, 1, chunk.len())));
                let mut q = sqlx::query(sql).persistent($persist_dynamic);
                for v in chunk {
                    q = q.bind(v.as_str());
                }
                out.extend(q.fetch_all(&mut *conn).await?);
            }
            Ok(out)
        }

        /// [`in_rows`], each row read as an `O`.
        async fn rows_in<O>(conn: &mut <$db as sqlx::Database>::Connection, sql: &str, values: &[String]) -> Result<Vec<O>>
        where
            O: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row>,
        {
            in_rows(conn, sql, values).await?.iter().map(|row| O::from_row(row).map_err(StoreError::from)).collect()
        }

        /// The subcontractors of each of `declarations` (by number), each
        /// declaration's in the order of their enterprise numbers.
        async fn subcontractors_of(
            conn: &mut <$db as sqlx::Database>::Connection,
            declarations: &[String],
        ) -> Result<std::collections::HashMap<String, Vec<Subcontractor>>> {
            let sql = "SELECT declaration, enterprise_number, parent, date_from, date_to FROM subcontractors \
                       WHERE declaration IN ({}) ORDER BY declaration, enterprise_number";
            let mut out: std::collections::HashMap<String, Vec<Subcontractor>> = std::collections::HashMap::new();
            for row in in_rows(conn, sql, declarations).await? {
                let s = subcontractor_row(&row)?;
                out.entry(s.declaration.as_str().to_string()).or_default().push(s);
            }
            Ok(out)
        }

        /// [`rows_in`] of one text column, on a connection of `pool`.
        async fn texts_in(pool: &sqlx::Pool<$db>, sql: &str, values: &[String]) -> Result<Vec<String>> {
            let rows: Vec<(String,)> = rows_in(&mut *pool.acquire().await?, sql, values).await?;
            Ok(rows.into_iter().map(|(text,)| text).collect())
        }

        /// The grants of `viewer` on each of `declarations` (none: an empty map).
        async fn grants_on<'e, E: sqlx::Executor<'e, Database = $db>>(
            executor: E,
            viewer: &EnterpriseNumber,
            declarations: &[&str],
        ) -> Result<std::collections::HashMap<String, Vec<AccessGrant>>> {
            let mut out: std::collections::HashMap<String, Vec<AccessGrant>> = std::collections::HashMap::new();
            if declarations.is_empty() {
                return Ok(out);
            }
            let list = (2..declarations.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = AssertSqlSafe(format!(
                "SELECT declaration, employer, role FROM access_grants WHERE viewer = $1 AND declaration IN ({list})"
            ));
            let mut q = sqlx::query(sql).bind(viewer.as_str());
            for d in declarations {
                q = q.bind(*d);
            }
            for r in q.fetch_all(executor).await? {
                let employer: String = r.try_get(1)?;
                let role: String = r.try_get(2)?;
                let grant = AccessGrant {
                    viewer: viewer.clone(),
                    employer: if employer == "*" {
                        None
                    } else {
                        Some(EnterpriseNumber::parse(&employer).map_err(|e| StoreError::Corrupt(e.message))?)
                    },
                    role: grant_role(&role)?,
                };
                out.entry(r.try_get(0)?).or_default().push(grant);
            }
            Ok(out)
        }

        /// [`Store::search`] on one connection (in a snapshot transaction
        /// when `plan` reads grants first).
        async fn search_on(
            conn: &mut <$db as sqlx::Database>::Connection,
            criteria: &SearchCriteria,
            scope: &Scope,
            plan: $crate::common::AccessPlan<'_>,
        ) -> Result<SearchPage> {
            use $crate::common::{AccessPlan, RowScope};
            let uncapped = SearchCriteria { after: None, ..criteria.clone() };
            // The rule as the page's SQL applies it, and the total when the
            // plan has already counted it.
            let (rows, total) = match plan {
                AccessPlan::All | AccessPlan::PerRow => (RowScope::of(scope, None), None),
                AccessPlan::Declaration { viewer, declaration } => {
                    let d = declaration.as_str();
                    let grants = grants_on(&mut *conn, viewer, &[d]).await?.remove(d).unwrap_or_default();
                    (RowScope::of(scope, Some(grants)), None)
                }
                // The visible groups make the total. When every group is
                // visible (the usual case: the person's employer, or an
                // enterprise that sees the whole declaration), the page
                // needs no rule either: a grant lookup per row was three
                // quarters of its buffer reads (EXPLAIN, `bench search`);
                // the snapshot keeps new groups out. When none is, nothing
                // is read. Otherwise the page keeps the per-row rule:
                // written as a list of (declaration, employer) pairs, the
                // planner took the declaration index and read a month of the
                // declaration (`bench search`: 4 times slower).
                AccessPlan::Person { viewer } => {
                    let (filter, params) = search_filter(&uncapped, &RowScope::All);
                    let sql = AssertSqlSafe(format!(
                        "SELECT r.declaration, r.employer_enterprise, COUNT(*) FROM registrations r{filter} \
                         GROUP BY r.declaration, r.employer_enterprise"
                    ));
                    let groups: Vec<$crate::common::RowGroup> = bind_params(sqlx::query(sql), &params)
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
                        .collect::<Result<_>>()?;
                    let mut declarations: Vec<&str> = groups.iter().map(|g| g.0.as_str()).collect();
                    declarations.sort_unstable();
                    declarations.dedup();
                    let grants = grants_on(&mut *conn, viewer, &declarations).await?;
                    let all = groups.len();
                    let visible = $crate::common::visible_groups(viewer, groups, &grants)?;
                    if visible.is_empty() {
                        return Ok(SearchPage { items: Vec::new(), total: 0, next: None });
                    }
                    let total = visible.iter().map(|g| g.2).sum::<i64>();
                    let rows = if visible.len() == all { RowScope::All } else { RowScope::of(scope, None) };
                    (rows, Some(total))
                }
            };
            let total: i64 = match total {
                Some(total) => total,
                None => {
                    // The total counts the whole filter, without the cursor.
                    let (count_filter, count_params) = search_filter(&uncapped, &rows);
                    let count_sql = AssertSqlSafe(match criteria.count_limit {
                        Some(limit) => format!("SELECT COUNT(*) FROM (SELECT 1 FROM registrations r{count_filter} LIMIT {limit}) capped"),
                        None => format!("SELECT COUNT(*) FROM registrations r{count_filter}"),
                    });
                    bind_params(sqlx::query(count_sql), &count_params).fetch_one(&mut *conn).await?.try_get(0)?
                }
            };
            let (filter, params) = search_filter(criteria, &rows);
            let page_sql = AssertSqlSafe(format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations r{filter}{} LIMIT {} OFFSET {}",
                search_order(criteria),
                // One row more than the page: whether a next page exists
                // (a full last page has no next).
                criteria.page_size + 1,
                criteria.offset()
            ));
            let page = bind_params(sqlx::query(page_sql), &params).fetch_all(&mut *conn).await?;
            let more = page.len() > criteria.page_size as usize;
            let mut items = Vec::with_capacity(page.len());
            for row in page.iter().take(criteria.page_size as usize) {
                let mut r = registration_row(row)?.into_registration()?;
                r.history.clear();
                items.push(r);
            }
            let next = more.then(|| items.last()).flatten().map(|r| ciao_domain::search::Cursor::of(criteria.sort.key, r));
            Ok(SearchPage { items, total: total.max(0) as u64, next })
        }

        fn grant_role(s: &str) -> Result<GrantRole> {
            match s {
                "principal" => Ok(GrantRole::Principal),
                "declarer" => Ok(GrantRole::Declarer),
                "contractor" => Ok(GrantRole::Contractor),
                _ => Err(StoreError::Corrupt(format!("grant role {s:?}"))),
            }
        }

        /// An import in `ImportMode::Replace`: for each owner the file
        /// names, removes its stored rows whose key (the SQL expression
        /// `key`, as [`owners`] builds it from the file) is not in the file,
        /// from each of `tables` in order (dependent rows first; the last
        /// one lists the keys). Returns how many rows went, and the owners
        /// that lost some.
        async fn remove_missing(
            tx: &mut sqlx::Transaction<'static, $db>,
            tables: &[&str],
            owner_column: &str,
            key: &str,
            owners: Vec<(&str, std::collections::HashSet<String>)>,
        ) -> Result<(u64, Vec<String>)> {
            let Some(listing) = tables.last() else { return Ok((0, Vec::new())) };
            let (mut removed, mut losers) = (0, Vec::new());
            for (owner, kept) in owners {
                let sql = AssertSqlSafe(format!("SELECT {key} FROM {listing} WHERE {owner_column} = $1"));
                let stored: Vec<String> = sqlx::query_scalar(sql).bind(owner).fetch_all(&mut **tx).await?;
                let before = removed;
                for gone in stored.iter().filter(|k| !kept.contains(k.as_str())) {
                    for table in tables {
                        let sql =
                            AssertSqlSafe(format!("DELETE FROM {table} WHERE {owner_column} = $1 AND {key} = $2"));
                        removed += sqlx::query(sql).bind(owner).bind(gone).execute(&mut **tx).await?.rows_affected();
                    }
                }
                if removed > before {
                    losers.push(owner.to_string());
                }
            }
            Ok((removed, losers))
        }

        /// Rebuilds the access grants of the given declarations.
        async fn rebuild_grants(
            tx: &mut sqlx::Transaction<'static, $db>,
            declarations: &[String],
        ) -> Result<()> {
            // Each read or written for 500 declarations per statement, not
            // about six statements per declaration (a national import of
            // declarations took minutes).
            let numbers = $crate::common::distinct(declarations.iter().map(String::as_str));
            let select = DECLARATION_SELECT.replace("number = $1", "number IN ({})");
            let rows = in_rows(&mut **tx, &select, &numbers).await?;
            // (A DELETE answers no rows.)
            in_rows(&mut **tx, "DELETE FROM access_grants WHERE declaration IN ({})", &numbers).await?;
            let mut subs = subcontractors_of(&mut **tx, &numbers).await?;
            let mut grants: Vec<(String, String, String, &'static str)> = Vec::new();
            for row in &rows {
                let (declaration, _) = declaration_row(row)?.into_declaration()?;
                let number = declaration.number.as_str().to_string();
                let subs = subs.remove(&number).unwrap_or_default();
                for g in ciao_domain::access::grants(&declaration, &subs) {
                    let employer = g.employer.as_ref().map_or("*", |e| e.as_str()).to_string();
                    grants.push((g.viewer.as_str().to_string(), number.clone(), employer, g.role.as_str()));
                }
            }
            upsert_rows(
                tx,
                ("INSERT INTO access_grants (viewer, declaration, employer, role)", ""),
                4,
                &grants.iter().collect::<Vec<_>>(),
                |q, g| q.bind(g.0.as_str()).bind(g.1.as_str()).bind(g.2.as_str()).bind(g.3),
            )
            .await?;
            Ok(())
        }

        fn declaration_row(row: &<$db as sqlx::Database>::Row) -> Result<DeclarationRow> {
            Ok(DeclarationRow {
                number: row.try_get(0)?,
                technical_number: row.try_get(1)?,
                sector: row.try_get(2)?,
                site_name: row.try_get(3)?,
                street: row.try_get(4)?,
                house_number: row.try_get(5)?,
                post_code: row.try_get(6)?,
                municipality: row.try_get(7)?,
                latitude: row.try_get(8)?,
                longitude: row.try_get(9)?,
                start_date: row.try_get(10)?,
                end_date: row.try_get(11)?,
                amount_excl_vat_cents: row.try_get(12)?,
                principal: row.try_get(13)?,
                declaring_contractor: row.try_get(14)?,
                subject_to_registration: row.try_get(15)?,
            })
        }

        async fn load_subcontractors<'e, E>(exec: E, number: &str) -> Result<Vec<Subcontractor>>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let rows = sqlx::query(
                "SELECT declaration, enterprise_number, parent, date_from, date_to FROM subcontractors \
                 WHERE declaration = $1 ORDER BY enterprise_number",
            )
            .bind(number)
            .fetch_all(exec)
            .await?;
            rows.iter().map(|r| subcontractor_row(r)).collect()
        }

        /// A subcontractor from its row (declaration, enterprise_number, parent, date_from, date_to).
        fn subcontractor_row(r: &<$db as sqlx::Database>::Row) -> Result<Subcontractor> {
            let declaration: String = r.try_get(0)?;
            let bad = |w: &str| StoreError::Corrupt(format!("subcontractor of {declaration}: {w}"));
            Ok(Subcontractor {
                declaration: DeclarationNumber::parse(&declaration).map_err(|_| bad("declaration"))?,
                enterprise_number: EnterpriseNumber::parse(&r.try_get::<String, _>(1)?).map_err(|_| bad("enterprise"))?,
                parent: EnterpriseNumber::parse(&r.try_get::<String, _>(2)?).map_err(|_| bad("parent"))?,
                from: date_of(&r.try_get::<String, _>(3)?)?,
                to: opt_date_of(r.try_get::<Option<String>, _>(4)?.as_deref())?,
            })
        }

        const ACCOUNT_SELECT: &str = "SELECT sender_number, client_id, enterprise_number, name, permissions, state, \
            tokens_valid_after, created_at FROM rest_accounts";
        const CERTIFICATE_SELECT: &str = "SELECT id, sender_number, name, fingerprint, der, subject, not_after, added_at, \
            revoked_at FROM rest_certificates";

        async fn load_accounts(
            conn: &mut <$db as sqlx::Database>::Connection,
            client_id: Option<&str>,
        ) -> Result<Vec<ciao_domain::channel::Account>> {
            let (accounts, certificates) = match client_id {
                Some(c) => (
                    sqlx::query(AssertSqlSafe(format!("{ACCOUNT_SELECT} WHERE client_id = $1"))).bind(c).fetch_all(&mut *conn).await?,
                    sqlx::query(AssertSqlSafe(format!(
                        "{CERTIFICATE_SELECT} WHERE sender_number IN (SELECT sender_number FROM rest_accounts WHERE client_id = $1) ORDER BY id"
                    )))
                    .bind(c)
                    .fetch_all(&mut *conn)
                    .await?,
                ),
                None => (
                    sqlx::query(AssertSqlSafe(format!("{ACCOUNT_SELECT} ORDER BY sender_number"))).fetch_all(&mut *conn).await?,
                    sqlx::query(AssertSqlSafe(format!("{CERTIFICATE_SELECT} ORDER BY id"))).fetch_all(&mut *conn).await?,
                ),
            };
            let accounts = accounts
                .iter()
                .map(|r| {
                    Ok($crate::common::AccountRow {
                        sender_number: r.try_get(0)?,
                        client_id: r.try_get(1)?,
                        enterprise: r.try_get(2)?,
                        name: r.try_get(3)?,
                        permissions: r.try_get(4)?,
                        state: r.try_get(5)?,
                        tokens_valid_after: r.try_get(6)?,
                        created_at: r.try_get(7)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let certificates = certificates
                .iter()
                .map(|r| {
                    Ok($crate::common::CertificateRow {
                        id: r.try_get(0)?,
                        sender_number: r.try_get(1)?,
                        name: r.try_get(2)?,
                        fingerprint: r.try_get(3)?,
                        der: r.try_get(4)?,
                        subject: r.try_get(5)?,
                        not_after: r.try_get(6)?,
                        added_at: r.try_get(7)?,
                        revoked_at: r.try_get(8)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            $crate::common::assemble_accounts(accounts, certificates)
        }

        /// Refuses an existing database created for another environment,
        /// before the migrations change anything (`current`: its schema version).
        async fn check_environment(
            tx: &mut sqlx::Transaction<'static, $db>,
            current: i64,
            expected: $crate::Environment,
        ) -> Result<()> {
            let found = if current == 0 {
                return Ok(()); // a new database: created for `expected`
            } else if current < $crate::common::ENVIRONMENT_SINCE {
                $crate::Environment::Production
            } else {
                let stored: Option<String> = sqlx::query_scalar("SELECT environment FROM ciao_environment WHERE id = 1")
                    .fetch_optional(&mut **tx)
                    .await?;
                match stored {
                    None => $crate::Environment::Production,
                    Some(s) => $crate::Environment::parse(&s)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown environment {s:?}")))?,
                }
            };
            if found != expected {
                return Err(StoreError::WrongEnvironment { found, expected });
            }
            Ok(())
        }

        /// Records the environment after the migrations: `expected` for a
        /// new database, production for one that existed before environments.
        async fn record_environment(
            tx: &mut sqlx::Transaction<'static, $db>,
            current: i64,
            expected: $crate::Environment,
        ) -> Result<()> {
            let environment = if current == 0 { expected } else { $crate::Environment::Production };
            sqlx::query(
                "INSERT INTO ciao_environment (id, environment, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(environment.as_str())
            .bind(to_micros(OffsetDateTime::now_utc()))
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn bump_channel_version(tx: &mut sqlx::Transaction<'static, $db>) -> Result<()> {
            sqlx::query("UPDATE channel_version SET version = version + 1 WHERE id = 1").execute(&mut **tx).await?;
            Ok(())
        }

        async fn insert_certificate(
            tx: &mut sqlx::Transaction<'static, $db>,
            sender_number: i64,
            c: &$crate::NewCertificate,
            at: OffsetDateTime,
        ) -> std::result::Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO rest_certificates (sender_number, name, fingerprint, der, subject, not_after, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(sender_number)
            .bind(&c.name)
            .bind(&c.fingerprint)
            .bind(&c.der)
            .bind(&c.subject)
            .bind(to_micros(c.not_after))
            .bind(to_micros(at))
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn account_in(
            conn: &mut <$db as sqlx::Database>::Connection,
            client_id: &str,
        ) -> Result<Option<ciao_domain::channel::Account>> {
            Ok(load_accounts(conn, Some(client_id)).await?.into_iter().next())
        }

        fn limosa_row(r: &<$db as sqlx::Database>::Row) -> Result<ciao_domain::reference::LimosaDeclaration> {
            let bad = |w: &str| StoreError::Corrupt(format!("limosa declaration: {w}"));
            let client: Option<String> = r.try_get(3)?;
            Ok(ciao_domain::reference::LimosaDeclaration {
                limosa_id: ciao_domain::LimosaId::parse(&r.try_get::<String, _>(0)?).map_err(|_| bad("id"))?,
                ssin: ciao_domain::Ssin::parse(&r.try_get::<String, _>(1)?).map_err(|_| bad("ssin"))?,
                foreign_employer_vat: ciao_domain::ForeignVatNumber::parse(&r.try_get::<String, _>(2)?)
                    .map_err(|_| bad("vat"))?,
                belgian_client: match client {
                    Some(c) => Some(EnterpriseNumber::parse(&c).map_err(|_| bad("client"))?),
                    None => None,
                },
                from: date_of(&r.try_get::<String, _>(4)?)?,
                to: opt_date_of(r.try_get::<Option<String>, _>(5)?.as_deref())?,
            })
        }


        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn schema_version(&self) -> Result<i64> {
                let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM ciao_migrations")
                    .fetch_one(&self.read)
                    .await?;
                Ok(v.unwrap_or(0))
            }

            async fn migration_applied_at(&self, version: i64) -> Result<Option<OffsetDateTime>> {
                let at: Option<i64> = sqlx::query_scalar("SELECT applied_at FROM ciao_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(at.map(from_micros))
            }

            async fn register(&self, items: Vec<NewRegistration>) -> Result<Vec<RegisterOutcome>> {
                self.writer.write(items).await
            }

            fn environment(&self) -> $crate::Environment {
                self.environment
            }

            async fn simulation_state(&self) -> Result<$crate::SimulationState> {
                if self.environment != $crate::Environment::Simulation {
                    return Ok($crate::SimulationState::default());
                }
                let row = sqlx::query("SELECT seeded_at, day_closed_at FROM ciao_environment WHERE id = 1")
                    .fetch_optional(&self.read)
                    .await?;
                let Some(row) = row else {
                    return Ok($crate::SimulationState::default());
                };
                Ok($crate::SimulationState {
                    seeded_at: row.try_get::<Option<i64>, _>(0)?.map(from_micros),
                    day_closed_at: row.try_get::<Option<i64>, _>(1)?.map(from_micros),
                })
            }

            async fn simulation_seeded(&self, at: OffsetDateTime) -> Result<()> {
                if self.environment != $crate::Environment::Simulation {
                    return Err(StoreError::NotSimulation);
                }
                sqlx::query("UPDATE ciao_environment SET seeded_at = $1 WHERE id = 1 AND environment = 'simulation'")
                    .bind(to_micros(at))
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn simulation_close_day(&self, at: OffsetDateTime) -> Result<()> {
                if self.environment != $crate::Environment::Simulation {
                    return Err(StoreError::NotSimulation);
                }
                sqlx::query("UPDATE ciao_environment SET day_closed_at = $1 WHERE id = 1 AND environment = 'simulation'")
                    .bind(to_micros(at))
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn simulation_reset(&self, keep: &[&str]) -> Result<()> {
                if self.environment != $crate::Environment::Simulation {
                    return Err(StoreError::NotSimulation);
                }
                let mut tx = self.write.begin_with($begin_write).await?;
                // Checked again inside the transaction: the row, not this
                // process's belief, decides.
                let environment: Option<String> =
                    sqlx::query_scalar("SELECT environment FROM ciao_environment WHERE id = 1").fetch_optional(&mut *tx).await?;
                if environment.as_deref() != Some("simulation") {
                    return Err(StoreError::NotSimulation);
                }
                for table in $crate::common::SIMULATION_RESET_TABLES {
                    if *table == "declarations" {
                        // A simulation's declarations are few: the ones
                        // not kept go one by one (the same SQL on both
                        // backends).
                        let numbers: Vec<String> =
                            sqlx::query_scalar("SELECT number FROM declarations").fetch_all(&mut *tx).await?;
                        for number in numbers.iter().filter(|n| !keep.contains(&n.as_str())) {
                            sqlx::query("DELETE FROM declarations WHERE number = $1").bind(number).execute(&mut *tx).await?;
                        }
                        continue;
                    }
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE ciao_environment SET seeded_at = NULL, day_closed_at = NULL WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                // The kept declarations' grants, from their chain as it is
                // now (the seed's import rebuilds those it changes again).
                let kept: Vec<String> = keep.iter().map(|n| n.to_string()).collect();
                rebuild_grants(&mut tx, &kept).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn registration_by_client_reference(
                &self,
                sender_id: &str,
                client_reference: &str,
            ) -> Result<Option<RegistrationId>> {
                let id: Option<i64> = sqlx::query_scalar($crate::common::FIND_BY_CLIENT_REFERENCE)
                    .bind(sender_id)
                    .bind(client_reference)
                    .fetch_optional(&self.read)
                    .await?;
                id.map(|id| RegistrationId::new(id).map_err(|e| StoreError::Corrupt(e.message))).transpose()
            }

            async fn registration(&self, id: RegistrationId) -> Result<Option<Registration>> {
                let sql = AssertSqlSafe(format!("SELECT {REGISTRATION_COLUMNS} FROM registrations r WHERE r.id = $1"));
                let Some(row) = sqlx::query(sql).bind(id.get()).fetch_optional(&self.read).await? else {
                    return Ok(None);
                };
                let mut reg = registration_row(&row)?.into_registration()?;
                let events = sqlx::query(
                    "SELECT at, kind, validity, remarks, reason, comment, actor FROM registration_events \
                     WHERE registration_id = $1 ORDER BY id",
                )
                .bind(id.get())
                .fetch_all(&self.read)
                .await?;
                for e in &events {
                    let row = EventRow {
                        at: e.try_get(0)?,
                        kind: e.try_get(1)?,
                        validity: e.try_get(2)?,
                        remarks: e.try_get(3)?,
                        reason: e.try_get(4)?,
                        comment: e.try_get(5)?,
                        actor: e.try_get(6)?,
                    };
                    reg.history.push(row.into_entry(id.get())?);
                }
                Ok(Some(reg))
            }

            async fn search(&self, criteria: &SearchCriteria, scope: &Scope) -> Result<SearchPage> {
                let plan = $crate::common::AccessPlan::of(criteria, scope);
                if plan.reads_grants_first() {
                    let mut tx = self.read.begin_with($begin_snapshot).await?;
                    let page = search_on(&mut tx, criteria, scope, plan).await?;
                    tx.commit().await?;
                    Ok(page)
                } else {
                    let mut conn = self.read.acquire().await?;
                    search_on(&mut conn, criteria, scope, plan).await
                }
            }

            async fn cancel(
                &self,
                id: RegistrationId,
                at: OffsetDateTime,
                reason: CancelReason,
                comment: Option<&str>,
                by: &str,
            ) -> Result<CancelOutcome> {
                let mut tx = self.write.begin().await?;
                let updated = sqlx::query(
                    "UPDATE registrations SET validity = 'cancelled' WHERE id = $1 AND validity <> 'cancelled'",
                )
                .bind(id.get())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM registrations WHERE id = $1")
                        .bind(id.get())
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.rollback().await?;
                    return Ok(if exists.is_some() { CancelOutcome::AlreadyCancelled } else { CancelOutcome::NotFound });
                }
                sqlx::query(
                    "INSERT INTO registration_events (registration_id, at, kind, validity, reason, comment, actor) \
                     VALUES ($1, $2, 'cancelled', 'cancelled', $3, $4, $5)",
                )
                .bind(id.get())
                .bind(to_micros(at))
                .bind(reason.as_str())
                .bind(comment)
                .bind(by)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM validation_queue WHERE registration_id = $1")
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(CancelOutcome::Cancelled)
            }

            async fn grants(&self, declaration: &DeclarationNumber, viewer: &EnterpriseNumber) -> Result<Vec<AccessGrant>> {
                Ok(grants_on(&self.read, viewer, &[declaration.as_str()]).await?.remove(declaration.as_str()).unwrap_or_default())
            }

            async fn import_enterprises(&self, rows: &[EnterprisePeriod], mode: $crate::ImportMode) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (mut changed, _) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO enterprises (enterprise_number, name, legal_form)",
                        "ON CONFLICT (enterprise_number) DO UPDATE SET name = excluded.name, legal_form = excluded.legal_form \
                         WHERE enterprises.name <> excluded.name OR enterprises.legal_form <> excluded.legal_form",
                    ),
                    3,
                    &$crate::common::last_per_key(rows, |r| r.enterprise_number.as_str()),
                    |q, r| q.bind(r.enterprise_number.as_str()).bind(&r.name).bind(r.legal_form.as_str()),
                )
                .await?;
                let periods = $crate::common::last_per_key(rows, |r| (r.enterprise_number.as_str(), r.active_from));
                changed += upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO enterprise_periods (enterprise_number, active_from, active_to)",
                        "ON CONFLICT (enterprise_number, active_from) DO UPDATE SET active_to = excluded.active_to \
                         WHERE enterprise_periods.active_to IS DISTINCT FROM excluded.active_to",
                    ),
                    3,
                    &periods,
                    |q, r| q.bind(r.enterprise_number.as_str()).bind(date_text(r.active_from)).bind(r.active_to.map(date_text)),
                )
                .await?
                .0;
                // The founders of each period: the file's list replaces the
                // stored one (read for all the file's enterprises at once).
                let numbers = $crate::common::distinct(periods.iter().map(|r| r.enterprise_number.as_str()));
                let mut stored: std::collections::HashMap<(String, String), Vec<String>> = std::collections::HashMap::new();
                let founders: Vec<(String, String, String)> = rows_in(
                    &mut tx,
                    "SELECT enterprise_number, active_from, ssin FROM enterprise_founders WHERE enterprise_number IN ({})",
                    &numbers,
                )
                .await?;
                for (number, from, ssin) in founders {
                    stored.entry((number, from)).or_default().push(ssin);
                }
                for r in &periods {
                    let from = date_text(r.active_from);
                    let have = stored.remove(&(r.enterprise_number.as_str().to_string(), from.clone())).unwrap_or_default();
                    for gone in have.iter().filter(|s| !r.founders.iter().any(|f| f.as_str() == s.as_str())) {
                        changed += sqlx::query(
                            "DELETE FROM enterprise_founders WHERE enterprise_number = $1 AND active_from = $2 AND ssin = $3",
                        )
                        .bind(r.enterprise_number.as_str())
                        .bind(&from)
                        .bind(gone)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    }
                    for new in r.founders.iter().filter(|f| !have.iter().any(|s| s == f.as_str())) {
                        changed += sqlx::query(
                            "INSERT INTO enterprise_founders (enterprise_number, active_from, ssin) VALUES ($1, $2, $3)",
                        )
                        .bind(r.enterprise_number.as_str())
                        .bind(&from)
                        .bind(new.as_str())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    }
                }
                if mode == $crate::ImportMode::Replace {
                    let owned = owners(rows, |r| (r.enterprise_number.as_str(), date_text(r.active_from)));
                    let tables = ["enterprise_founders", "enterprise_periods"];
                    changed += remove_missing(&mut tx, &tables, "enterprise_number", "active_from", owned).await?.0;
                }
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn import_persons(&self, rows: &[PersonRecord]) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (changed, _) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO persons (ssin, last_name, first_name)",
                        "ON CONFLICT (ssin) DO UPDATE SET last_name = excluded.last_name, first_name = excluded.first_name \
                         WHERE persons.last_name <> excluded.last_name OR persons.first_name <> excluded.first_name",
                    ),
                    3,
                    &$crate::common::last_per_key(rows, |r| r.ssin.as_str()),
                    |q, r| q.bind(r.ssin.as_str()).bind(&r.last_name).bind(&r.first_name),
                )
                .await?;
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn import_employments(&self, rows: &[Employment], mode: $crate::ImportMode) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (mut changed, _) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO employments (ssin, employer, date_from, date_to)",
                        "ON CONFLICT (ssin, employer, date_from) DO UPDATE SET date_to = excluded.date_to \
                         WHERE employments.date_to IS DISTINCT FROM excluded.date_to",
                    ),
                    4,
                    &$crate::common::last_per_key(rows, |r| (r.ssin.as_str(), r.employer.as_str(), r.from)),
                    |q, r| q.bind(r.ssin.as_str()).bind(r.employer.as_str()).bind(date_text(r.from)).bind(r.to.map(date_text)),
                )
                .await?;
                if mode == $crate::ImportMode::Replace {
                    let owned = owners(rows, |r| (r.ssin.as_str(), format!("{}|{}", r.employer.as_str(), date_text(r.from))));
                    let key = "employer || '|' || date_from";
                    changed += remove_missing(&mut tx, &["employments"], "ssin", key, owned).await?.0;
                }
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn import_limosa(&self, rows: &[LimosaDeclaration], mode: $crate::ImportMode) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (mut changed, _) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO limosa_declarations (limosa_id, ssin, foreign_employer_vat, belgian_client, date_from, date_to)",
                        "ON CONFLICT (limosa_id) DO UPDATE SET ssin = excluded.ssin, \
                         foreign_employer_vat = excluded.foreign_employer_vat, belgian_client = excluded.belgian_client, \
                         date_from = excluded.date_from, date_to = excluded.date_to \
                         WHERE limosa_declarations.ssin <> excluded.ssin \
                         OR limosa_declarations.foreign_employer_vat <> excluded.foreign_employer_vat \
                         OR limosa_declarations.belgian_client IS DISTINCT FROM excluded.belgian_client \
                         OR limosa_declarations.date_from <> excluded.date_from \
                         OR limosa_declarations.date_to IS DISTINCT FROM excluded.date_to",
                    ),
                    6,
                    &$crate::common::last_per_key(rows, |r| r.limosa_id.as_str()),
                    |q, r| {
                        q.bind(r.limosa_id.as_str())
                            .bind(r.ssin.as_str())
                            .bind(r.foreign_employer_vat.as_str())
                            .bind(r.belgian_client.as_ref().map(|e| e.as_str().to_string()))
                            .bind(date_text(r.from))
                            .bind(r.to.map(date_text))
                    },
                )
                .await?;
                if mode == $crate::ImportMode::Replace {
                    let owned = owners(rows, |r| (r.ssin.as_str(), r.limosa_id.as_str().to_string()));
                    changed += remove_missing(&mut tx, &["limosa_declarations"], "ssin", "limosa_id", owned).await?.0;
                }
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn import_declarations(&self, rows: &[DeclarationImport]) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (changed, touched) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO declarations (number, technical_number, sector, site_name, street, house_number, \
                         post_code, municipality, latitude, longitude, start_date, end_date, amount_excl_vat_cents, \
                         principal, declaring_contractor, subject_to_registration)",
                        "ON CONFLICT (number) DO UPDATE SET sector = excluded.sector, site_name = excluded.site_name, \
                         street = excluded.street, house_number = excluded.house_number, post_code = excluded.post_code, \
                         municipality = excluded.municipality, latitude = excluded.latitude, longitude = excluded.longitude, \
                         start_date = excluded.start_date, end_date = excluded.end_date, \
                         amount_excl_vat_cents = excluded.amount_excl_vat_cents, principal = excluded.principal, \
                         declaring_contractor = excluded.declaring_contractor, \
                         subject_to_registration = excluded.subject_to_registration \
                         WHERE declarations.sector <> excluded.sector OR declarations.site_name <> excluded.site_name \
                         OR declarations.street <> excluded.street OR declarations.house_number <> excluded.house_number \
                         OR declarations.post_code <> excluded.post_code OR declarations.municipality <> excluded.municipality \
                         OR declarations.latitude IS DISTINCT FROM excluded.latitude \
                         OR declarations.longitude IS DISTINCT FROM excluded.longitude \
                         OR declarations.start_date <> excluded.start_date \
                         OR declarations.end_date IS DISTINCT FROM excluded.end_date \
                         OR declarations.amount_excl_vat_cents <> excluded.amount_excl_vat_cents \
                         OR declarations.principal IS DISTINCT FROM excluded.principal \
                         OR declarations.declaring_contractor <> excluded.declaring_contractor \
                         OR declarations.subject_to_registration <> excluded.subject_to_registration \
                         RETURNING number",
                    ),
                    16,
                    &$crate::common::last_per_key(rows, |r| r.declaration.number.as_str()),
                    |q, r| {
                        let d = &r.declaration;
                        q.bind(d.number.as_str())
                    .bind(&r.technical_number)
                    .bind(d.sector.as_str())
                    .bind(&d.site_name)
                    .bind(&d.street)
                    .bind(&d.house_number)
                    .bind(&d.post_code)
                    .bind(&d.municipality)
                    .bind(d.coordinates.map(|c| c.0))
                    .bind(d.coordinates.map(|c| c.1))
                    .bind(date_text(d.start_date))
                    .bind(d.end_date.map(date_text))
                    .bind(d.amount_excl_vat_cents)
                    .bind(d.principal.as_ref().map(|p| p.as_str().to_string()))
                    .bind(d.declaring_contractor.as_str())
                    .bind(d.subject_to_registration)
                    },
                )
                .await?;
                rebuild_grants(&mut tx, &touched).await?;
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn import_subcontractors(&self, rows: &[Subcontractor], mode: $crate::ImportMode) -> Result<ImportSummary> {
                let mut tx = self.write.begin().await?;
                let (mut changed, mut touched) = upsert_rows(
                    &mut tx,
                    (
                        "INSERT INTO subcontractors (declaration, enterprise_number, parent, date_from, date_to)",
                        "ON CONFLICT (declaration, enterprise_number) DO UPDATE SET parent = excluded.parent, \
                         date_from = excluded.date_from, date_to = excluded.date_to \
                         WHERE subcontractors.parent <> excluded.parent OR subcontractors.date_from <> excluded.date_from \
                         OR subcontractors.date_to IS DISTINCT FROM excluded.date_to \
                         RETURNING declaration",
                    ),
                    5,
                    &$crate::common::last_per_key(rows, |r| (r.declaration.as_str(), r.enterprise_number.as_str())),
                    |q, r| {
                        q.bind(r.declaration.as_str())
                            .bind(r.enterprise_number.as_str())
                            .bind(r.parent.as_str())
                            .bind(date_text(r.from))
                            .bind(r.to.map(date_text))
                    },
                )
                .await?;
                // The declarations in the order they were first changed.
                let mut seen = std::collections::HashSet::new();
                touched.retain(|d| seen.insert(d.clone()));
                if mode == $crate::ImportMode::Replace {
                    let owned = owners(rows, |r| (r.declaration.as_str(), r.enterprise_number.as_str().to_string()));
                    let (removed, losers) =
                        remove_missing(&mut tx, &["subcontractors"], "declaration", "enterprise_number", owned).await?;
                    changed += removed;
                    for d in losers {
                        if !touched.contains(&d) {
                            touched.push(d);
                        }
                    }
                }
                rebuild_grants(&mut tx, &touched).await?;
                tx.commit().await?;
                Ok(ImportSummary { rows: rows.len() as u64, changed })
            }

            async fn declaration_by_technical_number(&self, technical_number: &str) -> Result<Option<DeclarationDetails>> {
                let number: Option<String> = sqlx::query_scalar("SELECT number FROM declarations WHERE technical_number = $1")
                    .bind(technical_number)
                    .fetch_optional(&self.read)
                    .await?;
                let Some(number) = number else {
                    return Ok(None);
                };
                let number = DeclarationNumber::parse(&number).map_err(|e| StoreError::Corrupt(e.message))?;
                self.declaration(&number).await
            }

            async fn declaration(&self, number: &DeclarationNumber) -> Result<Option<DeclarationDetails>> {
                let Some(row) = sqlx::query(DECLARATION_SELECT).bind(number.as_str()).fetch_optional(&self.read).await? else {
                    return Ok(None);
                };
                let (declaration, technical_number) = declaration_row(&row)?.into_declaration()?;
                let subcontractors = load_subcontractors(&self.read, number.as_str()).await?;
                Ok(Some(DeclarationDetails { declaration, technical_number, subcontractors }))
            }

            async fn enterprise_exists(&self, enterprise: &EnterpriseNumber) -> Result<bool> {
                let n: Option<String> = sqlx::query_scalar("SELECT enterprise_number FROM enterprises WHERE enterprise_number = $1")
                    .bind(enterprise.as_str())
                    .fetch_optional(&self.read)
                    .await?;
                Ok(n.is_some())
            }

            async fn add_enterprise_user(&self, u: &ciao_domain::channel::EnterpriseUser) -> Result<bool> {
                let n = sqlx::query(
                    "INSERT INTO enterprise_users (enterprise_number, ssin, name, role, appointed_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enterprise_number, ssin, role) DO NOTHING",
                )
                .bind(u.enterprise.as_str())
                .bind(u.ssin.as_str())
                .bind(&u.name)
                .bind(u.role.as_str())
                .bind(&u.appointed_by)
                .bind(to_micros(u.created_at))
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n > 0)
            }

            async fn enterprise_users(&self, enterprise: &EnterpriseNumber) -> Result<Vec<ciao_domain::channel::EnterpriseUser>> {
                let rows = sqlx::query(
                    "SELECT enterprise_number, ssin, name, role, appointed_by, created_at FROM enterprise_users \
                     WHERE enterprise_number = $1 ORDER BY created_at, ssin",
                )
                .bind(enterprise.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(|r| enterprise_user_row(r)).collect()
            }

            async fn create_account(
                &self,
                new: &$crate::NewAccount,
            ) -> Result<std::result::Result<ciao_domain::channel::Account, $crate::CertificateTaken>> {
                let mut tx = self.write.begin().await?;
                for c in &new.certificates {
                    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM rest_certificates WHERE fingerprint = $1")
                        .bind(&c.fingerprint)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if taken.is_some() {
                        tx.rollback().await?;
                        return Ok(Err($crate::CertificateTaken { fingerprint: c.fingerprint.clone() }));
                    }
                }
                let placeholder = format!("pending:{}", new.certificates.first().map_or("", |c| c.fingerprint.as_str()));
                let sender_number: i64 = sqlx::query_scalar(
                    "INSERT INTO rest_accounts (client_id, enterprise_number, name, permissions, state, tokens_valid_after, created_at) \
                     VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING sender_number",
                )
                .bind(&placeholder)
                .bind(new.enterprise.as_str())
                .bind(&new.name)
                .bind(new.permissions.to_csv())
                .bind(to_micros(new.at))
                .fetch_one(&mut *tx)
                .await?;
                let client_id = ciao_domain::channel::client_id(sender_number);
                sqlx::query("UPDATE rest_accounts SET client_id = $1 WHERE sender_number = $2")
                    .bind(&client_id)
                    .bind(sender_number)
                    .execute(&mut *tx)
                    .await?;
                for c in &new.certificates {
                    if let Err(e) = insert_certificate(&mut tx, sender_number, c, new.at).await {
                        if $crate::common::is_unique_violation(&e) {
                            tx.rollback().await?;
                            return Ok(Err($crate::CertificateTaken { fingerprint: c.fingerprint.clone() }));
                        }
                        return Err(e.into());
                    }
                }
                bump_channel_version(&mut tx).await?;
                let account = account_in(&mut *tx, &client_id).await?;
                tx.commit().await?;
                account.map(Ok).ok_or_else(|| StoreError::Corrupt(format!("account {client_id} vanished")))
            }

            async fn accounts(&self) -> Result<Vec<ciao_domain::channel::Account>> {
                let mut conn = self.read.acquire().await?;
                load_accounts(&mut conn, None).await
            }

            async fn account(&self, client_id: &str) -> Result<Option<ciao_domain::channel::Account>> {
                let mut conn = self.read.acquire().await?;
                account_in(&mut conn, client_id).await
            }

            async fn update_account(
                &self,
                client_id: &str,
                change: &$crate::AccountChange,
                at: OffsetDateTime,
            ) -> Result<Option<ciao_domain::channel::Account>> {
                let mut tx = self.write.begin().await?;
                let q = match change {
                    $crate::AccountChange::Enable => {
                        sqlx::query("UPDATE rest_accounts SET state = 'active' WHERE client_id = $1").bind(client_id)
                    }
                    $crate::AccountChange::Disable => sqlx::query(
                        "UPDATE rest_accounts SET state = 'disabled', tokens_valid_after = $2 WHERE client_id = $1",
                    )
                    .bind(client_id)
                    .bind($crate::common::next_second(at)),
                    $crate::AccountChange::Permissions(p) => {
                        sqlx::query("UPDATE rest_accounts SET permissions = $2, tokens_valid_after = $3 WHERE client_id = $1")
                            .bind(client_id)
                            .bind(p.to_csv())
                            .bind($crate::common::next_second(at))
                    }
                };
                if q.execute(&mut *tx).await?.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                bump_channel_version(&mut tx).await?;
                let account = account_in(&mut *tx, client_id).await?;
                tx.commit().await?;
                Ok(account)
            }

            async fn add_certificate(
                &self,
                client_id: &str,
                certificate: &$crate::NewCertificate,
                at: OffsetDateTime,
            ) -> Result<$crate::CertificateOutcome> {
                let mut tx = self.write.begin().await?;
                let Some(sender_number) = sqlx::query_scalar::<_, i64>("SELECT sender_number FROM rest_accounts WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    tx.rollback().await?;
                    return Ok($crate::CertificateOutcome::NoAccount);
                };
                if let Err(e) = insert_certificate(&mut tx, sender_number, certificate, at).await {
                    tx.rollback().await?;
                    if $crate::common::is_unique_violation(&e) {
                        return Ok($crate::CertificateOutcome::Taken);
                    }
                    return Err(e.into());
                }
                bump_channel_version(&mut tx).await?;
                let account = account_in(&mut *tx, client_id).await?;
                tx.commit().await?;
                Ok(account.map_or($crate::CertificateOutcome::NoAccount, $crate::CertificateOutcome::Done))
            }

            async fn revoke_certificate(&self, client_id: &str, name: &str, at: OffsetDateTime) -> Result<$crate::CertificateOutcome> {
                let mut tx = self.write.begin().await?;
                let Some(sender_number) = sqlx::query_scalar::<_, i64>("SELECT sender_number FROM rest_accounts WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    tx.rollback().await?;
                    return Ok($crate::CertificateOutcome::NoAccount);
                };
                let n = sqlx::query(
                    "UPDATE rest_certificates SET revoked_at = $3 WHERE sender_number = $1 \
                     AND (name = $2 OR fingerprint = $2) AND revoked_at IS NULL",
                )
                .bind(sender_number)
                .bind(name)
                .bind(to_micros(at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    tx.rollback().await?;
                    return Ok($crate::CertificateOutcome::NoCertificate);
                }
                sqlx::query("UPDATE rest_accounts SET tokens_valid_after = $2 WHERE sender_number = $1")
                    .bind(sender_number)
                    .bind($crate::common::next_second(at))
                    .execute(&mut *tx)
                    .await?;
                bump_channel_version(&mut tx).await?;
                let account = account_in(&mut *tx, client_id).await?;
                tx.commit().await?;
                Ok(account.map_or($crate::CertificateOutcome::NoAccount, $crate::CertificateOutcome::Done))
            }

            async fn channel_version(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT version FROM channel_version WHERE id = 1").fetch_one(&self.read).await?)
            }

            async fn remember_jti(&self, client_id: &str, jti: &str, expires_at: OffsetDateTime, now: OffsetDateTime) -> Result<bool> {
                let mut tx = self.write.begin().await?;
                sqlx::query("DELETE FROM assertion_jti WHERE expires_at < $1")
                    .bind(to_micros(now))
                    .execute(&mut *tx)
                    .await?;
                let n = sqlx::query(
                    "INSERT INTO assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (client_id, jti) DO NOTHING",
                )
                .bind(client_id)
                .bind(jti)
                .bind(to_micros(expires_at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n > 0)
            }

            async fn secret(&self, name: &str, candidate: &[u8], at: OffsetDateTime) -> Result<Vec<u8>> {
                sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(candidate)
                    .bind(to_micros(at))
                    .execute(&self.write)
                    .await?;
                Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1").bind(name).fetch_one(&self.write).await?)
            }

            async fn find_secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.write)
                    .await?)
            }

            async fn replace_secret(&self, name: &str, value: &[u8], at: OffsetDateTime) -> Result<()> {
                sqlx::query(
                    "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                )
                .bind(name)
                .bind(value)
                .bind(to_micros(at))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn claim_validations(
                &self,
                limit: u32,
                now: OffsetDateTime,
                lease: time::Duration,
            ) -> Result<Vec<$crate::Claim>> {
                let until = to_micros(now + lease);
                // Two statements, so that no plan can rerun the locking
                // subquery per row (a semi-join on stale statistics did):
                // pick and lock the free items, then lease them by key.
                let mut tx = self.write.begin_with($begin_write).await?;
                let sql = AssertSqlSafe(format!(
                    "SELECT registration_id FROM validation_queue WHERE lease_until IS NULL OR lease_until < $1 \
                     ORDER BY registration_id LIMIT $2{}",
                    $skip_locked
                ));
                let picked: Vec<i64> =
                    sqlx::query_scalar(sql).bind(to_micros(now)).bind(i64::from(limit)).fetch_all(&mut *tx).await?;
                let mut ids = Vec::with_capacity(picked.len());
                for chunk in picked.chunks(500) {
                    let sql = AssertSqlSafe(format!(
                        "UPDATE validation_queue SET lease_until = ${} WHERE registration_id IN ({}) RETURNING registration_id",
                        chunk.len() + 1,
                        $crate::common::sole_placeholders($backend, 1, chunk.len())
                    ));
                    let mut q = sqlx::query_scalar::<_, i64>(sql).persistent($persist_dynamic);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    ids.extend(q.bind(until).fetch_all(&mut *tx).await?);
                }
                tx.commit().await?;
                ids.into_iter()
                    .map(|id| {
                        Ok($crate::Claim {
                            id: RegistrationId::new(id).map_err(|e| StoreError::Corrupt(e.message))?,
                            lease: until,
                        })
                    })
                    .collect()
            }

            async fn registrations(&self, ids: &[RegistrationId]) -> Result<Vec<Registration>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = AssertSqlSafe(format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations r WHERE r.id IN ({})",
                    $crate::common::sole_placeholders($backend, 1, ids.len())
                ));
                let mut q = sqlx::query(sql).persistent($persist_dynamic);
                for id in ids {
                    q = q.bind(id.get());
                }
                let rows = q.fetch_all(&self.read).await?;
                rows.iter().map(|row| registration_row(row)?.into_registration()).collect()
            }

            async fn validation_facts(&self, batch: &[$crate::FactsRequest]) -> Result<Vec<$crate::StoredFacts>> {
                use $crate::common::{distinct, sole_placeholders, Neighbour, person_key};
                use ciao_domain::{Employer, Person};
                use std::collections::{HashMap, HashSet};
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                let mut conn = self.read.acquire().await?;
                let regs: Vec<&Registration> = batch.iter().map(|b| &b.registration).collect();
                let employers = distinct(regs.iter().filter_map(|r| r.data.employer.enterprise().map(|e| e.as_str())));
                let ssins = distinct(regs.iter().filter_map(|r| match &r.data.person {
                    Person::Ssin(s) => Some(s.as_str()),
                    Person::Limosa(_) => None,
                }));
                let limosa_ids = distinct(regs.iter().filter_map(|r| match &r.data.person {
                    Person::Limosa(l) => Some(l.as_str()),
                    Person::Ssin(_) => None,
                }));
                let declarations = distinct(regs.iter().map(|r| r.data.declaration.as_str()));

                let mut known: HashMap<String, bool> = HashMap::new();
                for row in in_rows(&mut *conn, "SELECT enterprise_number, legal_form FROM enterprises WHERE enterprise_number IN ({})", &employers).await? {
                    known.insert(row.try_get(0)?, row.try_get::<String, _>(1)? == "natural_person");
                }
                // Founders of the employers, and enterprises the persons founded, with their periods.
                let mut founders: HashMap<String, Vec<ciao_domain::reference::Founder>> = HashMap::new();
                let mut founded: HashMap<String, Vec<ciao_domain::reference::Founder>> = HashMap::new();
                for (column, values, into) in [("enterprise_number", &employers, &mut founders), ("ssin", &ssins, &mut founded)] {
                    let sql = format!(
                        "SELECT f.enterprise_number, f.ssin, p.active_from, p.active_to FROM enterprise_founders f \
                         JOIN enterprise_periods p ON p.enterprise_number = f.enterprise_number AND p.active_from = f.active_from \
                         WHERE f.{column} IN ({{}})"
                    );
                    for row in in_rows(&mut *conn, &sql, values).await? {
                        let enterprise: String = row.try_get(0)?;
                        let ssin: String = row.try_get(1)?;
                        let bad = || StoreError::Corrupt(format!("founder of {enterprise}"));
                        let founder = ciao_domain::reference::Founder {
                            enterprise_number: EnterpriseNumber::parse(&enterprise).map_err(|_| bad())?,
                            ssin: ciao_domain::Ssin::parse(&ssin).map_err(|_| bad())?,
                            from: date_of(&row.try_get::<String, _>(2)?)?,
                            to: opt_date_of(row.try_get::<Option<String>, _>(3)?.as_deref())?,
                        };
                        let key = if column == "ssin" { ssin } else { enterprise };
                        into.entry(key).or_default().push(founder);
                    }
                }
                let mut periods: HashMap<String, Vec<(time::Date, Option<time::Date>)>> = HashMap::new();
                let sql = "SELECT enterprise_number, active_from, active_to FROM enterprise_periods WHERE enterprise_number IN ({})";
                for row in in_rows(&mut *conn, sql, &employers).await? {
                    periods.entry(row.try_get(0)?).or_default().push((
                        date_of(&row.try_get::<String, _>(1)?)?,
                        opt_date_of(row.try_get::<Option<String>, _>(2)?.as_deref())?,
                    ));
                }
                let mut employments: HashMap<(String, String), Vec<ciao_domain::reference::Employment>> = HashMap::new();
                for row in in_rows(&mut *conn, "SELECT ssin, employer, date_from, date_to FROM employments WHERE ssin IN ({})", &ssins).await? {
                    let ssin: String = row.try_get(0)?;
                    let employer: String = row.try_get(1)?;
                    let bad = || StoreError::Corrupt(format!("employment of {employer}"));
                    employments.entry((ssin.clone(), employer.clone())).or_default().push(ciao_domain::reference::Employment {
                        ssin: ciao_domain::Ssin::parse(&ssin).map_err(|_| bad())?,
                        employer: EnterpriseNumber::parse(&employer).map_err(|_| bad())?,
                        from: date_of(&row.try_get::<String, _>(2)?)?,
                        to: opt_date_of(row.try_get::<Option<String>, _>(3)?.as_deref())?,
                    });
                }
                let persons: HashSet<String> = rows_in::<(String,)>(&mut *conn, "SELECT ssin FROM persons WHERE ssin IN ({})", &ssins)
                    .await?
                    .into_iter()
                    .map(|(ssin,)| ssin)
                    .collect();
                // A Limosa declaration's columns, looked up by `column`.
                let limosa_select = |column: &str| {
                    format!(
                        "SELECT limosa_id, ssin, foreign_employer_vat, belgian_client, date_from, date_to \
                         FROM limosa_declarations WHERE {column} IN ({{}})"
                    )
                };
                let mut limosa_by_id: HashMap<String, ciao_domain::reference::LimosaDeclaration> = HashMap::new();
                for row in in_rows(&mut *conn, &limosa_select("limosa_id"), &limosa_ids).await? {
                    let l = limosa_row(&row)?;
                    limosa_by_id.insert(l.limosa_id.as_str().to_string(), l);
                }
                // The batch's persons by SSIN: those sent with one, and those
                // sent with a Limosa id whose declaration names it. Their
                // Limosa declarations give each posted worker's other
                // identifiers (for the sequence, paired across both).
                let person_ssins = distinct(
                    ssins.iter().map(String::as_str).chain(limosa_by_id.values().map(|l| l.ssin.as_str())),
                );
                let mut limosa_by_ssin: HashMap<String, Vec<ciao_domain::reference::LimosaDeclaration>> = HashMap::new();
                for row in in_rows(&mut *conn, &limosa_select("ssin"), &person_ssins).await? {
                    let l = limosa_row(&row)?;
                    limosa_by_ssin.entry(l.ssin.as_str().to_string()).or_default().push(l);
                }
                let limosa_ssin: HashMap<String, String> = limosa_by_ssin
                    .values()
                    .flatten()
                    .chain(limosa_by_id.values())
                    .map(|l| (l.limosa_id.as_str().to_string(), l.ssin.as_str().to_string()))
                    .collect();
                let person_limosa_ids =
                    distinct(limosa_ids.iter().map(String::as_str).chain(limosa_ssin.keys().map(String::as_str)));
                let mut subs = subcontractors_of(&mut *conn, &declarations).await?;
                let mut decls: HashMap<String, ciao_domain::reference::DeclarationDetails> = HashMap::new();
                let sql = DECLARATION_SELECT.replace("number = $1", "number IN ({})");
                for row in in_rows(&mut *conn, &sql, &declarations).await? {
                    let (declaration, technical_number) = declaration_row(&row)?.into_declaration()?;
                    let number = declaration.number.as_str().to_string();
                    let subcontractors = subs.remove(&number).unwrap_or_default();
                    decls.insert(number, ciao_domain::reference::DeclarationDetails { declaration, technical_number, subcontractors });
                }
                // The registrations of the same persons around the batch's days.
                let from = batch.iter().map(|b| b.window_start).min().map(to_micros).unwrap_or(0);
                let to = batch.iter().map(|b| b.window_end).max().map(to_micros).unwrap_or(0);
                let mut neighbours: HashMap<String, Vec<Neighbour>> = HashMap::new();
                for (column, values) in [("ssin", &person_ssins), ("limosa_id", &person_limosa_ids)] {
                    if values.is_empty() {
                        continue;
                    }
                    let sql = AssertSqlSafe(format!(
                        "SELECT id, ssin, limosa_id, kind, declaration, registration_date, employer_enterprise, employer_foreign_vat, \
                         created_at, EXISTS (SELECT 1 FROM registration_remarks m \
                         WHERE m.code = 'DAY_LEFT_OPEN' AND m.registration_id = registrations.id) \
                         FROM registrations WHERE {column} IN ({}) AND registration_date >= ${} AND registration_date < ${} \
                         AND validity <> 'cancelled'",
                        sole_placeholders($backend, 1, values.len()),
                        values.len() + 1,
                        values.len() + 2
                    ));
                    let mut q = sqlx::query(sql).persistent($persist_dynamic);
                    for v in values {
                        q = q.bind(v.as_str());
                    }
                    for row in q.bind(from).bind(to).fetch_all(&mut *conn).await? {
                        let ssin: Option<String> = row.try_get(1)?;
                        let limosa: Option<String> = row.try_get(2)?;
                        let key = match (ssin, limosa) {
                            (Some(s), _) => s,
                            (None, Some(l)) => limosa_ssin.get(&l).cloned().unwrap_or_else(|| format!("L:{l}")),
                            (None, None) => continue,
                        };
                        let employer: Option<String> = row.try_get(6)?;
                        let foreign: Option<String> = row.try_get(7)?;
                        neighbours.entry(key).or_default().push(Neighbour {
                            id: row.try_get(0)?,
                            kind: row.try_get(3)?,
                            declaration: row.try_get(4)?,
                            at: row.try_get(5)?,
                            employer: employer.or(foreign).unwrap_or_default(),
                            created_at: row.try_get(8)?,
                            left_open: row.try_get(9)?,
                        });
                    }
                }
                let mut out = Vec::with_capacity(batch.len());
                for b in batch {
                    let r = &b.registration;
                    let mut f = $crate::StoredFacts::default();
                    if let Employer::Enterprise(e) = &r.data.employer {
                        f.employer_known = known.contains_key(e.as_str());
                        f.employer_natural_person = known.get(e.as_str()).copied().unwrap_or(false);
                        f.founders = founders.get(e.as_str()).cloned().unwrap_or_default();
                        f.employer_periods = periods.get(e.as_str()).cloned().unwrap_or_default();
                        if let Person::Ssin(s) = &r.data.person {
                            f.employments = employments.get(&(s.as_str().to_string(), e.as_str().to_string())).cloned().unwrap_or_default();
                        }
                    }
                    match &r.data.person {
                        Person::Ssin(s) => {
                            f.person_known = persons.contains(s.as_str());
                            f.limosa_of_person = limosa_by_ssin.get(s.as_str()).cloned().unwrap_or_default();
                            if let Some(own) = founded.get(s.as_str()) {
                                let extra: Vec<_> = own.iter().filter(|x| !f.founders.contains(x)).cloned().collect();
                                f.founders.extend(extra);
                            }
                        }
                        Person::Limosa(l) => f.limosa = limosa_by_id.get(l.as_str()).cloned(),
                    }
                    f.declaration = decls.get(r.data.declaration.as_str()).cloned();
                    let around = neighbours.get(&person_key(&r.data.person, &limosa_ssin)).map(Vec::as_slice).unwrap_or(&[]);
                    $crate::common::sequence_facts(&mut f, r, around, to_micros(b.window_start), to_micros(b.window_end))?;
                    out.push(f);
                }
                Ok(out)
            }

            async fn complete_validations(&self, results: &[$crate::ValidationResult], at: OffsetDateTime) -> Result<u64> {
                use std::collections::{BTreeMap, HashSet};
                use $crate::common::sole_placeholders;
                if results.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.write.begin().await?;
                // 1. The claims still held (their lease unchanged), grouped by lease.
                let mut by_lease: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
                for r in results {
                    by_lease.entry(r.claim.lease).or_default().push(r.claim.id.get());
                }
                let mut held: HashSet<i64> = HashSet::new();
                for (lease, ids) in &by_lease {
                    for chunk in ids.chunks(500) {
                        let sql = AssertSqlSafe(format!(
                            "DELETE FROM validation_queue WHERE lease_until = ${} AND registration_id IN ({}) RETURNING registration_id",
                            chunk.len() + 1,
                            sole_placeholders($backend, 1, chunk.len())
                        ));
                        let mut q = sqlx::query_scalar::<_, i64>(sql).persistent($persist_dynamic);
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        held.extend(q.bind(*lease).fetch_all(&mut *tx).await?);
                    }
                }
                // 2. The new state, one statement per distinct (validity, remarks).
                let mut groups: BTreeMap<(&str, String), Vec<i64>> = BTreeMap::new();
                for r in results.iter().filter(|r| held.contains(&r.claim.id.get())) {
                    let remarks = serde_json::to_string(&r.remarks).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    groups.entry((r.validity.as_str(), remarks)).or_default().push(r.claim.id.get());
                }
                let mut updated: HashSet<i64> = HashSet::new();
                for ((validity, remarks), ids) in &groups {
                    for chunk in ids.chunks(500) {
                        let sql = AssertSqlSafe(format!(
                            "UPDATE registrations SET validity = ${}, remarks = ${} WHERE validity <> 'cancelled' AND id IN ({}) RETURNING id",
                            chunk.len() + 1,
                            chunk.len() + 2,
                            sole_placeholders($backend, 1, chunk.len())
                        ));
                        let mut q = sqlx::query_scalar::<_, i64>(sql).persistent($persist_dynamic);
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        updated.extend(q.bind(*validity).bind(remarks.as_str()).fetch_all(&mut *tx).await?);
                    }
                }
                let done: Vec<&$crate::ValidationResult> =
                    results.iter().filter(|r| updated.contains(&r.claim.id.get())).collect();
                // 3. The searchable remarks, and 4. the history events.
                for chunk in done.chunks(200) {
                    let sql = AssertSqlSafe(format!(
                        "DELETE FROM registration_remarks WHERE registration_id IN ({})",
                        sole_placeholders($backend, 1, chunk.len())
                    ));
                    let mut q = sqlx::query(sql).persistent($persist_dynamic);
                    for r in chunk {
                        q = q.bind(r.claim.id.get());
                    }
                    q.execute(&mut *tx).await?;
                    let remarks: Vec<(i64, &str)> = chunk
                        .iter()
                        .flat_map(|r| r.remarks.iter().map(move |m| (r.claim.id.get(), m.code.as_str())))
                        .collect();
                    for part in remarks.chunks(500) {
                        let values: Vec<String> =
                            (0..part.len()).map(|i| format!("({})", sole_placeholders($backend, 2 * i + 1, 2))).collect();
                        let sql = AssertSqlSafe(format!(
                            "INSERT INTO registration_remarks (code, registration_id) VALUES {} ON CONFLICT DO NOTHING",
                            values.join(", ")
                        ));
                        let mut q = sqlx::query(sql).persistent($persist_dynamic);
                        for (id, code) in part {
                            q = q.bind(*code).bind(*id);
                        }
                        q.execute(&mut *tx).await?;
                    }
                    // Each row's id, validity and remarks, then the one instant.
                    let at_param = 3 * chunk.len() + 1;
                    let values: Vec<String> = (0..chunk.len())
                        .map(|i| format!("({}, ${at_param}, 'validated')", sole_placeholders($backend, 3 * i + 1, 3)))
                        .collect();
                    let sql = AssertSqlSafe(format!(
                        "INSERT INTO registration_events (registration_id, validity, remarks, at, kind) VALUES {}",
                        values.join(", ")
                    ));
                    let mut q = sqlx::query(sql).persistent($persist_dynamic);
                    for r in chunk {
                        let remarks = serde_json::to_string(&r.remarks).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        q = q.bind(r.claim.id.get()).bind(r.validity.as_str()).bind(remarks);
                    }
                    q.bind(to_micros(at)).execute(&mut *tx).await?;
                }
                // 5. The registrations the stored results ask to validate again.
                let mut requeue: Vec<i64> = done.iter().flat_map(|r| r.requeue.iter().map(|id| id.get())).collect();
                requeue.sort_unstable();
                requeue.dedup();
                for chunk in requeue.chunks(500) {
                    let sql = AssertSqlSafe(format!(
                        "INSERT INTO validation_queue (registration_id, enqueued_at) \
                         SELECT id, ${} FROM registrations WHERE id IN ({}) AND validity <> 'cancelled' \
                         ON CONFLICT (registration_id) DO UPDATE SET lease_until = NULL WHERE validation_queue.lease_until IS NOT NULL",
                        chunk.len() + 1,
                        sole_placeholders($backend, 1, chunk.len())
                    ));
                    let mut q = sqlx::query(sql).persistent($persist_dynamic);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.bind(to_micros(at)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(done.len() as u64)
            }

            async fn enqueue_validations(
                &self,
                from: OffsetDateTime,
                to: OffsetDateTime,
                declaration: Option<&DeclarationNumber>,
                at: OffsetDateTime,
            ) -> Result<u64> {
                let n = sqlx::query(
                    "INSERT INTO validation_queue (registration_id, enqueued_at) \
                     SELECT id, $1 FROM registrations WHERE registration_date >= $2 AND registration_date < $3 \
                     AND validity <> 'cancelled' AND ($4 IS NULL OR declaration = $4) \
                     ON CONFLICT (registration_id) DO UPDATE SET lease_until = NULL WHERE validation_queue.lease_until IS NOT NULL",
                )
                .bind(to_micros(at))
                .bind(to_micros(from))
                .bind(to_micros(to))
                .bind(declaration.map(|d| d.as_str().to_string()))
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n)
            }

            async fn enqueue_open_days(
                &self,
                from: OffsetDateTime,
                to: OffsetDateTime,
                window: time::Duration,
                at: OffsetDateTime,
            ) -> Result<u64> {
                // The same person as r, under either identifier (a NULL
                // column of r matches nothing).
                let same = $crate::common::same_person("n.", Some("r.ssin"), Some("r.limosa_id"));
                let sql = AssertSqlSafe(format!(
                    "INSERT INTO validation_queue (registration_id, enqueued_at) \
                     SELECT r.id, $1 FROM registrations r WHERE r.kind = 'IN' AND r.registration_date >= $2 \
                     AND r.registration_date < $3 AND r.validity <> 'cancelled' \
                     AND NOT EXISTS (SELECT 1 FROM registration_remarks m WHERE m.code = 'DAY_LEFT_OPEN' AND m.registration_id = r.id) \
                     AND NOT EXISTS (SELECT 1 FROM registrations n WHERE n.validity <> 'cancelled' \
                         AND ({same}) \
                         AND n.declaration = r.declaration \
                         AND n.registration_date >= r.registration_date \
                         AND (n.registration_date > r.registration_date OR (n.registration_date = r.registration_date AND n.id > r.id)) \
                         AND n.registration_date < r.registration_date + $4) \
                     ON CONFLICT (registration_id) DO UPDATE SET lease_until = NULL WHERE validation_queue.lease_until IS NOT NULL",
                ));
                let n = sqlx::query(sql)
                .bind(to_micros(at))
                .bind(to_micros(from))
                .bind(to_micros(to))
                .bind(window.whole_microseconds() as i64)
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n)
            }

            async fn enqueue_person_between(
                &self,
                person: &ciao_domain::Person,
                after: OffsetDateTime,
                before: OffsetDateTime,
                at: OffsetDateTime,
            ) -> Result<u64> {
                // The person under either of their identifiers: an SSIN and
                // the Limosa ids declared for it.
                let (same, value) = match person {
                    ciao_domain::Person::Ssin(s) => ($crate::common::same_person("", Some("$2"), None), s.as_str()),
                    ciao_domain::Person::Limosa(l) => ($crate::common::same_person("", None, Some("$2")), l.as_str()),
                };
                let sql = AssertSqlSafe(format!(
                    "INSERT INTO validation_queue (registration_id, enqueued_at) \
                     SELECT id, $1 FROM registrations WHERE ({}) AND registration_date >= $3 \
                     AND registration_date < $4 AND validity <> 'cancelled' \
                     ON CONFLICT (registration_id) DO UPDATE SET lease_until = NULL WHERE validation_queue.lease_until IS NOT NULL",
                    same
                ));
                Ok(sqlx::query(sql)
                    .bind(to_micros(at))
                    .bind(value)
                    .bind(to_micros(after))
                    .bind(to_micros(before))
                    .execute(&self.write)
                    .await?
                    .rows_affected())
            }

            async fn enqueue_for(&self, key: $crate::RegistrationKey, values: &[String], at: OffsetDateTime) -> Result<u64> {
                // One statement per 500 values (an import of half a million
                // persons made as many statements, one round trip each).
                let mut tx = self.write.begin().await?;
                let mut n = 0;
                for chunk in values.chunks(500) {
                    let sql = AssertSqlSafe(format!(
                        "INSERT INTO validation_queue (registration_id, enqueued_at) \
                         SELECT id, ${} FROM registrations WHERE {} IN ({}) AND validity <> 'cancelled' \
                         ON CONFLICT (registration_id) DO UPDATE SET lease_until = NULL WHERE validation_queue.lease_until IS NOT NULL",
                        chunk.len() + 1,
                        key.column(),
                        $crate::common::sole_placeholders($backend, 1, chunk.len())
                    ));
                    let mut q = sqlx::query(sql).persistent($persist_dynamic);
                    for v in chunk {
                        q = q.bind(v.as_str());
                    }
                    n += q.bind(to_micros(at)).execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(n)
            }

            async fn node_seen(&self, node: &str, started_at: OffsetDateTime, at: OffsetDateTime) -> Result<()> {
                sqlx::query(
                    "INSERT INTO serving_nodes (node, started_at, last_seen_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (node) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                )
                .bind(node)
                .bind(to_micros(started_at))
                .bind(to_micros(at))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn node_gone(&self, node: &str) -> Result<()> {
                sqlx::query("DELETE FROM serving_nodes WHERE node = $1").bind(node).execute(&self.write).await?;
                Ok(())
            }

            async fn live_nodes(&self, since: OffsetDateTime) -> Result<Vec<(String, OffsetDateTime)>> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT node, last_seen_at FROM serving_nodes WHERE last_seen_at >= $1 ORDER BY node")
                        .bind(to_micros(since))
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.into_iter().map(|(n, at)| (n, from_micros(at))).collect())
            }

            async fn limosa_ids_of(&self, ssins: &[String]) -> Result<Vec<String>> {
                texts_in(&self.read, "SELECT limosa_id FROM limosa_declarations WHERE ssin IN ({})", ssins).await
            }

            async fn limosa_persons(&self, limosa_ids: &[String]) -> Result<Vec<(String, String)>> {
                // One query for a page's ids (at most a page of rows).
                let sql = "SELECT limosa_id, ssin FROM limosa_declarations WHERE limosa_id IN ({})";
                rows_in(&mut *self.read.acquire().await?, sql, limosa_ids).await
            }

            async fn founders_of(&self, enterprises: &[String]) -> Result<Vec<String>> {
                texts_in(&self.read, "SELECT DISTINCT ssin FROM enterprise_founders WHERE enterprise_number IN ({})", enterprises).await
            }

            async fn refresh_statistics(&self) -> Result<()> {
                sqlx::query($analyze).execute(&self.write).await?;
                Ok(())
            }

            async fn queue_stats(&self) -> Result<$crate::QueueStats> {
                let row = sqlx::query("SELECT COUNT(*), MIN(enqueued_at) FROM validation_queue")
                    .fetch_one(&self.read)
                    .await?;
                let length: i64 = row.try_get(0)?;
                let oldest: Option<i64> = row.try_get(1)?;
                Ok($crate::QueueStats {
                    length: length.max(0) as u64,
                    oldest: oldest.map(from_micros),
                })
            }

            async fn audit(&self, entry: AuditEntry) -> Result<()> {
                self.audit_writer.write(vec![entry]).await.map(|_| ())
            }

            async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT at, actor, action, subject, detail, enterprise_number FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(&self.read)
                    .await?;
                rows.iter().map(|r| audit_row(r)).collect()
            }

            async fn purge_registrations(&self, before: OffsetDateTime, limit: u32) -> Result<u64> {
                // The same oldest rows in each statement (on the index
                // (registration_date, id); the transaction holds the write
                // lock on SQLite, and nothing registers in the past).
                const OLDEST: &str =
                    "SELECT id FROM registrations WHERE registration_date < $1 ORDER BY registration_date, id LIMIT $2";
                let before = ciao_domain::clock::to_micros(before);
                let mut tx = self.write.begin_with($begin_write).await?;
                for table in ["registration_events", "registration_remarks", "validation_queue"] {
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE registration_id IN ({OLDEST})")))
                        .bind(before)
                        .bind(i64::from(limit))
                        .execute(&mut *tx)
                        .await?;
                }
                let gone = sqlx::query(AssertSqlSafe(format!("DELETE FROM registrations WHERE id IN ({OLDEST})")))
                    .bind(before)
                    .bind(i64::from(limit))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(gone)
            }

            async fn purge_audit(&self, before: OffsetDateTime, limit: u32) -> Result<u64> {
                // One statement: its own transaction.
                Ok(sqlx::query(
                    "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at, id LIMIT $2)",
                )
                .bind(ciao_domain::clock::to_micros(before))
                .bind(i64::from(limit))
                .execute(&self.write)
                .await?
                .rows_affected())
            }

            async fn count_before(&self, before: OffsetDateTime) -> Result<(u64, u64)> {
                let before = ciao_domain::clock::to_micros(before);
                let registrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE registration_date < $1")
                    .bind(before)
                    .fetch_one(&self.read)
                    .await?;
                let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE at < $1")
                    .bind(before)
                    .fetch_one(&self.read)
                    .await?;
                Ok((u64::try_from(registrations).unwrap_or(0), u64::try_from(audit).unwrap_or(0)))
            }

            async fn enterprise_audit_page(
                &self,
                enterprise: &EnterpriseNumber,
                offset: u64,
                limit: u32,
            ) -> Result<(Vec<AuditEntry>, u64)> {
                // Both on the index (enterprise_number, id).
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE enterprise_number = $1")
                    .bind(enterprise.as_str())
                    .fetch_one(&self.read)
                    .await?;
                let rows = sqlx::query(
                    "SELECT at, actor, action, subject, detail, enterprise_number FROM audit_log \
                     WHERE enterprise_number = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
                )
                .bind(enterprise.as_str())
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.read)
                .await?;
                let entries = rows.iter().map(|r| audit_row(r)).collect::<Result<Vec<_>>>()?;
                Ok((entries, u64::try_from(total).unwrap_or(0)))
            }

            async fn add_employer_invitation(
                &self,
                code_hash: &str,
                ssin: &ciao_domain::Ssin,
                invited_by: &str,
                created_at: OffsetDateTime,
                expires_at: OffsetDateTime,
            ) -> Result<()> {
                // A new invitation replaces the person's open ones: only the
                // last code handed over works.
                sqlx::query(
                    "UPDATE employer_invitations SET expires_at = $2 WHERE ssin = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(ssin.as_str())
                .bind(to_micros(created_at))
                .execute(&self.write)
                .await?;
                sqlx::query(
                    "INSERT INTO employer_invitations (code_hash, ssin, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(code_hash)
                .bind(ssin.as_str())
                .bind(invited_by)
                .bind(to_micros(created_at))
                .bind(to_micros(expires_at))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn employer_invitation(&self, code_hash: &str, now: OffsetDateTime) -> Result<Option<ciao_domain::Ssin>> {
                let ssin: Option<String> = sqlx::query_scalar(
                    "SELECT ssin FROM employer_invitations WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(code_hash)
                .bind(to_micros(now))
                .fetch_optional(&self.write)
                .await?;
                ssin.map(|s| ciao_domain::Ssin::parse(&s).map_err(|e| StoreError::Corrupt(e.message))).transpose()
            }

            async fn enrol_employer(
                &self,
                code_hash: &str,
                password_hash: &str,
                totp_secret: &[u8],
                totp_step: i64,
                now: OffsetDateTime,
            ) -> Result<Option<ciao_domain::Ssin>> {
                let mut tx = self.write.begin_with($begin_write).await?;
                let ssin: Option<String> = sqlx::query_scalar(
                    "UPDATE employer_invitations SET used_at = $2 \
                     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ssin",
                )
                .bind(code_hash)
                .bind(to_micros(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(ssin) = ssin else {
                    return Ok(None);
                };
                sqlx::query(
                    "INSERT INTO employer_credentials (ssin, password_hash, totp_secret, totp_last_step, failed_attempts, \
                     locked_until, sessions_valid_after, updated_at) VALUES ($1, $2, $3, $4, 0, NULL, $5, $5) \
                     ON CONFLICT (ssin) DO UPDATE SET password_hash = excluded.password_hash, totp_secret = excluded.totp_secret, \
                     totp_last_step = excluded.totp_last_step, failed_attempts = 0, locked_until = NULL, \
                     sessions_valid_after = excluded.sessions_valid_after, updated_at = excluded.updated_at",
                )
                .bind(&ssin)
                .bind(password_hash)
                .bind(totp_secret)
                .bind(totp_step)
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(ciao_domain::Ssin::parse(&ssin).map_err(|e| StoreError::Corrupt(e.message))?))
            }

            async fn employer_credentials(&self, ssin: &ciao_domain::Ssin) -> Result<Option<$crate::EmployerCredentials>> {
                let row = sqlx::query(
                    "SELECT password_hash, totp_secret, totp_last_step, failed_attempts, locked_until, sessions_valid_after \
                     FROM employer_credentials WHERE ssin = $1",
                )
                .bind(ssin.as_str())
                // Every signed-in page reads this: on the read pool, not on
                // SQLite's one write connection behind the registrations'
                // group commit (what sign-in writes is compare-and-set).
                .fetch_optional(&self.read)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let attempts: i32 = row.try_get(3)?;
                Ok(Some($crate::EmployerCredentials {
                    password_hash: row.try_get(0)?,
                    totp_secret: row.try_get(1)?,
                    totp_last_step: row.try_get(2)?,
                    failed_attempts: i64::from(attempts),
                    locked_until: row.try_get::<Option<i64>, _>(4)?.map(from_micros),
                    sessions_valid_after: from_micros(row.try_get(5)?),
                }))
            }

            async fn employer_sign_in_failed(
                &self,
                ssin: &ciao_domain::Ssin,
                max_attempts: i64,
                lock_until: OffsetDateTime,
            ) -> Result<i64> {
                count_failure(&self.write, "employer_credentials", ssin, max_attempts, lock_until).await
            }

            async fn employer_signed_in(&self, ssin: &ciao_domain::Ssin, totp_step: i64) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE employer_credentials SET failed_attempts = 0, locked_until = NULL, totp_last_step = $2 \
                     WHERE ssin = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(ssin.as_str())
                .bind(totp_step)
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            async fn employer_signed_in_with_passkey(
                &self,
                ssin: &ciao_domain::Ssin,
                credential_id: &str,
                sign_count: i64,
                at: OffsetDateTime,
            ) -> Result<bool> {
                let mut tx = self.write.begin_with($begin_write).await?;
                // The counter only goes up (two sign-ins at once cannot lower
                // it, nor can an answer without counter, 0, reset it); a
                // passkey without counter keeps 0.
                let n = sqlx::query(
                    "UPDATE employer_passkeys SET sign_count = CASE WHEN $3 > sign_count THEN $3 ELSE sign_count END, \
                     last_used_at = $4 \
                     WHERE credential_id = $1 AND ssin = $2 AND (sign_count < $3 OR $3 = 0)",
                )
                .bind(credential_id)
                .bind(ssin.as_str())
                .bind(sign_count)
                .bind(to_micros(at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Ok(false);
                }
                sqlx::query("UPDATE employer_credentials SET failed_attempts = 0, locked_until = NULL WHERE ssin = $1")
                    .bind(ssin.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn add_employer_passkey(&self, record: &$crate::PasskeyRecord, at: OffsetDateTime) -> Result<bool> {
                let n = sqlx::query(
                    "INSERT INTO employer_passkeys (credential_id, ssin, public_key, sign_count, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING",
                )
                .bind(&record.credential_id)
                .bind(record.ssin.as_str())
                .bind(&record.public_key)
                .bind(record.sign_count)
                .bind(to_micros(at))
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            async fn employer_passkey(&self, credential_id: &str) -> Result<Option<$crate::PasskeyRecord>> {
                let row = sqlx::query(
                    "SELECT credential_id, ssin, public_key, sign_count FROM employer_passkeys WHERE credential_id = $1",
                )
                .bind(credential_id)
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| {
                    let ssin: String = r.try_get(1)?;
                    Ok($crate::PasskeyRecord {
                        credential_id: r.try_get(0)?,
                        ssin: ciao_domain::Ssin::parse(&ssin)
                            .map_err(|e| StoreError::Corrupt(e.message))?,
                        public_key: r.try_get(2)?,
                        sign_count: r.try_get(3)?,
                    })
                })
                .transpose()
            }

            async fn employer_totp_secrets(&self) -> Result<Vec<(ciao_domain::Ssin, Vec<u8>)>> {
                let rows = sqlx::query("SELECT ssin, totp_secret FROM employer_credentials ORDER BY ssin")
                    .fetch_all(&self.write)
                    .await?;
                rows.iter()
                    .map(|r| {
                        let ssin: String = r.try_get(0)?;
                        let ssin = ciao_domain::Ssin::parse(&ssin).map_err(|e| StoreError::Corrupt(e.message))?;
                        Ok((ssin, r.try_get(1)?))
                    })
                    .collect()
            }

            async fn set_employer_totp_secret(
                &self,
                ssin: &ciao_domain::Ssin,
                old: Option<&[u8]>,
                stored: &[u8],
            ) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE employer_credentials SET totp_secret = $2 WHERE ssin = $1 AND ($3 IS NULL OR totp_secret = $3)",
                )
                .bind(ssin.as_str())
                .bind(stored)
                .bind(old)
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            async fn forget_employer_sign_in(&self, ssin: &ciao_domain::Ssin) -> Result<()> {
                let mut tx = self.write.begin_with($begin_write).await?;
                for table in ["employer_passkeys", "employer_credentials"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE ssin = $1")))
                        .bind(ssin.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn add_web_session(&self, kind: &str, ssin: &ciao_domain::Ssin, session: &$crate::WebSession) -> Result<()> {
                let mut tx = self.write.begin_with($begin_write).await?;
                // Sessions expired by now, anyone's (indexed by expiry): the
                // table holds the live ones and the recently ended.
                sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
                    .bind(to_micros(session.issued_at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO web_sessions (kind, ssin, issued_at, provider, device, last_seen_at, expires_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, ssin, issued_at) DO NOTHING",
                )
                .bind(kind)
                .bind(ssin.as_str())
                .bind(to_micros(session.issued_at))
                .bind(&session.provider)
                .bind(&session.device)
                .bind(to_micros(session.last_seen_at))
                .bind(to_micros(session.expires_at))
                .bind(session.revoked_at.map(to_micros))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn web_session(
                &self,
                kind: &str,
                ssin: &ciao_domain::Ssin,
                issued_at: OffsetDateTime,
            ) -> Result<Option<$crate::WebSession>> {
                let row = sqlx::query(
                    "SELECT issued_at, provider, device, last_seen_at, expires_at, revoked_at FROM web_sessions \
                     WHERE kind = $1 AND ssin = $2 AND issued_at = $3",
                )
                .bind(kind)
                .bind(ssin.as_str())
                .bind(to_micros(issued_at))
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| web_session_row(&r)).transpose()
            }

            async fn session_state(
                &self,
                kind: &str,
                ssin: &ciao_domain::Ssin,
                issued_at: OffsetDateTime,
            ) -> Result<Option<(OffsetDateTime, Option<$crate::WebSession>)>> {
                let credentials = match kind {
                    "worker" => "worker_credentials",
                    "employer" => "employer_credentials",
                    other => return Err(StoreError::Corrupt(format!("no web sessions of kind {other:?}"))),
                };
                let sql = AssertSqlSafe(format!(
                    "SELECT c.sessions_valid_after, s.issued_at, s.provider, s.device, s.last_seen_at, s.expires_at, \
                     s.revoked_at FROM {credentials} c LEFT JOIN web_sessions s \
                     ON s.kind = $1 AND s.ssin = c.ssin AND s.issued_at = $3 WHERE c.ssin = $2"
                ));
                let row = sqlx::query(sql)
                    .bind(kind)
                    .bind(ssin.as_str())
                    .bind(to_micros(issued_at))
                    .fetch_optional(&self.read)
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let valid_after = from_micros(row.try_get(0)?);
                let session = match row.try_get::<Option<i64>, _>(1)? {
                    Some(_) => Some(web_session_at(&row, 1)?),
                    None => None,
                };
                Ok(Some((valid_after, session)))
            }

            async fn touch_web_session(
                &self,
                kind: &str,
                ssin: &ciao_domain::Ssin,
                issued_at: OffsetDateTime,
                device: Option<&str>,
                at: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE web_sessions SET last_seen_at = $4, device = COALESCE($5, device) \
                     WHERE kind = $1 AND ssin = $2 AND issued_at = $3",
                )
                .bind(kind)
                .bind(ssin.as_str())
                .bind(to_micros(issued_at))
                .bind(to_micros(at))
                .bind(device)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn web_sessions(
                &self,
                kind: &str,
                ssin: &ciao_domain::Ssin,
                now: OffsetDateTime,
            ) -> Result<Vec<$crate::WebSession>> {
                let rows = sqlx::query(
                    "SELECT issued_at, provider, device, last_seen_at, expires_at, revoked_at FROM web_sessions \
                     WHERE kind = $1 AND ssin = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY issued_at DESC",
                )
                .bind(kind)
                .bind(ssin.as_str())
                .bind(to_micros(now))
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(web_session_row).collect()
            }

            async fn revoke_web_sessions(
                &self,
                kind: &str,
                ssin: &ciao_domain::Ssin,
                issued_at: Option<OffsetDateTime>,
                keep: Option<OffsetDateTime>,
                at: OffsetDateTime,
            ) -> Result<u64> {
                let n = sqlx::query(
                    "UPDATE web_sessions SET revoked_at = $5 WHERE kind = $1 AND ssin = $2 AND revoked_at IS NULL \
                     AND ($3 IS NULL OR issued_at = $3) AND ($4 IS NULL OR issued_at <> $4)",
                )
                .bind(kind)
                .bind(ssin.as_str())
                .bind(issued_at.map(to_micros))
                .bind(keep.map(to_micros))
                .bind(to_micros(at))
                .execute(&self.write)
                .await?
                .rows_affected();
                Ok(n)
            }

            async fn employer_passkeys(&self, ssin: &ciao_domain::Ssin) -> Result<Vec<$crate::EmployerPasskey>> {
                let rows = sqlx::query(
                    "SELECT credential_id, created_at, last_used_at FROM employer_passkeys WHERE ssin = $1 \
                     ORDER BY created_at, credential_id",
                )
                .bind(ssin.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::EmployerPasskey {
                            credential_id: r.try_get(0)?,
                            created_at: from_micros(r.try_get(1)?),
                            last_used_at: r.try_get::<Option<i64>, _>(2)?.map(from_micros),
                        })
                    })
                    .collect()
            }

            async fn remove_employer_passkey(&self, ssin: &ciao_domain::Ssin, credential_id: &str) -> Result<bool> {
                let n = sqlx::query("DELETE FROM employer_passkeys WHERE ssin = $1 AND credential_id = $2")
                    .bind(ssin.as_str())
                    .bind(credential_id)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                Ok(n == 1)
            }

            async fn person_roles(&self, ssin: &ciao_domain::Ssin) -> Result<Vec<ciao_domain::channel::EnterpriseUser>> {
                let rows = sqlx::query(
                    "SELECT enterprise_number, ssin, name, role, appointed_by, created_at FROM enterprise_users \
                     WHERE ssin = $1 ORDER BY enterprise_number, role",
                )
                .bind(ssin.as_str())
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(|r| enterprise_user_row(r)).collect()
            }

            async fn remove_enterprise_user(
                &self,
                enterprise: &EnterpriseNumber,
                ssin: &ciao_domain::Ssin,
                role: ciao_domain::channel::Role,
            ) -> Result<bool> {
                let n = sqlx::query("DELETE FROM enterprise_users WHERE enterprise_number = $1 AND ssin = $2 AND role = $3")
                    .bind(enterprise.as_str())
                    .bind(ssin.as_str())
                    .bind(role.as_str())
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                Ok(n > 0)
            }

            async fn add_activation_code(
                &self,
                code_hash: &str,
                ssin: &ciao_domain::Ssin,
                created_at: OffsetDateTime,
                expires_at: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query("INSERT INTO worker_activation_codes (code_hash, ssin, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(code_hash)
                    .bind(ssin.as_str())
                    .bind(to_micros(created_at))
                    .bind(to_micros(expires_at))
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn activation_code(&self, code_hash: &str, now: OffsetDateTime) -> Result<Option<ciao_domain::Ssin>> {
                let ssin: Option<String> = sqlx::query_scalar(
                    "SELECT ssin FROM worker_activation_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(code_hash)
                .bind(to_micros(now))
                .fetch_optional(&self.write)
                .await?;
                ssin.map(|s| ciao_domain::Ssin::parse(&s).map_err(|e| StoreError::Corrupt(e.message))).transpose()
            }

            async fn enrol_worker(
                &self,
                code_hash: &str,
                enrolment: &$crate::Enrolment,
                now: OffsetDateTime,
            ) -> Result<Option<ciao_domain::Ssin>> {
                let mut tx = self.write.begin_with($begin_write).await?;
                let ssin: Option<String> = sqlx::query_scalar(
                    "UPDATE worker_activation_codes SET used_at = $2 \
                     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ssin",
                )
                .bind(code_hash)
                .bind(to_micros(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(ssin) = ssin else {
                    return Ok(None);
                };
                sqlx::query("DELETE FROM worker_passkeys WHERE ssin = $1").bind(&ssin).execute(&mut *tx).await?;
                let pin_hash = match enrolment {
                    $crate::Enrolment::Pin { pin_hash } => Some(pin_hash.as_str()),
                    $crate::Enrolment::Passkey(_) => None,
                };
                sqlx::query(
                    "INSERT INTO worker_credentials (ssin, pin_hash, failed_attempts, locked_until, sessions_valid_after, updated_at) \
                     VALUES ($1, $2, 0, NULL, $3, $3) \
                     ON CONFLICT (ssin) DO UPDATE SET pin_hash = excluded.pin_hash, failed_attempts = 0, locked_until = NULL, \
                     sessions_valid_after = excluded.sessions_valid_after, updated_at = excluded.updated_at",
                )
                .bind(&ssin)
                .bind(pin_hash)
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await?;
                if let $crate::Enrolment::Passkey(p) = enrolment {
                    sqlx::query(
                        "INSERT INTO worker_passkeys (credential_id, ssin, public_key, sign_count, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&p.credential_id)
                    .bind(&ssin)
                    .bind(&p.public_key)
                    .bind(p.sign_count)
                    .bind(to_micros(now))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some(ciao_domain::Ssin::parse(&ssin).map_err(|e| StoreError::Corrupt(e.message))?))
            }

            async fn worker_credentials(&self, ssin: &ciao_domain::Ssin) -> Result<Option<$crate::WorkerCredentials>> {
                let row = sqlx::query(
                    "SELECT c.pin_hash, c.failed_attempts, c.locked_until, c.sessions_valid_after, \
                     (SELECT COUNT(*) FROM worker_passkeys k WHERE k.ssin = c.ssin) \
                     FROM worker_credentials c WHERE c.ssin = $1",
                )
                .bind(ssin.as_str())
                // Every signed-in page reads this: on the read pool (see
                // `employer_credentials`).
                .fetch_optional(&self.read)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let attempts: i32 = row.try_get(1)?;
                Ok(Some($crate::WorkerCredentials {
                    pin_hash: row.try_get(0)?,
                    failed_attempts: i64::from(attempts),
                    locked_until: row.try_get::<Option<i64>, _>(2)?.map(from_micros),
                    sessions_valid_after: from_micros(row.try_get(3)?),
                    passkeys: row.try_get(4)?,
                }))
            }

            async fn pin_failed(&self, ssin: &ciao_domain::Ssin, max_attempts: i64, lock_until: OffsetDateTime) -> Result<i64> {
                count_failure(&self.write, "worker_credentials", ssin, max_attempts, lock_until).await
            }

            async fn pin_succeeded(&self, ssin: &ciao_domain::Ssin) -> Result<()> {
                sqlx::query("UPDATE worker_credentials SET failed_attempts = 0, locked_until = NULL WHERE ssin = $1 AND failed_attempts > 0")
                    .bind(ssin.as_str())
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn pin_miss_locked_until(&self, key: &str, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
                // The read pool sees every committed lock (as
                // `worker_credentials`, read there too).
                let until: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT locked_until FROM pin_misses WHERE key = $1 AND locked_until > $2")
                        .bind(key)
                        .bind(to_micros(now))
                        .fetch_optional(&self.read)
                        .await?;
                Ok(until.flatten().map(from_micros))
            }

            async fn pin_missed(
                &self,
                key: &str,
                max_attempts: i64,
                lock_until: OffsetDateTime,
                now: OffsetDateTime,
                forget_before: OffsetDateTime,
            ) -> Result<i64> {
                let mut tx = self.write.begin_with($begin_write).await?;
                sqlx::query("DELETE FROM pin_misses WHERE last_at < $1 AND key <> $2")
                    .bind(to_micros(forget_before))
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                let attempts: i32 = sqlx::query_scalar(
                    "INSERT INTO pin_misses (key, failed_attempts, locked_until, last_at) VALUES ($1, 1, NULL, $2) \
                     ON CONFLICT (key) DO UPDATE SET failed_attempts = pin_misses.failed_attempts + 1, \
                     last_at = excluded.last_at RETURNING failed_attempts",
                )
                .bind(key)
                .bind(to_micros(now))
                .fetch_one(&mut *tx)
                .await?;
                let attempts = i64::from(attempts);
                if attempts >= max_attempts {
                    sqlx::query("UPDATE pin_misses SET failed_attempts = 0, locked_until = $2 WHERE key = $1")
                        .bind(key)
                        .bind(to_micros(lock_until))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(attempts)
            }

            async fn passkey(&self, credential_id: &str) -> Result<Option<$crate::PasskeyRecord>> {
                let row = sqlx::query("SELECT credential_id, ssin, public_key, sign_count FROM worker_passkeys WHERE credential_id = $1")
                    .bind(credential_id)
                    .fetch_optional(&self.read)
                    .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let ssin: String = row.try_get(1)?;
                Ok(Some($crate::PasskeyRecord {
                    credential_id: row.try_get(0)?,
                    ssin: ciao_domain::Ssin::parse(&ssin).map_err(|e| StoreError::Corrupt(e.message))?,
                    public_key: row.try_get(2)?,
                    sign_count: row.try_get(3)?,
                }))
            }

            async fn passkey_used(&self, credential_id: &str, sign_count: i64, at: OffsetDateTime) -> Result<()> {
                // The counter never goes down (an answer without counter, 0,
                // would otherwise switch off the detection of copies).
                sqlx::query(
                    "UPDATE worker_passkeys SET sign_count = CASE WHEN $2 > sign_count THEN $2 ELSE sign_count END, \
                     last_used_at = $3 WHERE credential_id = $1",
                )
                    .bind(credential_id)
                    .bind(sign_count)
                    .bind(to_micros(at))
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn person_name(&self, ssin: &ciao_domain::Ssin) -> Result<Option<(String, String)>> {
                Ok(sqlx::query_as("SELECT last_name, first_name FROM persons WHERE ssin = $1")
                    .bind(ssin.as_str())
                    .fetch_optional(&self.read)
                    .await?)
            }

            async fn person_enterprises(&self, ssin: &ciao_domain::Ssin, day: time::Date) -> Result<Vec<$crate::PersonEnterprise>> {
                let rows: Vec<(String, Option<String>, i32)> = sqlx::query_as(
                    "SELECT e.employer, n.name, 0 FROM employments e \
                     LEFT JOIN enterprises n ON n.enterprise_number = e.employer \
                     WHERE e.ssin = $1 AND e.date_from <= $2 AND (e.date_to IS NULL OR e.date_to >= $2) \
                     UNION \
                     SELECT f.enterprise_number, n.name, 1 FROM enterprise_founders f \
                     JOIN enterprise_periods p ON p.enterprise_number = f.enterprise_number AND p.active_from = f.active_from \
                     LEFT JOIN enterprises n ON n.enterprise_number = f.enterprise_number \
                     WHERE f.ssin = $1 AND p.active_from <= $2 AND (p.active_to IS NULL OR p.active_to >= $2) \
                     ORDER BY 1, 3",
                )
                .bind(ssin.as_str())
                .bind(date_text(day))
                .fetch_all(&self.read)
                .await?;
                let mut out: Vec<$crate::PersonEnterprise> = Vec::new();
                for (number, name, founder) in rows {
                    let enterprise = EnterpriseNumber::parse(&number).map_err(|e| StoreError::Corrupt(e.message))?;
                    match out.iter_mut().find(|p| p.enterprise == enterprise) {
                        Some(p) => p.founder |= founder == 1,
                        None => out.push($crate::PersonEnterprise { enterprise, name: name.unwrap_or_default(), founder: founder == 1 }),
                    }
                }
                Ok(out)
            }

            async fn employer_choice(
                &self,
                ssin: &ciao_domain::Ssin,
                declaration: &DeclarationNumber,
            ) -> Result<Option<EnterpriseNumber>> {
                let e: Option<String> = sqlx::query_scalar("SELECT employer FROM worker_employer_choices WHERE ssin = $1 AND declaration = $2")
                    .bind(ssin.as_str())
                    .bind(declaration.as_str())
                    .fetch_optional(&self.read)
                    .await?;
                e.map(|e| EnterpriseNumber::parse(&e).map_err(|e| StoreError::Corrupt(e.message))).transpose()
            }

            async fn set_employer_choice(
                &self,
                ssin: &ciao_domain::Ssin,
                declaration: &DeclarationNumber,
                employer: &EnterpriseNumber,
                at: OffsetDateTime,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO worker_employer_choices (ssin, declaration, employer, chosen_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (ssin, declaration) DO UPDATE SET employer = excluded.employer, chosen_at = excluded.chosen_at",
                )
                .bind(ssin.as_str())
                .bind(declaration.as_str())
                .bind(employer.as_str())
                .bind(to_micros(at))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn declarations_of(&self, enterprise: &EnterpriseNumber, limit: u32) -> Result<Vec<DeclarationDetails>> {
                let rows = sqlx::query(
                    "SELECT number, technical_number, sector, site_name, street, house_number, post_code, municipality, \
                     latitude, longitude, start_date, end_date, amount_excl_vat_cents, principal, declaring_contractor, \
                     subject_to_registration FROM declarations WHERE number IN (\
                     SELECT number FROM declarations WHERE declaring_contractor = $1 \
                     UNION SELECT number FROM declarations WHERE principal = $1 \
                     UNION SELECT declaration FROM subcontractors WHERE enterprise_number = $1) \
                     ORDER BY start_date DESC, number LIMIT $2",
                )
                .bind(enterprise.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let (declaration, technical_number) = declaration_row(row)?.into_declaration()?;
                    out.push(DeclarationDetails { declaration, technical_number, subcontractors: Vec::new() });
                }
                // The chains of the declarations found.
                let numbers: Vec<String> = out.iter().map(|d| d.declaration.number.as_str().to_string()).collect();
                let mut chains = subcontractors_of(&mut *self.read.acquire().await?, &numbers).await?;
                for d in &mut out {
                    d.subcontractors = chains.remove(d.declaration.number.as_str()).unwrap_or_default();
                }
                Ok(out)
            }

            async fn enterprise_names(&self, enterprises: &[EnterpriseNumber]) -> Result<Vec<(EnterpriseNumber, String)>> {
                let numbers: Vec<String> = enterprises.iter().map(|e| e.as_str().to_string()).collect();
                let sql = "SELECT enterprise_number, name FROM enterprises WHERE enterprise_number IN ({})";
                let names: Vec<(String, String)> = rows_in(&mut *self.read.acquire().await?, sql, &numbers).await?;
                names
                    .into_iter()
                    .map(|(number, name)| {
                        let e = EnterpriseNumber::parse(&number).map_err(|_| StoreError::Corrupt("enterprise number".into()))?;
                        Ok((e, name))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_store;

#[cfg(test)]
mod tests {
    use super::*;
    use ciao_domain::EnterpriseNumber;
    use ciao_domain::access::GrantRole;

    /// The rule [`sole_placeholders`] relies on: sqlx gives SQLite's plain
    /// `?` the arguments 1, 2, … in the order written, and `$N` the argument
    /// N, wherever it stands; PostgreSQL's lists are `$N` throughout.
    #[tokio::test]
    async fn lists_first_then_numbered_parameters_bind_alike_on_both_backends() {
        use sqlx::Connection;
        assert_eq!(sole_placeholders("postgres", 3, 2), "$3, $4");
        assert_eq!(sole_placeholders("sqlite", 3, 2), "?, ?");
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let list = sole_placeholders("sqlite", 1, 3);
        // The numbered parameter written first and between the lists' rows.
        let (a, b, c, d, e): (i64, i64, i64, i64, i64) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT $4 + 0, {list}, $4 + 1")))
                .bind(10)
                .bind(20)
                .bind(30)
                .bind(40)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!((a, b, c, d, e), (40, 10, 20, 30, 41));
    }

    fn enterprise(n: &str) -> EnterpriseNumber {
        EnterpriseNumber::parse(n).expect("valid enterprise number")
    }

    fn viewer() -> EnterpriseNumber {
        enterprise("0100000169")
    }

    /// Grants of the viewer for these employers (`*`: every employer).
    fn grants(employers: &[&str]) -> Vec<AccessGrant> {
        employers
            .iter()
            .map(|e| AccessGrant {
                viewer: viewer(),
                employer: (*e != "*").then(|| enterprise(e)),
                role: GrantRole::Contractor,
            })
            .collect()
    }

    #[test]
    fn the_grants_on_the_one_declaration_searched_become_a_list_of_employers() {
        let scope = Scope::Enterprise(viewer());
        assert_eq!(
            RowScope::of(&scope, Some(grants(&["0100000070", "0100000169"]))),
            RowScope::Employers(vec!["0100000070".into(), "0100000169".into()]),
            "the viewer's own rows are included once"
        );
        assert_eq!(RowScope::of(&scope, Some(Vec::new())), RowScope::Employers(vec!["0100000169".into()]));
        assert_eq!(RowScope::of(&scope, Some(grants(&["*", "0100000070"]))), RowScope::All);
        assert_eq!(RowScope::of(&scope, None), RowScope::Enterprise("0100000169".into()));
        assert_eq!(RowScope::of(&Scope::All, Some(Vec::new())), RowScope::All);
    }

    #[test]
    fn a_person_s_rows_are_counted_by_the_groups_the_viewer_may_see() {
        let v = "0100000169";
        let groups: Vec<RowGroup> = vec![
            ("D1".into(), Some(v.into()), 3),             // its own workers
            ("D1".into(), Some("0100000070".into()), 5),  // granted for that employer
            ("D1".into(), Some("0100000268".into()), 7),  // not granted
            ("D2".into(), Some("0100000268".into()), 11), // granted for every employer
            ("D2".into(), None, 13),                      // foreign employer, through *
            ("D3".into(), None, 17),                      // foreign employer, no *
            ("D4".into(), Some("0100000070".into()), 19), // a grant on another declaration only
        ];
        let on = HashMap::from([("D1".to_string(), grants(&["0100000070"])), ("D2".to_string(), grants(&["*"]))]);
        let visible = visible_groups(&viewer(), groups, &on).expect("valid groups");
        assert_eq!(visible.iter().map(|g| g.2).collect::<Vec<_>>(), [3, 5, 11, 13]);
        assert_eq!(
            visible_groups(&viewer(), vec![("D1".into(), Some("0100000070".into()), 1)], &HashMap::new())
                .expect("valid groups"),
            []
        );
    }

    #[test]
    fn the_access_plan_follows_the_criteria() {
        let t = time::OffsetDateTime::UNIX_EPOCH;
        let viewer = viewer();
        let enterprise = Scope::Enterprise(viewer.clone());
        let declaration = DeclarationNumber::parse("1Y1003SQ5VSSZ").expect("valid declaration number");
        let period = SearchCriteria::for_period(t, t);
        let person = SearchCriteria { ssin: Some(Ssin::parse("85073003328").expect("valid SSIN")), ..period.clone() };
        let both = SearchCriteria { declaration: Some(declaration.clone()), ..person.clone() };
        let capped = SearchCriteria { count_limit: Some(1000), ..person.clone() };

        assert_eq!(AccessPlan::of(&both, &Scope::All), AccessPlan::All);
        assert_eq!(
            AccessPlan::of(&both, &enterprise),
            AccessPlan::Declaration { viewer: &viewer, declaration: &declaration },
            "a declaration and a person: the declaration's grants"
        );
        assert_eq!(AccessPlan::of(&person, &enterprise), AccessPlan::Person { viewer: &viewer });
        assert_eq!(AccessPlan::of(&capped, &enterprise), AccessPlan::PerRow, "a capped total is counted per row");
        assert_eq!(AccessPlan::of(&period, &enterprise), AccessPlan::PerRow);
        let reads_first: Vec<bool> = [&both, &person, &capped, &period]
            .iter()
            .map(|c| AccessPlan::of(c, &enterprise).reads_grants_first())
            .collect();
        assert_eq!(reads_first, [true, true, false, false]);
        assert!(!AccessPlan::All.reads_grants_first());
    }

    #[test]
    fn a_list_of_employers_is_one_parameter_each() {
        let t = time::OffsetDateTime::UNIX_EPOCH;
        let criteria = SearchCriteria::for_period(t, t);
        let (sql, params) =
            search_filter(&criteria, &RowScope::Employers(vec!["0100000070".into(), "0100000169".into()]));
        assert!(sql.ends_with(" AND r.employer_enterprise IN ($3, $4)"), "{sql}");
        assert_eq!(params[2..], [Param::Text("0100000070".into()), Param::Text("0100000169".into())]);
        let (sql, _) = search_filter(&criteria, &RowScope::All);
        assert!(!sql.contains("employer_enterprise"), "{sql}");
    }
}
