//! Reference registries that validation and the access rules read: the
//! enterprises (KBO/BCE), persons (national register), employment relations
//! (Dimona), Limosa declarations, declarations of works and their
//! subcontractor chains. Each record parses itself from one CSV row.

use time::Date;

use crate::ids::{DeclarationNumber, EnterpriseNumber, ForeignVatNumber, InvalidValue, LimosaId, Ssin};
use crate::registration::FieldError;
use crate::search::parse_date;

/// A record that can be read from one row of a CSV file with a header.
pub trait CsvRecord: Sized {
    /// The `KIND` of `ciao import KIND FILE.csv`.
    const KIND: &'static str;
    /// The columns, in the documented order.
    const COLUMNS: &'static [&'static str];
    /// Builds the record from a row; `get` returns the (trimmed) value of a
    /// column, empty when the cell is empty.
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError>;
    /// Columns a file may leave out (empty values then).
    const OPTIONAL_COLUMNS: &'static [&'static str] = &[];
    /// What identifies the row: a file may not hold two rows with the same key.
    fn key(&self) -> String;
}

fn id<T>(get: &dyn Fn(&str) -> String, col: &str, f: fn(&str) -> Result<T, InvalidValue>) -> Result<T, FieldError> {
    let v = get(col);
    if v.is_empty() {
        return Err(FieldError::required(col));
    }
    f(&v).map_err(|e| FieldError::from_invalid(col, e))
}

fn text(get: &dyn Fn(&str) -> String, col: &str, required: bool, max: usize) -> Result<String, FieldError> {
    let v = get(col);
    if required && v.is_empty() {
        return Err(FieldError::required(col));
    }
    if v.chars().count() > max {
        return Err(FieldError::too_long(col, max));
    }
    Ok(v)
}

fn date(get: &dyn Fn(&str) -> String, col: &str) -> Result<Date, FieldError> {
    let v = get(col);
    if v.is_empty() {
        return Err(FieldError::required(col));
    }
    parse_date(&v).ok_or_else(|| FieldError::new(col, "date.format", format!("{col} is a date YYYY-MM-DD")))
}

/// An empty end date means open-ended; an end date is never before the start.
fn end_date(get: &dyn Fn(&str) -> String, col: &str, start: Date) -> Result<Option<Date>, FieldError> {
    let v = get(col);
    if v.is_empty() {
        return Ok(None);
    }
    let d = parse_date(&v).ok_or_else(|| {
        FieldError::new(col, "date.format", format!("{col} is a date YYYY-MM-DD, or empty for open-ended"))
    })?;
    if d < start {
        return Err(FieldError::new(col, "period.order", format!("{col} is before the start of the period")));
    }
    Ok(Some(d))
}

/// A period `[from, to]` (inclusive, `to` open when None) covers `day`.
pub fn period_covers(from: Date, to: Option<Date>, day: Date) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

/// The legal form of an enterprise, as far as validation cares: a legal
/// entity (company, association) or a natural person's enterprise
/// (eenmanszaak / entreprise personne physique), whose holder is self-employed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LegalForm {
    #[default]
    LegalEntity,
    NaturalPerson,
}

impl LegalForm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LegalEntity => "legal_entity",
            Self::NaturalPerson => "natural_person",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "legal_entity" => Some(Self::LegalEntity),
            "natural_person" => Some(Self::NaturalPerson),
            _ => None,
        }
    }
}

/// One active period of an enterprise (a file may hold several rows per
/// enterprise), with the founders and self-employed partners known for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterprisePeriod {
    pub enterprise_number: EnterpriseNumber,
    pub name: String,
    pub active_from: Date,
    pub active_to: Option<Date>,
    pub legal_form: LegalForm,
    /// The founders / self-employed partners during this period (for a
    /// natural person's enterprise: its self-employed holder). Empty when the
    /// registry does not know them.
    pub founders: Vec<Ssin>,
}

impl CsvRecord for EnterprisePeriod {
    const KIND: &'static str = "enterprises";
    const COLUMNS: &'static [&'static str] = &["enterprise_number", "name", "active_from", "active_to"];
    const OPTIONAL_COLUMNS: &'static [&'static str] = &["legal_form", "founders"];
    fn key(&self) -> String {
        format!("{} {}", self.enterprise_number, self.active_from)
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        let active_from = date(get, "active_from")?;
        let form = get("legal_form");
        let legal_form = if form.is_empty() {
            LegalForm::LegalEntity
        } else {
            LegalForm::parse(&form).ok_or_else(|| {
                FieldError::new("legal_form", "legal_form.value", "legal_form is legal_entity or natural_person")
            })?
        };
        let mut founders: Vec<Ssin> = Vec::new();
        for part in get("founders").split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let ssin = Ssin::parse(part).map_err(|e| FieldError::from_invalid("founders", e))?;
            if founders.contains(&ssin) {
                return Err(FieldError::new("founders", "founders.unique", "founders lists the same SSIN twice"));
            }
            founders.push(ssin);
        }
        if legal_form == LegalForm::NaturalPerson && founders.len() > 1 {
            return Err(FieldError::new(
                "founders",
                "founders.natural_person",
                "a natural person's enterprise has one holder: founders holds at most one SSIN",
            ));
        }
        Ok(Self {
            enterprise_number: id(get, "enterprise_number", EnterpriseNumber::parse)?,
            name: text(get, "name", true, 200)?,
            active_from,
            active_to: end_date(get, "active_to", active_from)?,
            legal_form,
            founders,
        })
    }
}

