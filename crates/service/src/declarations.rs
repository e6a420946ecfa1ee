//! Declarations of works through the employers' online service: an
//! enterprise declares a workplace (it is then the declaring contractor),
//! builds its subcontractor chain, ends subcontracts and closes the
//! declaration; every enterprise sees the declarations it is the declaring
//! contractor, the principal or a subcontractor of.
//!
//! The rules are those of the CSV import (`crate::import`): the same field
//! rules, the same chain rule ([`check_chain`]), and the same store methods
//! (`import_declarations`, `import_subcontractors`), so that the access
//! grants are rebuilt the same way and the registrations of a changed
//! declaration are validated again. Users with any role read; access managers
//! and technical administrators change, and every change is in the
//! enterprise's audit log.

use std::collections::HashSet;

use ciao_domain::access::check_chain;
use ciao_domain::channel::{may_consult, may_manage_channels};
use ciao_domain::reference::{Declaration, DeclarationDetails, Principal, Sector, Subcontractor};
use ciao_domain::search::parse_date;
use ciao_domain::{DeclarationNumber, EnterpriseNumber, FieldError};
use ciao_store::{DeclarationImport, RegistrationKey};
use time::Date;

use crate::employer::EmployerUser;
use crate::{Result, Service, ServiceError};

/// How many declarations the list of an enterprise shows at most.
pub const DECLARATIONS_LIMIT: u32 = 1000;
/// How many fresh numbers are tried before giving up (a collision among
/// 34^13 numbers is already unlikely once).
const NUMBER_ATTEMPTS: usize = 8;

/// What an enterprise is in a declaration (it can be several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclarationRole {
    Declarer,
    Principal,
    Subcontractor,
}

impl DeclarationRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declarer => "declarer",
            Self::Principal => "principal",
            Self::Subcontractor => "subcontractor",
        }
    }
}

/// A declaration as one enterprise sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseDeclaration {
    pub declaration: Declaration,
    /// The chain as far as the enterprise may see it: all of it for the
    /// declaring contractor and the principal; for a subcontractor, the
    /// contractors above it and its own sub-chain.
    pub subcontractors: Vec<Subcontractor>,
    /// The technical number of the registration URL and QR code: only for
    /// the enterprises of the chain (declaring contractor, subcontractors).
    pub technical_number: Option<String>,
    pub roles: Vec<DeclarationRole>,
}

impl EnterpriseDeclaration {
    pub fn has(&self, role: DeclarationRole) -> bool {
        self.roles.contains(&role)
    }

    /// The enterprise is the declaring contractor or a subcontractor.
    pub fn in_chain(&self) -> bool {
        self.has(DeclarationRole::Declarer) || self.has(DeclarationRole::Subcontractor)
    }

    /// The subcontractors (of the visible chain) below `e`, at any depth.
    pub fn below(&self, e: &EnterpriseNumber) -> Vec<&Subcontractor> {
        descendants(&self.subcontractors, e)
    }
}

/// The fields of a new declaration, as typed (checked by
/// [`Service::create_declaration`]); the names are those of the CSV columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclarationInput {
    pub site_name: String,
    pub street: String,
    pub house_number: String,
    pub post_code: String,
    pub municipality: String,
    pub latitude: String,
    pub longitude: String,
    pub sector: String,
    pub start_date: String,
    pub end_date: String,
    pub amount_excl_vat: String,
    pub principal: String,
    /// A checkbox as the form sends it: `true` (its value) or `on` (a
    /// browser's default) when ticked, empty when not; anything else is
    /// refused, never guessed (see [`ticked`]).
    pub subject_to_registration: String,
}

/// What a checkbox sent: `Some(true)` for its value (`true`, or `on`, what a
/// browser sends for a box without a value), `Some(false)` when it sent
/// nothing, `None` for anything else.
pub fn ticked(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "on" => Some(true),
        "" => Some(false),
        _ => None,
    }
}

/// A subcontractor to add, as typed. An empty parent is the acting enterprise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubcontractorInput {
    pub enterprise_number: String,
    pub parent: String,
    pub from: String,
    pub to: String,
}

fn field(field: &str, code: &str, description: impl Into<String>) -> FieldError {
    FieldError::new(field, code, description)
}

fn text(errors: &mut Vec<FieldError>, name: &str, value: &str, required: bool, max: usize) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::required(name));
    } else if v.chars().count() > max {
        errors.push(FieldError::too_long(name, max));
    } else if let Some(fault) = ciao_domain::text::text_fault(name, v, false) {
        // The register's rule for every free text: no control, direction
        // control, invisible character or noncharacter.
        errors.push(fault);
    }
    v.to_string()
}

fn date(errors: &mut Vec<FieldError>, name: &str, value: &str) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::required(name));
        return None;
    }
    let d = parse_date(v);
    if d.is_none() {
        errors.push(field(name, "date.format", format!("{name} is a date YYYY-MM-DD")));
    }
    d
}