/// A founder or self-employed partner of an enterprise during one of its periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Founder {
    pub enterprise_number: EnterpriseNumber,
    pub ssin: Ssin,
    pub from: Date,
    pub to: Option<Date>,
}

/// A person known to the national register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub ssin: Ssin,
    pub last_name: String,
    pub first_name: String,
}

impl CsvRecord for PersonRecord {
    const KIND: &'static str = "persons";
    const COLUMNS: &'static [&'static str] = &["ssin", "last_name", "first_name"];
    fn key(&self) -> String {
        self.ssin.as_str().to_string()
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        Ok(Self {
            ssin: id(get, "ssin", Ssin::parse)?,
            last_name: text(get, "last_name", true, 100)?,
            first_name: text(get, "first_name", false, 100)?,
        })
    }
}

/// An employment relation (what Dimona declares): this person works for this employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub ssin: Ssin,
    pub employer: EnterpriseNumber,
    pub from: Date,
    pub to: Option<Date>,
}

impl CsvRecord for Employment {
    const KIND: &'static str = "employments";
    const COLUMNS: &'static [&'static str] = &["ssin", "employer", "from", "to"];
    fn key(&self) -> String {
        format!("{} {} {}", self.ssin.as_str(), self.employer, self.from)
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        let from = date(get, "from")?;
        Ok(Self {
            ssin: id(get, "ssin", Ssin::parse)?,
            employer: id(get, "employer", EnterpriseNumber::parse)?,
            from,
            to: end_date(get, "to", from)?,
        })
    }
}

/// A Limosa declaration of a posted worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimosaDeclaration {
    pub limosa_id: LimosaId,
    pub ssin: Ssin,
    pub foreign_employer_vat: ForeignVatNumber,
    pub belgian_client: Option<EnterpriseNumber>,
    pub from: Date,
    pub to: Option<Date>,
}

impl CsvRecord for LimosaDeclaration {
    const KIND: &'static str = "limosa";
    const COLUMNS: &'static [&'static str] =
        &["limosa_id", "ssin", "foreign_employer_vat", "belgian_client", "from", "to"];
    fn key(&self) -> String {
        self.limosa_id.as_str().to_string()
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        let from = date(get, "from")?;
        let client = get("belgian_client");
        Ok(Self {
            limosa_id: id(get, "limosa_id", LimosaId::parse)?,
            ssin: id(get, "ssin", Ssin::parse)?,
            foreign_employer_vat: id(get, "foreign_employer_vat", ForeignVatNumber::parse)?,
            belgian_client: if client.is_empty() {
                None
            } else {
                Some(EnterpriseNumber::parse(&client).map_err(|e| FieldError::from_invalid("belgian_client", e))?)
            },
            from,
            to: end_date(get, "to", from)?,
        })
    }
}

/// Sector of a declaration of works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sector {
    Cleaning,
    Construction,
    Meat,
}

impl Sector {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cleaning => "cleaning",
            Self::Construction => "construction",
            Self::Meat => "meat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cleaning" => Some(Self::Cleaning),
            "construction" => Some(Self::Construction),
            "meat" => Some(Self::Meat),
            _ => None,
        }
    }
}

/// The principal (opdrachtgever / maître d'ouvrage) of a declaration: an
/// enterprise, or a private person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Enterprise(EnterpriseNumber),
    Person(Ssin),
}

impl Principal {
    /// The rule between a declaration's principal and its declaring
    /// contractor: the principal orders the works from the contractor, so it
    /// is never the declaring contractor itself.
    pub fn fault(principal: Option<&Principal>, declaring_contractor: &EnterpriseNumber) -> Option<FieldError> {
        (principal.and_then(Principal::enterprise) == Some(declaring_contractor)).then(|| {
            FieldError::new(
                "principal",
                "principal.isDeclarer",
                "the principal is the declaring contractor itself: the principal is who ordered the works from it",
            )
        })
    }

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 11 {
            Ssin::parse(s).map(Self::Person)
        } else {
            EnterpriseNumber::parse(s).map(Self::Enterprise)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Enterprise(e) => e.as_str(),
            Self::Person(p) => p.as_str(),
        }
    }

    pub fn enterprise(&self) -> Option<&EnterpriseNumber> {
        match self {
            Self::Enterprise(e) => Some(e),
            Self::Person(_) => None,
        }
    }
}

/// A declaration of works: the workplace that registrations refer to.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub number: DeclarationNumber,
    pub sector: Sector,
    pub site_name: String,
    pub street: String,
    pub house_number: String,
    pub post_code: String,
    pub municipality: String,
    pub coordinates: Option<(f64, f64)>,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub amount_excl_vat_cents: i64,
    pub principal: Option<Principal>,
    pub declaring_contractor: EnterpriseNumber,
    pub subject_to_registration: bool,
}

fn amount_cents(col: &str, v: &str) -> Result<i64, FieldError> {
    let bad =
        || FieldError::new(col, "amount.format", format!("{col} is an amount in euro such as 525000 or 525000.50"));
    let (units, cents) = match v.split_once('.') {
        Some((u, c)) => (u, c),
        None => (v, ""),
    };
    if units.is_empty() || !units.bytes().all(|b| b.is_ascii_digit()) || units.len() > 13 {
        return Err(bad());
    }
    if cents.len() > 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let u: i64 = units.parse().map_err(|_| bad())?;
    let c: i64 = if cents.is_empty() { 0 } else { format!("{cents:0<2}").parse().map_err(|_| bad())? };
    Ok(u * 100 + c)
}

fn coordinate(get: &dyn Fn(&str) -> String, col: &str, limit: f64) -> Result<Option<f64>, FieldError> {
    let v = get(col);
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && (-limit..=limit).contains(&x) => Ok(Some(x)),
        _ => Err(FieldError::new(col, "coordinates.range", format!("{col} is a number from -{limit} to {limit}"))),
    }
}

impl CsvRecord for Declaration {
    const KIND: &'static str = "declarations";
    const COLUMNS: &'static [&'static str] = &[
        "number",
        "sector",
        "site_name",
        "street",
        "house_number",
        "post_code",
        "municipality",
        "latitude",
        "longitude",
        "start_date",
        "end_date",
        "amount_excl_vat",
        "principal",
        "declaring_contractor",
        "subject_to_registration",
    ];
    fn key(&self) -> String {
        self.number.as_str().to_string()
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        let sector = get("sector");
        let sector = Sector::parse(&sector)
            .ok_or_else(|| FieldError::new("sector", "sector.value", "sector is cleaning, construction or meat"))?;
        let lat = coordinate(get, "latitude", 90.0)?;
        let lon = coordinate(get, "longitude", 180.0)?;
        let coordinates = match (lat, lon) {
            (Some(a), Some(b)) => Some((a, b)),
            (None, None) => None,
            _ => {
                return Err(FieldError::new(
                    "longitude",
                    "coordinates.pair",
                    "give both latitude and longitude, or neither",
                ));
            }
        };
        let start_date = date(get, "start_date")?;
        let principal = get("principal");
        let subject = get("subject_to_registration");
        let declaration = Self {
            number: id(get, "number", DeclarationNumber::parse)?,
            sector,
            site_name: text(get, "site_name", true, 200)?,
            street: text(get, "street", false, 200)?,
            house_number: text(get, "house_number", false, 16)?,
            post_code: text(get, "post_code", true, 16)?,
            municipality: text(get, "municipality", true, 100)?,
            coordinates,
            start_date,
            end_date: end_date(get, "end_date", start_date)?,
            amount_excl_vat_cents: amount_cents("amount_excl_vat", &get("amount_excl_vat"))?,
            principal: if principal.is_empty() {
                None
            } else {
                Some(Principal::parse(&principal).map_err(|e| FieldError::from_invalid("principal", e))?)
            },
            declaring_contractor: id(get, "declaring_contractor", EnterpriseNumber::parse)?,
            subject_to_registration: match subject.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(FieldError::new(
                        "subject_to_registration",
                        "boolean.value",
                        "subject_to_registration is true or false",
                    ));
                }
            },
        };
        match Principal::fault(declaration.principal.as_ref(), &declaration.declaring_contractor) {
            Some(e) => Err(e),
            None => Ok(declaration),
        }
    }
}

/// A subcontractor in the chain of a declaration, below `parent` (the
/// declaring contractor or another subcontractor of the same declaration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subcontractor {
    pub declaration: DeclarationNumber,
    pub enterprise_number: EnterpriseNumber,
    pub parent: EnterpriseNumber,
    pub from: Date,
    pub to: Option<Date>,
}