/// An optional end date, never before `start` (when that is known).
fn end_date(errors: &mut Vec<FieldError>, name: &str, value: &str, start: Option<Date>) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let Some(d) = parse_date(v) else {
        errors.push(field(name, "date.format", format!("{name} is a date YYYY-MM-DD, or empty for open-ended")));
        return None;
    };
    if let Some(s) = start
        && d < s
    {
        errors.push(field(name, "period.order", format!("{name} ({d}) is before the start of the period ({s})")));
    }
    Some(d)
}

/// A decimal number as a form sends it, with a decimal point or a decimal
/// comma (`50.8466`, `50,8466`); `None` when it is not a finite number.
pub(crate) fn decimal(value: &str) -> Option<f64> {
    value.trim().replacen(',', ".", 1).parse::<f64>().ok().filter(|x| x.is_finite())
}

fn coordinate(errors: &mut Vec<FieldError>, name: &str, value: &str, limit: f64) -> Option<f64> {
    if value.trim().is_empty() {
        return None;
    }
    match decimal(value) {
        Some(x) if (-limit..=limit).contains(&x) => Some(x),
        Some(_) => {
            errors.push(field(name, "coordinates.range", format!("{name} is a number from -{limit} to {limit}")));
            None
        }
        None => {
            errors.push(field(
                name,
                "coordinates.number",
                format!("{name} is not a number: give decimal degrees, such as 50.8466 (a decimal comma is fine)"),
            ));
            None
        }
    }
}

/// An amount in euro with at most two decimals, in cents; never negative.
/// Written as people write it: `525000`, `525000.50`, `525000,5`, with a
/// euro sign or not, and with thousands grouped by spaces, dots or commas as
/// the pages show amounts (`525 000,50`, `1.000,50`, `1,000.50`,
/// `1.000.000`, `€ 1,000.50`). A single dot or comma followed by three
/// digits (`1.234`) is refused as ambiguous: a thousand, or one euro and a
/// fraction?
fn amount(errors: &mut Vec<FieldError>, name: &str, value: &str) -> i64 {
    let v = value.trim().trim_start_matches('€').trim_end_matches('€').trim();
    // Any run of spaces (no-break and narrow no-break ones too) is one space.
    let v: String = v.split(char::is_whitespace).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        errors.push(FieldError::required(name));
        return 0;
    }
    if v.starts_with('-') {
        errors.push(field(name, "amount.negative", format!("{name} is at least 0")));
        return 0;
    }
    match parse_amount(&v) {
        Ok(cents) => cents,
        Err(AmountError::Ambiguous) => {
            errors.push(field(
                name,
                "amount.ambiguous",
                format!(
                    "{name} {v} can be read two ways: write it without a thousands separator (1234) or with two \
                     decimals (1234.00)"
                ),
            ));
            0
        }
        Err(AmountError::Format) => {
            errors.push(field(
                name,
                "amount.format",
                format!(
                    "{name} is an amount in euro with at most two decimals, such as 525000, 525000.50 or 525 000,50"
                ),
            ));
            0
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum AmountError {
    /// `1.234`: a thousands separator or a decimal one.
    Ambiguous,
    Format,
}

/// The cents of an amount whose spaces are single (see [`amount`]).
fn parse_amount(v: &str) -> std::result::Result<i64, AmountError> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // The decimal separator: the last dot or comma, when the other kind
    // comes before it, or when it is the only one and has one or two digits
    // after it. Spaces only group.
    let (dots, commas) = (v.matches('.').count(), v.matches(',').count());
    let (units, cents) = match v.rfind(['.', ',']) {
        Some(at) if dots > 0 && commas > 0 => {
            let tail = &v[at + 1..];
            if v[..at].contains(&v[at..=at]) || !(1..=2).contains(&tail.len()) {
                return Err(AmountError::Format);
            }
            (&v[..at], tail)
        }
        Some(at) if dots + commas == 1 => match v[at + 1..].len() {
            1 | 2 => (&v[..at], &v[at + 1..]),
            3 if !v.contains(' ') && digits(&v[..at]) && digits(&v[at + 1..]) => return Err(AmountError::Ambiguous),
            3 => (v, ""),
            _ => return Err(AmountError::Format),
        },
        _ => (v, ""),
    };
    // What is left of the separator: digits, or groups of three after a
    // first group of one to three, all with one separator.
    let kinds = ['.', ',', ' '].iter().filter(|k| units.contains(**k)).count();
    let groups: Vec<&str> = units.split(['.', ',', ' ']).collect();
    let grouped_well = groups.len() == 1
        || (kinds == 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_well || !groups.iter().all(|g| digits(g)) || !(cents.is_empty() || digits(cents)) {
        return Err(AmountError::Format);
    }
    let units: String = groups.concat();
    if units.len() > 13 {
        return Err(AmountError::Format);
    }
    let u: i64 = units.parse().map_err(|_| AmountError::Format)?;
    let c: i64 = if cents.is_empty() { 0 } else { format!("{cents:0<2}").parse().map_err(|_| AmountError::Format)? };
    Ok(u * 100 + c)
}

/// The enterprises above `e` in the chain, nearest first (a cycle stops the walk).
fn ancestors<'a>(subs: &'a [Subcontractor], e: &'a EnterpriseNumber) -> Vec<&'a EnterpriseNumber> {
    let mut out = Vec::new();
    let mut seen = HashSet::from([e]);
    let mut current = e;
    while let Some(s) = subs.iter().find(|s| &s.enterprise_number == current) {
        if !seen.insert(&s.parent) {
            break;
        }
        out.push(&s.parent);
        current = &s.parent;
    }
    out
}

/// The subcontractors below `e` (at any depth).
fn descendants<'a>(subs: &'a [Subcontractor], e: &EnterpriseNumber) -> Vec<&'a Subcontractor> {
    let mut out: Vec<&Subcontractor> = Vec::new();
    let mut frontier = vec![e.clone()];
    while let Some(p) = frontier.pop() {
        for s in subs.iter().filter(|s| s.parent == p) {
            if !out.iter().any(|o| o.enterprise_number == s.enterprise_number) && s.enterprise_number != *e {
                out.push(s);
                frontier.push(s.enterprise_number.clone());
            }
        }
    }
    out
}