impl CsvRecord for Subcontractor {
    const KIND: &'static str = "subcontractors";
    const COLUMNS: &'static [&'static str] = &["declaration", "enterprise_number", "parent", "from", "to"];
    fn key(&self) -> String {
        format!("{} {}", self.declaration, self.enterprise_number)
    }
    fn from_row(get: &dyn Fn(&str) -> String) -> Result<Self, FieldError> {
        let from = date(get, "from")?;
        let s = Self {
            declaration: id(get, "declaration", DeclarationNumber::parse)?,
            enterprise_number: id(get, "enterprise_number", EnterpriseNumber::parse)?,
            parent: id(get, "parent", EnterpriseNumber::parse)?,
            from,
            to: end_date(get, "to", from)?,
        };
        if s.parent == s.enterprise_number {
            return Err(FieldError::new("parent", "chain.self", "a subcontractor cannot be its own parent"));
        }
        Ok(s)
    }
}

/// A declaration with its subcontractor chain.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationDetails {
    pub declaration: Declaration,
    pub technical_number: String,
    pub subcontractors: Vec<Subcontractor>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn row(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let m: HashMap<String, String> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        move |k: &str| m.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_declaration_row() {
        let get = row(&[
            ("number", "1Y1003SQ5VSSZ"),
            ("sector", "cleaning"),
            ("site_name", "Tour Nord"),
            ("post_code", "1000"),
            ("municipality", "Bruxelles"),
            ("latitude", "50.85"),
            ("longitude", "4.35"),
            ("start_date", "2026-01-01"),
            ("amount_excl_vat", "525000.5"),
            ("principal", "0123.456.749"),
            ("declaring_contractor", "0621845521"),
            ("subject_to_registration", "true"),
        ]);
        let d = Declaration::from_row(&get).unwrap();
        assert_eq!(d.amount_excl_vat_cents, 52_500_050);
        assert_eq!(d.coordinates, Some((50.85, 4.35)));
        assert_eq!(d.end_date, None);
        assert!(matches!(d.principal, Some(Principal::Enterprise(_))));
        // The principal is never the declaring contractor itself.
        let own = |name: &str| if name == "declaring_contractor" { "0123456749".to_string() } else { get(name) };
        assert_eq!(Declaration::from_row(&own).unwrap_err().code, "principal.isDeclarer");
    }

    #[test]
    fn refusals_name_the_column() {
        let get =
            row(&[("ssin", "85073003328"), ("employer", "0123456749"), ("from", "2026-02-01"), ("to", "2026-01-01")]);
        assert_eq!(Employment::from_row(&get).unwrap_err().field, "to");
        let get = row(&[("ssin", "85073003328"), ("employer", "0123456748"), ("from", "2026-02-01")]);
        let e = Employment::from_row(&get).unwrap_err();
        assert_eq!((e.field.as_str(), e.code.as_str()), ("employer", "enterpriseNumber.checkDigit"));
        assert_eq!(amount_cents("a", "1,5").unwrap_err().code, "amount.format");
    }

    #[test]
    fn an_enterprise_row_with_founders() {
        let base = [("enterprise_number", "0123456749"), ("name", "Solo"), ("active_from", "2020-01-01")];
        let e = EnterprisePeriod::from_row(&row(&base)).unwrap();
        assert_eq!((e.legal_form, e.founders.len()), (LegalForm::LegalEntity, 0));
        let mut pairs = base.to_vec();
        pairs.push(("legal_form", "natural_person"));
        pairs.push(("founders", " 85.07.30-033.28 "));
        let e = EnterprisePeriod::from_row(&row(&pairs)).unwrap();
        assert_eq!(e.legal_form, LegalForm::NaturalPerson);
        assert_eq!(e.founders[0].as_str(), "85073003328");
        pairs[4] = ("founders", "85073003328;71071902374");
        let err = EnterprisePeriod::from_row(&row(&pairs)).unwrap_err();
        assert_eq!((err.field.as_str(), err.code.as_str()), ("founders", "founders.natural_person"));
        pairs[3] = ("legal_form", "legal_entity");
        assert_eq!(EnterprisePeriod::from_row(&row(&pairs)).unwrap().founders.len(), 2);
        pairs[4] = ("founders", "85073003328;85073003328");
        assert_eq!(EnterprisePeriod::from_row(&row(&pairs)).unwrap_err().code, "founders.unique");
        pairs[4] = ("founders", "85073003329");
        assert_eq!(EnterprisePeriod::from_row(&row(&pairs)).unwrap_err().field, "founders");
        pairs[3] = ("legal_form", "sa");
        assert_eq!(EnterprisePeriod::from_row(&row(&pairs)).unwrap_err().code, "legal_form.value");
    }

    #[test]
    fn periods() {
        let d = |s| parse_date(s).unwrap();
        assert!(period_covers(d("2026-01-01"), None, d("2030-01-01")));
        assert!(period_covers(d("2026-01-01"), Some(d("2026-01-31")), d("2026-01-31")));
        assert!(!period_covers(d("2026-01-01"), Some(d("2026-01-31")), d("2026-02-01")));
    }
}