fn roles_of(d: &DeclarationDetails, enterprise: &EnterpriseNumber) -> Vec<DeclarationRole> {
    let decl = &d.declaration;
    let mut roles = Vec::new();
    if &decl.declaring_contractor == enterprise {
        roles.push(DeclarationRole::Declarer);
    }
    if decl.principal.as_ref().and_then(Principal::enterprise) == Some(enterprise) {
        roles.push(DeclarationRole::Principal);
    }
    if d.subcontractors.iter().any(|s| &s.enterprise_number == enterprise) {
        roles.push(DeclarationRole::Subcontractor);
    }
    roles
}

/// The declaration as `enterprise` may see it; None when it has no role in it.
/// The enterprise has a role in the declaration (declaring contractor,
/// principal or subcontractor).
pub(crate) fn in_chain_of(d: &DeclarationDetails, enterprise: &EnterpriseNumber) -> bool {
    !roles_of(d, enterprise).is_empty()
}

fn view(d: DeclarationDetails, enterprise: &EnterpriseNumber) -> Option<EnterpriseDeclaration> {
    let roles = roles_of(&d, enterprise);
    if roles.is_empty() {
        return None;
    }
    let whole = roles.iter().any(|r| matches!(r, DeclarationRole::Declarer | DeclarationRole::Principal));
    let subcontractors = if whole {
        d.subcontractors
    } else {
        let above: Vec<EnterpriseNumber> = ancestors(&d.subcontractors, enterprise).into_iter().cloned().collect();
        let below: Vec<EnterpriseNumber> =
            descendants(&d.subcontractors, enterprise).into_iter().map(|s| s.enterprise_number.clone()).collect();
        d.subcontractors
            .into_iter()
            .filter(|s| {
                &s.enterprise_number == enterprise
                    || above.contains(&s.enterprise_number)
                    || below.contains(&s.enterprise_number)
            })
            .collect()
    };
    let in_chain = roles.iter().any(|r| matches!(r, DeclarationRole::Declarer | DeclarationRole::Subcontractor));
    Some(EnterpriseDeclaration {
        declaration: d.declaration,
        subcontractors,
        technical_number: in_chain.then_some(d.technical_number),
        roles,
    })
}

/// A fresh declaration number: 13 random characters of the alphabet
/// (rejection sampling, so that every character is equally likely).
fn random_declaration_number() -> Result<DeclarationNumber> {
    let alphabet = DeclarationNumber::ALPHABET.as_bytes();
    let bound = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(13);
    while out.len() < 13 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
        for b in bytes {
            if usize::from(b) < bound && out.len() < 13 {
                out.push(alphabet[usize::from(b) % alphabet.len()] as char);
            }
        }
    }
    DeclarationNumber::parse(&out).map_err(|e| ServiceError::Internal(format!("generated number {out}: {}", e.message)))
}

impl Service {
    fn ensure_reader(&self, user: &EmployerUser, enterprise: &EnterpriseNumber) -> Result<()> {
        if may_consult(&user.roles, enterprise, &user.ssin) {
            Ok(())
        } else {
            Err(ServiceError::forbidden("denied.noRole", format!("you have no role in enterprise {enterprise}")))
        }
    }

    fn ensure_declaration_manager(&self, user: &EmployerUser, enterprise: &EnterpriseNumber) -> Result<()> {
        if may_manage_channels(&user.roles, enterprise, &user.ssin) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "denied.declarationManagers",
                format!(
                    "only an access manager or a technical administrator of {enterprise} changes its declarations of works"
                ),
            ))
        }
    }

    /// The declarations where the enterprise is the declaring contractor,
    /// the principal or a subcontractor, the latest start first.
    pub async fn declarations_of(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
    ) -> Result<Vec<EnterpriseDeclaration>> {
        self.ensure_reader(user, enterprise)?;
        let found = self.store.declarations_of(enterprise, DECLARATIONS_LIMIT).await?;
        Ok(found.into_iter().filter_map(|d| view(d, enterprise)).collect())
    }

    /// One declaration, if the enterprise has a role in it; otherwise not
    /// found, as if it did not exist.
    pub async fn declaration_of(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: &DeclarationNumber,
    ) -> Result<EnterpriseDeclaration> {
        self.ensure_reader(user, enterprise)?;
        self.store.declaration(number).await?.and_then(|d| view(d, enterprise)).ok_or_else(|| {
            ServiceError::not_found(
                "denied.declarationUnknown",
                format!("there is no declaration of works {number} of {enterprise}"),
            )
        })
    }

    /// The names of enterprises as the registry knows them.
    pub async fn enterprise_names(&self, enterprises: &[EnterpriseNumber]) -> Result<Vec<(EnterpriseNumber, String)>> {
        Ok(self.store.enterprise_names(enterprises).await?)
    }

    async fn unknown_enterprise(&self, name: &str, e: &EnterpriseNumber) -> Result<Option<FieldError>> {
        Ok((!self.store.enterprise_exists(e).await?).then(|| {
            field(
                name,
                "enterprise.unknown",
                format!("{name}: enterprise {} is not in the register of enterprises (KBO/BCE)", e.formatted()),
            )
        }))
    }

    /// Declares a workplace: the enterprise is its declaring contractor. A
    /// fresh declaration number and technical number are generated; every
    /// field error is reported at once and nothing is stored then.
    pub async fn create_declaration(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        input: &DeclarationInput,
    ) -> Result<DeclarationDetails> {
        self.ensure_declaration_manager(user, enterprise)?;
        let mut errors = Vec::new();
        let site_name = text(&mut errors, "site_name", &input.site_name, true, 200);
        let street = text(&mut errors, "street", &input.street, false, 200);
        let house_number = text(&mut errors, "house_number", &input.house_number, false, 16);
        let post_code = text(&mut errors, "post_code", &input.post_code, true, 16);
        let belgian =
            post_code.len() == 4 && post_code.bytes().all(|b| b.is_ascii_digit()) && !post_code.starts_with('0');
        if !post_code.is_empty() && !belgian {
            errors.push(field(
                "post_code",
                "postCode.format",
                "post_code is a Belgian post code: 4 digits, 1000 to 9999",
            ));
        }
        let municipality = text(&mut errors, "municipality", &input.municipality, true, 100);
        let latitude = coordinate(&mut errors, "latitude", &input.latitude, 90.0);
        let longitude = coordinate(&mut errors, "longitude", &input.longitude, 180.0);
        let coordinates = match (latitude, longitude) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => {
                let (lat, lon) = (input.latitude.trim(), input.longitude.trim());
                if lat.is_empty() != lon.is_empty() {
                    let missing = if lat.is_empty() { "latitude" } else { "longitude" };
                    errors.push(field(missing, "coordinates.pair", "give both latitude and longitude, or neither"));
                }
                None
            }
        };
        let sector = Sector::parse(input.sector.trim());
        if sector.is_none() {
            errors.push(field("sector", "sector.value", "sector is cleaning, construction or meat"));
        }
        let start_date = date(&mut errors, "start_date", &input.start_date);
        let end = end_date(&mut errors, "end_date", &input.end_date, start_date);
        let amount_excl_vat_cents = amount(&mut errors, "amount_excl_vat", &input.amount_excl_vat);
        let principal = match input.principal.trim() {
            "" => None,
            p => match Principal::parse(p) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(FieldError::new("principal", e.code, format!("principal: {}", e.message)));
                    None
                }
            },
        };
        if let Some(e) = Principal::fault(principal.as_ref(), enterprise) {
            errors.push(e);
        } else if let Some(Principal::Enterprise(p)) = &principal
            && let Some(e) = self.unknown_enterprise("principal", p).await?
        {
            errors.push(e);
        }
        let subject_to_registration = ticked(&input.subject_to_registration);
        if subject_to_registration.is_none() {
            errors.push(field(
                "subject_to_registration",
                "checkbox.value",
                "subject_to_registration is a checkbox: ticked it sends true, not ticked nothing",
            ));
        }
        let (Some(sector), Some(start_date), Some(subject_to_registration), true) =
            (sector, start_date, subject_to_registration, errors.is_empty())
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let mut number = random_declaration_number()?;
        let mut attempts = 1;
        while self.store.declaration(&number).await?.is_some() {
            if attempts >= NUMBER_ATTEMPTS {
                return Err(ServiceError::conflict(
                    "denied.numberExhausted",
                    "no free declaration number was found; try again",
                ));
            }
            number = random_declaration_number()?;
            attempts += 1;
        }
        let technical_number = crate::import::technical_number().map_err(|e| ServiceError::Internal(e.to_string()))?;
        let declaration = Declaration {
            number: number.clone(),
            sector,
            site_name,
            street,
            house_number,
            post_code,
            municipality,
            coordinates,
            start_date,
            end_date: end,
            amount_excl_vat_cents,
            principal,
            declaring_contractor: enterprise.clone(),
            subject_to_registration,
        };
        self.store.import_declarations(&[DeclarationImport { declaration, technical_number }]).await?;
        // Registrations that named this number before it existed.
        self.store.enqueue_for(RegistrationKey::Declaration, &[number.as_str().to_string()], self.now()).await?;
        let details = self
            .store
            .declaration(&number)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("declaration {number} vanished after its creation")))?;
        let d = &details.declaration;
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "declaration.create",
            Some(number.as_str().to_string()),
            serde_json::json!({
                "site": d.site_name,
                "sector": d.sector.as_str(),
                "postCode": d.post_code,
                "startDate": d.start_date.to_string(),
                "endDate": d.end_date.map(|x| x.to_string()),
                "principal": d.principal.as_ref().map(|p| match p {
                    Principal::Enterprise(e) => e.as_str().to_string(),
                    Principal::Person(s) => s.masked(),
                }),
            }),
        )
        .await?;
        Ok(details)
    }

    /// The declaration with its whole chain, for a change by `enterprise`
    /// (a manager of it); not found when the enterprise has no role in it.
    async fn declaration_to_change(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: &DeclarationNumber,
    ) -> Result<DeclarationDetails> {
        self.ensure_declaration_manager(user, enterprise)?;
        let not_found = || {
            ServiceError::not_found(
                "denied.declarationUnknown",
                format!("there is no declaration of works {number} of {enterprise}"),
            )
        };
        let d = self.store.declaration(number).await?.ok_or_else(not_found)?;
        if roles_of(&d, enterprise).is_empty() {
            return Err(not_found());
        }
        Ok(d)
    }

    /// The contract period a subcontractor below `parent` must stay in: the
    /// declaration's for the declaring contractor, else the parent's subcontract.
    fn parent_period(d: &DeclarationDetails, parent: &EnterpriseNumber) -> (Date, Option<Date>) {
        let decl = &d.declaration;
        match d.subcontractors.iter().find(|s| &s.enterprise_number == parent) {
            Some(p) if parent != &decl.declaring_contractor => (p.from, p.to),
            _ => (decl.start_date, decl.end_date),
        }
    }

    /// Adds a subcontractor to the chain. The declaring contractor adds
    /// below anyone of the chain; a subcontractor adds below itself only.
    pub async fn add_subcontractor(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: &DeclarationNumber,
        input: &SubcontractorInput,
    ) -> Result<Subcontractor> {
        let d = self.declaration_to_change(user, enterprise, number).await?;
        let declarer = d.declaration.declaring_contractor.clone();
        let is_declarer = &declarer == enterprise;
        if !is_declarer && !d.subcontractors.iter().any(|s| &s.enterprise_number == enterprise) {
            return Err(ServiceError::forbidden(
                "denied.chainAdds",
                format!("only the declaring contractor or a subcontractor of declaration {number} adds subcontractors"),
            ));
        }
        let mut errors = Vec::new();
        let sub = match input.enterprise_number.trim() {
            "" => {
                errors.push(FieldError::required("enterprise_number"));
                None
            }
            v => match EnterpriseNumber::parse(v) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.push(FieldError::new(
                        "enterprise_number",
                        e.code,
                        format!("enterprise_number: {}", e.message),
                    ));
                    None
                }
            },
        };
        let parent = match input.parent.trim() {
            "" => Some(enterprise.clone()),
            v => match EnterpriseNumber::parse(v) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.push(FieldError::new("parent", e.code, format!("parent: {}", e.message)));
                    None
                }
            },
        };
        if let Some(p) = &parent {
            if !is_declarer && p != enterprise {
                errors.push(field(
                    "parent",
                    "chain.ownBranch",
                    format!(
                        "a subcontractor adds subcontractors below itself only: parent is {}",
                        enterprise.formatted()
                    ),
                ));
            } else if p != &declarer && !d.subcontractors.iter().any(|s| &s.enterprise_number == p) {
                errors.push(field(
                    "parent",
                    "chain.parent",
                    format!(
                        "parent {} is neither the declaring contractor nor a subcontractor of declaration {number}",
                        p.formatted()
                    ),
                ));
            }
        }
        if let Some(s) = &sub {
            if s == &declarer {
                errors.push(field(
                    "enterprise_number",
                    "chain.self",
                    "the declaring contractor cannot be its own subcontractor",
                ));
            } else if d.subcontractors.iter().any(|x| &x.enterprise_number == s) {
                errors.push(field(
                    "enterprise_number",
                    "chain.duplicate",
                    format!("enterprise_number: {} is already in the chain of declaration {number}", s.formatted()),
                ));
            } else if let Some(e) = self.unknown_enterprise("enterprise_number", s).await? {
                errors.push(e);
            }
        }
        let from = date(&mut errors, "from", &input.from);
        let mut to = end_date(&mut errors, "to", &input.to, from);
        if let Some(p) = &parent {
            let (lower, upper) = Self::parent_period(&d, p);
            if let Some(f) = from {
                if f < lower {
                    errors.push(field(
                        "from",
                        "period.parent",
                        format!("from ({f}) is before the start of the parent's contract ({lower})"),
                    ));
                }
                if let Some(u) = upper.filter(|u| f > *u) {
                    errors.push(field(
                        "from",
                        "period.parent",
                        format!("from ({f}) is after the end of the parent's contract ({u})"),
                    ));
                }
            }
            match (to, upper) {
                (Some(t), Some(u)) if t > u => errors.push(field(
                    "to",
                    "period.parent",
                    format!("to ({t}) is after the end of the parent's contract ({u})"),
                )),
                // Open-ended below a contract that ends: it ends with it.
                (None, Some(u)) => to = Some(u),
                _ => {}
            }
        }
        let (Some(sub), Some(parent), Some(from), true) = (sub, parent, from, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let new = Subcontractor { declaration: number.clone(), enterprise_number: sub, parent, from, to };
        let mut chain: Vec<&Subcontractor> = d.subcontractors.iter().collect();
        chain.push(&new);
        if let Err((_, why)) = check_chain(&declarer, &chain) {
            return Err(ServiceError::Invalid(vec![field("parent", "chain.rule", why)]));
        }
        self.store.import_subcontractors(std::slice::from_ref(&new), ciao_store::ImportMode::Merge).await?;
        self.store.enqueue_for(RegistrationKey::Declaration, &[number.as_str().to_string()], self.now()).await?;
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "declaration.subcontractor.add",
            Some(number.as_str().to_string()),
            serde_json::json!({
                "enterprise": new.enterprise_number.as_str(),
                "parent": new.parent.as_str(),
                "from": new.from.to_string(),
                "to": new.to.map(|t| t.to_string()),
            }),
        )
        .await?;
        Ok(new)
    }

    /// Ends the subcontract of `enterprise_number` on `end_date`, and the
    /// subcontracts below it that would outlast it. The declaring contractor
    /// ends any subcontract; a subcontractor those below it.
    pub async fn end_subcontractor(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: &DeclarationNumber,
        enterprise_number: &str,
        end_date: &str,
    ) -> Result<Vec<Subcontractor>> {
        let d = self.declaration_to_change(user, enterprise, number).await?;
        let mut errors = Vec::new();
        let sub = match EnterpriseNumber::parse(enterprise_number) {
            Ok(e) => d.subcontractors.iter().find(|s| s.enterprise_number == e).cloned().or_else(|| {
                errors.push(field(
                    "enterprise_number",
                    "chain.notSubcontractor",
                    format!("enterprise_number: {} is not a subcontractor of declaration {number}", e.formatted()),
                ));
                None
            }),
            Err(e) => {
                errors.push(FieldError::new("enterprise_number", e.code, format!("enterprise_number: {}", e.message)));
                None
            }
        };
        if let Some(s) = &sub {
            let is_declarer = &d.declaration.declaring_contractor == enterprise;
            if !is_declarer && !ancestors(&d.subcontractors, &s.enterprise_number).contains(&enterprise) {
                return Err(ServiceError::forbidden(
                    "denied.chainEnds",
                    format!(
                        "only the declaring contractor or a contractor above {} ends its subcontract",
                        s.enterprise_number.formatted()
                    ),
                ));
            }
        }
        let end = date(&mut errors, "end_date", end_date);
        let (Some(sub), Some(end), true) = (sub, end, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if end < sub.from {
            return Err(ServiceError::Invalid(vec![field(
                "end_date",
                "period.order",
                format!("end_date ({end}) is before the start of the subcontract ({})", sub.from),
            )]));
        }
        let (_, upper) = Self::parent_period(&d, &sub.parent);
        if let Some(u) = upper.filter(|u| end > *u) {
            return Err(ServiceError::Invalid(vec![field(
                "end_date",
                "period.parent",
                format!("end_date ({end}) is after the end of the parent's contract ({u})"),
            )]));
        }
        let mut changed = vec![Subcontractor { to: Some(end), ..sub.clone() }];
        changed.extend(self.clamp(&descendants(&d.subcontractors, &sub.enterprise_number), end, "end_date")?);
        self.store.import_subcontractors(&changed, ciao_store::ImportMode::Merge).await?;
        self.store.enqueue_for(RegistrationKey::Declaration, &[number.as_str().to_string()], self.now()).await?;
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "declaration.subcontractor.end",
            Some(number.as_str().to_string()),
            serde_json::json!({
                "enterprise": sub.enterprise_number.as_str(),
                "endDate": end.to_string(),
                "alsoEnded": changed[1..].iter().map(|s| s.enterprise_number.as_str()).collect::<Vec<_>>(),
            }),
        )
        .await?;
        Ok(changed)
    }

    /// The subcontracts among `subs` that would outlast `end`, ended on it;
    /// refused when one of them starts after it.
    fn clamp(&self, subs: &[&Subcontractor], end: Date, name: &str) -> Result<Vec<Subcontractor>> {
        let mut out = Vec::new();
        for s in subs {
            if s.to.is_some_and(|t| t <= end) {
                continue;
            }
            if s.from > end {
                return Err(ServiceError::Invalid(vec![field(
                    name,
                    "period.below",
                    format!(
                        "{name} ({end}) is before the start ({}) of the subcontract of {} below: end that one first",
                        s.from,
                        s.enterprise_number.formatted()
                    ),
                )]));
            }
            out.push(Subcontractor { to: Some(end), ..(*s).clone() });
        }
        Ok(out)
    }

    /// Closes the declaration on `end_date` (its declaring contractor only);
    /// the subcontracts that would outlast it end on the same day. Closing
    /// cannot be undone from the pages and ends subcontracts: it must be
    /// confirmed (`confirm`, a ticked checkbox, as [`ticked`] reads it).
    pub async fn close_declaration(
        &self,
        user: &EmployerUser,
        enterprise: &EnterpriseNumber,
        number: &DeclarationNumber,
        end_date: &str,
        confirm: &str,
    ) -> Result<DeclarationDetails> {
        let d = self.declaration_to_change(user, enterprise, number).await?;
        if &d.declaration.declaring_contractor != enterprise {
            return Err(ServiceError::forbidden(
                "denied.declaringCloses",
                format!("only the declaring contractor closes declaration {number}"),
            ));
        }
        let mut errors = Vec::new();
        let end = date(&mut errors, "end_date", end_date);
        if let Some(end) = end
            && end < d.declaration.start_date
        {
            errors.push(field(
                "end_date",
                "period.order",
                format!("end_date ({end}) is before the start of the declaration ({})", d.declaration.start_date),
            ));
        }
        // Every refusal at once: a wrong date and the missing confirmation.
        if ticked(confirm) != Some(true) {
            errors.push(field(
                "confirm",
                "confirm.required",
                "tick the box to confirm the closing (it ends the subcontracts that run longer)".to_string(),
            ));
        }
        let (Some(end), true) = (end, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let subs: Vec<&Subcontractor> = d.subcontractors.iter().collect();
        let ended = self.clamp(&subs, end, "end_date")?;
        // The subcontracts first: should the second step fail, a retry completes it.
        if !ended.is_empty() {
            self.store.import_subcontractors(&ended, ciao_store::ImportMode::Merge).await?;
        }
        let declaration = Declaration { end_date: Some(end), ..d.declaration.clone() };
        self.store
            .import_declarations(&[DeclarationImport { declaration, technical_number: d.technical_number.clone() }])
            .await?;
        self.store.enqueue_for(RegistrationKey::Declaration, &[number.as_str().to_string()], self.now()).await?;
        self.audit_in(
            &user.caller(),
            Some(enterprise.as_str().to_string()),
            "declaration.close",
            Some(number.as_str().to_string()),
            serde_json::json!({
                "endDate": end.to_string(),
                "previousEndDate": d.declaration.end_date.map(|x| x.to_string()),
                "subcontractsEnded": ended.iter().map(|s| s.enterprise_number.as_str()).collect::<Vec<_>>(),
            }),
        )
        .await?;
        self.store
            .declaration(number)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("declaration {number} vanished after its closing")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(base: u64) -> EnterpriseNumber {
        EnterpriseNumber::parse(&format!("{base:08}{:02}", 97 - base % 97)).unwrap()
    }

    fn sub(e: &EnterpriseNumber, parent: &EnterpriseNumber) -> Subcontractor {
        Subcontractor {
            declaration: DeclarationNumber::parse("1Y1003SQ5VSSZ").unwrap(),
            enterprise_number: e.clone(),
            parent: parent.clone(),
            from: parse_date("2026-01-01").unwrap(),
            to: None,
        }
    }

    #[test]
    fn numbers_are_valid_and_differ() {
        let a = random_declaration_number().unwrap();
        let b = random_declaration_number().unwrap();
        assert_eq!(a.as_str().len(), 13);
        assert!(DeclarationNumber::parse(a.as_str()).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn amounts() {
        let mut e = Vec::new();
        assert_eq!(amount(&mut e, "a", "525 000,5"), 52_500_050);
        assert_eq!(amount(&mut e, "a", "0"), 0);
        assert!(e.is_empty());
        amount(&mut e, "a", "-1");
        amount(&mut e, "a", "1.234");
        amount(&mut e, "a", "");
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["amount.negative", "amount.ambiguous", "required"]);
    }

    /// Amounts as the pages show them (NL/DE `1.000,50`, FR `1 000,50`,
    /// EN `1,000.50`) are read back; what is ambiguous or malformed is not.
    #[test]
    fn amounts_with_thousands_grouped() {
        for (text, cents) in [
            ("1.000,50", 100_050),
            ("1,000.50", 100_050),
            ("1\u{202f}000,50", 100_050),
            ("1\u{a0}000,50", 100_050),
            ("1.000.000", 100_000_000),
            ("1,000,000", 100_000_000),
            ("1 000 000", 100_000_000),
            ("12.345.678,9", 1_234_567_890),
            ("525000", 52_500_000),
            ("525000.5", 52_500_050),
            ("0,05", 5),
            ("1000", 100_000),
            ("0", 0),
            ("€ 1.000,50", 100_050),
            ("1,000.50 €", 100_050),
            ("1 234,5", 123_450),
            ("1 234", 123_400),
        ] {
            let mut e = Vec::new();
            assert_eq!(amount(&mut e, "a", text), cents, "{text}");
            assert!(e.is_empty(), "{text}: {e:?}");
        }
        for text in [
            "1.000,",
            "1.00.000",
            "10.00,5",
            "1.000,50.5",
            "1,000.500",
            ",50",
            "1..000",
            "1.000,5a",
            "1.0000,50",
            "12345678901234",
            "1 234 5",
            "1 00 000",
            "abc",
            "1.000,505",
            "1 000.000,50",
            "1 000.500",
            "€",
        ] {
            let mut e = Vec::new();
            amount(&mut e, "a", text);
            let expected: &[&str] = if text == "€" { &["required"] } else { &["amount.format"] };
            assert_eq!(e.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), expected, "{text}");
        }
        for text in ["1.234", "1,234", "€ 12,345"] {
            let mut e = Vec::new();
            amount(&mut e, "a", text);
            assert_eq!(e.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), ["amount.ambiguous"], "{text}");
        }
    }

    #[test]
    fn the_chain_a_subcontractor_sees() {
        let (d, a, b, c, x) = (ent(2_000_002), ent(3_000_003), ent(4_000_004), ent(5_000_005), ent(6_000_006));
        // d -> a -> b -> c ; d -> x
        let subs = vec![sub(&a, &d), sub(&b, &a), sub(&c, &b), sub(&x, &d)];
        assert_eq!(ancestors(&subs, &c), vec![&b, &a, &d]);
        let below: Vec<_> = descendants(&subs, &a).iter().map(|s| s.enterprise_number.clone()).collect();
        assert_eq!(below.len(), 2);
        assert!(below.contains(&b) && below.contains(&c));
        let details = DeclarationDetails {
            declaration: Declaration {
                number: DeclarationNumber::parse("1Y1003SQ5VSSZ").unwrap(),
                sector: Sector::Cleaning,
                site_name: "s".into(),
                street: String::new(),
                house_number: String::new(),
                post_code: "1000".into(),
                municipality: "Brussel".into(),
                coordinates: None,
                start_date: parse_date("2026-01-01").unwrap(),
                end_date: None,
                amount_excl_vat_cents: 0,
                principal: None,
                declaring_contractor: d.clone(),
                subject_to_registration: true,
            },
            technical_number: "T".into(),
            subcontractors: subs,
        };
        let v = view(details.clone(), &b).unwrap();
        let seen: Vec<_> = v.subcontractors.iter().map(|s| s.enterprise_number.clone()).collect();
        assert!(seen.contains(&a) && seen.contains(&b) && seen.contains(&c) && !seen.contains(&x));
        assert_eq!(v.technical_number.as_deref(), Some("T"));
        assert_eq!(view(details.clone(), &d).unwrap().subcontractors.len(), 4);
        assert!(view(details, &ent(7_000_007)).is_none());
    }
}
