//! Presence registrations: what a registration holds, how an incoming item is
//! validated, and the events that make up its history.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::ids::{DeclarationNumber, EnterpriseNumber, ForeignVatNumber, InvalidValue, LimosaId, RegistrationId, Ssin};

/// A refusal tied to one field: `field` is a path relative to the object that
/// was validated (`employer.enterpriseNumber`); the HTTP layer prefixes it
/// (`items[3].employer.enterpriseNumber`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub description: String,
    /// The instant the refusal names, when it has one (the end of a
    /// sign-in lock): the pages say it in their own words and time zone;
    /// the description already has it in English.
    #[serde(skip)]
    pub until: Option<OffsetDateTime>,
    /// What was found instead of what the rule asks, where the rule's
    /// words in another language need it (a certificate's key size): the
    /// pages show it; the description already has it in English.
    #[serde(skip)]
    pub found: Option<String>,
    /// The limit the rule names (a text's most characters), for the pages'
    /// words in another language; the description already has it in English.
    #[serde(skip)]
    pub limit: Option<u32>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            description: description.into(),
            until: None,
            found: None,
            limit: None,
        }
    }

    /// A text over its length: the rule `text.tooLong`, naming its limit.
    pub fn too_long(field: &str, max: usize) -> Self {
        let mut e = Self::new(field, "text.tooLong", format!("{field} has at most {max} characters"));
        e.limit = u32::try_from(max).ok();
        e
    }

    /// A whole number outside `1..=max`: the rule `number.range`, naming
    /// its limit (every numbered parameter starts at 1).
    pub fn number_range(field: &str, max: u64) -> Self {
        let mut e = Self::new(field, "number.range", format!("{field} is a whole number from 1 to {max}"));
        e.limit = u32::try_from(max).ok();
        e
    }

    /// The same error, naming the instant `until`.
    pub fn until(mut self, until: Option<OffsetDateTime>) -> Self {
        self.until = until;
        self
    }

    /// The same error, with what was `found`.
    pub fn found(mut self, found: Option<String>) -> Self {
        self.found = found;
        self
    }

    pub fn from_invalid(field: impl Into<String>, e: InvalidValue) -> Self {
        Self::new(field, e.code, e.message)
    }

    pub fn required(field: &str) -> Self {
        Self::new(field, "required", format!("{field} is required"))
    }

    /// The same error, with its field under `prefix`.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// IN at the start of work or the end of a break, OUT at the end of work or
/// the start of a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationType {
    #[serde(rename = "IN")]
    In,
    #[serde(rename = "OUT")]
    Out,
}

impl RegistrationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "IN",
            Self::Out => "OUT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IN" => Some(Self::In),
            "OUT" => Some(Self::Out),
            _ => None,
        }
    }
}

/// Who was present: a person with an SSIN, or a posted worker by Limosa id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Ssin(Ssin),
    Limosa(LimosaId),
}

/// The employer of the person: a Belgian enterprise or a foreign company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Employer {
    Enterprise(EnterpriseNumber),
    ForeignVat(ForeignVatNumber),
}

impl Employer {
    pub fn enterprise(&self) -> Option<&EnterpriseNumber> {
        match self {
            Self::Enterprise(e) => Some(e),
            Self::ForeignVat(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub post_code: String,
    pub municipality_name: String,
    pub street_name: String,
    pub house_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box_number: Option<String>,
}

/// Where the person worked, as the registration system knew it.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceOfWork {
    /// WGS 84 coordinates; `accuracy` is the radius in metres within which
    /// the device says the true position lies (the phone's geolocation).
    Coordinates {
        latitude: f64,
        longitude: f64,
        accuracy: Option<f64>,
    },
    Address(Address),
}

/// The channel a registration came in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The REST web service (badge systems, track and trace, vendor apps).
    Rest,
    /// The worker's own phone, through the declaration's QR code or URL.
    Smartphone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::Smartphone => "smartphone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rest" => Some(Self::Rest),
            "smartphone" => Some(Self::Smartphone),
            _ => None,
        }
    }
}

/// Who submitted a registration: a REST client (by client id) or a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub id: String,
    pub enterprise: Option<EnterpriseNumber>,
}

/// State of the asynchronous validation of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    Pending,
    Valid,
    Invalid,
    Cancelled,
}

impl Validity {
    pub const ALL: [Validity; 4] = [Self::Pending, Self::Valid, Self::Invalid, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A remark added by validation: a stable code and the official description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remark {
    pub code: String,
    pub description: String,
}

/// Why a registration was cancelled (the official `CancelReasonType` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    #[serde(rename = "HOLIDAY")]
    Holiday,
    #[serde(rename = "DISEASE")]
    Disease,
    #[serde(rename = "PLANNING")]
    Planning,
    #[serde(rename = "C32A")]
    C32a,
    #[serde(rename = "OTHER")]
    Other,
}

impl CancelReason {
    pub const ALL: [CancelReason; 5] = [Self::Holiday, Self::Disease, Self::Planning, Self::C32a, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "HOLIDAY",
            Self::Disease => "DISEASE",
            Self::Planning => "PLANNING",
            Self::C32a => "C32A",
            Self::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A validated registration, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistration {
    pub registration_date: OffsetDateTime,
    pub kind: RegistrationType,
    pub person: Person,
    pub employer: Employer,
    pub declaration: DeclarationNumber,
    pub place_of_work: Option<PlaceOfWork>,
    pub client_reference: Option<String>,
    pub channel: Channel,
    pub sender: Sender,
    pub created_at: OffsetDateTime,
    /// When the registration was made through the rotating QR code of a site
    /// display: the instant that code was issued (proof of presence on site).
    pub site_code_issued_at: Option<OffsetDateTime>,
}

impl NewRegistration {
    /// A sender sent a clientReference it had used before: the fields (as
    /// the API names them) in which this item differs from the registration
    /// stored under that reference. None: the same presence sent again (a
    /// retry), to be answered with the stored registration. Where and how it
    /// was sent (place of work, channel, reception time) may differ in a
    /// retry and is not compared; nor is the instant of a phone's tap, which
    /// is the server's time of each attempt, not something the phone sent.
    pub fn replay_differences(&self, stored: &NewRegistration) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let date = crate::clock::truncate_micros;
        let instant_sent = !(self.channel == Channel::Smartphone && stored.channel == Channel::Smartphone);
        if instant_sent && date(self.registration_date) != date(stored.registration_date) {
            fields.push("registrationDate");
        }
        if self.kind != stored.kind {
            fields.push("type");
        }
        if self.person != stored.person {
            fields.push(match self.person {
                Person::Ssin(_) => "ssin",
                Person::Limosa(_) => "limosaId",
            });
        }
        if self.employer != stored.employer {
            fields.push("employer");
        }
        if self.declaration != stored.declaration {
            fields.push("contractualRelationshipReference");
        }
        fields
    }
}

/// One entry of a registration's history.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Created,
    Validated { validity: Validity, remarks: Vec<Remark> },
    Cancelled { reason: CancelReason, comment: Option<String>, by: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub at: OffsetDateTime,
    pub event: Event,
}

/// A stored registration. Its facts never change; `validity` and `remarks`
/// are the current state derived from its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub id: RegistrationId,
    pub data: NewRegistration,
    pub validity: Validity,
    pub remarks: Vec<Remark>,
    pub history: Vec<HistoryEntry>,
}

/// How far from the server clock a registration may be: presence is
/// registered in real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealTimePolicy {
    pub max_past: Duration,
    pub max_future: Duration,
}

impl Default for RealTimePolicy {
    fn default() -> Self {
        Self { max_past: Duration::minutes(10), max_future: Duration::minutes(2) }
    }
}

pub const CLIENT_REFERENCE_MAX: usize = 24;

/// The largest accepted accuracy radius of given coordinates, in metres.
pub const MAX_ACCURACY_M: f64 = 100_000.0;

/// An item as it arrives, every field still a string: the REST API and the
/// web pages both build one, and [`RegistrationInput::validate`] is the one
/// place its rules live.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistrationInput {
    pub registration_date: Option<String>,
    pub kind: Option<String>,
    pub ssin: Option<String>,
    pub limosa_id: Option<String>,
    pub employer_enterprise_number: Option<String>,
    pub employer_foreign_vat_number: Option<String>,
    /// True when the employer object was given but held neither field.
    pub employer_given: bool,
    pub declaration: Option<String>,
    pub coordinates: Option<(f64, f64)>,
    /// `placeOfWork.coordinates.accuracy`, in metres (optional).
    pub accuracy: Option<f64>,
    pub address: Option<Address>,
    /// True when the placeOfWork object was given, even empty.
    pub place_of_work_given: bool,
    pub client_reference: Option<String>,
}

/// The fields of an item that passed validation; the service adds channel,
/// sender and reception time.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidItem {
    pub registration_date: OffsetDateTime,
    pub kind: RegistrationType,
    pub person: Person,
    pub employer: Employer,
    pub declaration: DeclarationNumber,
    pub place_of_work: Option<PlaceOfWork>,
    pub client_reference: Option<String>,
}

impl ValidItem {
    pub fn into_new(self, channel: Channel, sender: Sender, created_at: OffsetDateTime) -> NewRegistration {
        NewRegistration {
            registration_date: self.registration_date,
            kind: self.kind,
            person: self.person,
            employer: self.employer,
            declaration: self.declaration,
            place_of_work: self.place_of_work,
            client_reference: self.client_reference,
            channel,
            sender,
            created_at,
            site_code_issued_at: None,
        }
    }
}

/// Parses an RFC 3339 instant and brings it to UTC, keeping its microseconds;
/// None also for an instant outside the years ciao accepts
/// ([`crate::clock::YEARS`]).
pub fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    let t = t.checked_to_offset(time::UtcOffset::UTC)?;
    if !crate::clock::YEARS.contains(&t.year()) {
        return None;
    }
    // Keep microsecond precision: that is what both databases store.
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.replace_nanosecond(micros).ok()
}

impl RegistrationInput {
    /// Checks every rule that can be checked at once, and gathers all
    /// failures (not only the first), each naming its field and rule.
    pub fn validate(&self, now: OffsetDateTime, policy: RealTimePolicy) -> Result<ValidItem, Vec<FieldError>> {
        let mut errors = Vec::new();

        let registration_date = match self.registration_date.as_deref() {
            None => {
                errors.push(FieldError::required("registrationDate"));
                None
            }
            Some(s) => match parse_instant(s) {
                None => {
                    errors.push(FieldError::new(
                        "registrationDate",
                        "registrationDate.format",
                        "registrationDate is an RFC 3339 date-time with an offset, such as 2024-09-02T06:58:00Z, \
                         in the years 1000 to 9999, seconds 00 to 59 (no leap second)",
                    ));
                    None
                }
                Some(t) if t < now - policy.max_past => {
                    errors.push(FieldError::new(
                        "registrationDate",
                        "registrationDate.tooOld",
                        format!(
                            "presence is registered in real time: registrationDate may be at most {} minutes before the server time ({})",
                            policy.max_past.whole_minutes(),
                            crate::format_utc(now)
                        ),
                    ));
                    None
                }
                Some(t) if t > now + policy.max_future => {
                    errors.push(FieldError::new(
                        "registrationDate",
                        "registrationDate.inFuture",
                        format!(
                            "presence is registered in real time: registrationDate may be at most {} minutes after the server time ({})",
                            policy.max_future.whole_minutes(),
                            crate::format_utc(now)
                        ),
                    ));
                    None
                }
                Some(t) => Some(t),
            },
        };

        let kind = match self.kind.as_deref() {
            None => {
                errors.push(FieldError::required("type"));
                None
            }
            Some(s) => match RegistrationType::parse(s) {
                Some(k) => Some(k),
                None => {
                    errors.push(FieldError::new("type", "type.value", "type is IN or OUT"));
                    None
                }
            },
        };

        let person = match (self.ssin.as_deref(), self.limosa_id.as_deref()) {
            (Some(_), Some(_)) => {
                errors.push(FieldError::new("limosaId", "person.exclusive", "give either ssin or limosaId, not both"));
                None
            }
            (None, None) => {
                errors.push(FieldError::new(
                    "ssin",
                    "required",
                    "the person is required: give ssin (or limosaId for a posted worker)",
                ));
                None
            }
            (Some(s), None) => match Ssin::parse(s) {
                Ok(s) => Some(Person::Ssin(s)),
                Err(e) => {
                    errors.push(FieldError::from_invalid("ssin", e));
                    None
                }
            },
            (None, Some(l)) => match LimosaId::parse(l) {
                Ok(l) => Some(Person::Limosa(l)),
                Err(e) => {
                    errors.push(FieldError::from_invalid("limosaId", e));
                    None
                }
            },
        };

        let employer = match (self.employer_enterprise_number.as_deref(), self.employer_foreign_vat_number.as_deref()) {
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(
                    "employer",
                    "employer.exclusive",
                    "give either employer.enterpriseNumber or employer.foreignVatNumber, not both",
                ));
                None
            }
            (None, None) => {
                let field = if self.employer_given { "employer.enterpriseNumber" } else { "employer" };
                errors.push(FieldError::new(
                    field,
                    "required",
                    "the employer is required: give employer.enterpriseNumber (or employer.foreignVatNumber)",
                ));
                None
            }
            (Some(e), None) => match EnterpriseNumber::parse(e) {
                Ok(e) => Some(Employer::Enterprise(e)),
                Err(e) => {
                    errors.push(FieldError::from_invalid("employer.enterpriseNumber", e));
                    None
                }
            },
            (None, Some(v)) => match ForeignVatNumber::parse(v) {
                Ok(v) => Some(Employer::ForeignVat(v)),
                Err(e) => {
                    errors.push(FieldError::from_invalid("employer.foreignVatNumber", e));
                    None
                }
            },
        };

        let declaration = match self.declaration.as_deref() {
            None => {
                errors.push(FieldError::required("contractualRelationshipReference"));
                None
            }
            Some(d) => match DeclarationNumber::parse(d) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(FieldError::from_invalid("contractualRelationshipReference", e));
                    None
                }
            },
        };

        let place_of_work = match (&self.coordinates, &self.address) {
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(
                    "placeOfWork",
                    "placeOfWork.exclusive",
                    "give either placeOfWork.coordinates or placeOfWork.address, not both",
                ));
                None
            }
            (Some((lat, lon)), None) => {
                let mut ok = true;
                if !lat.is_finite() || !(-90.0..=90.0).contains(lat) {
                    errors.push(FieldError::new(
                        "placeOfWork.coordinates.latitude",
                        "coordinates.range",
                        "latitude is between -90 and 90 degrees",
                    ));
                    ok = false;
                }
                if !lon.is_finite() || !(-180.0..=180.0).contains(lon) {
                    errors.push(FieldError::new(
                        "placeOfWork.coordinates.longitude",
                        "coordinates.range",
                        "longitude is between -180 and 180 degrees",
                    ));
                    ok = false;
                }
                if let Some(a) = self.accuracy
                    && (!a.is_finite() || !(0.0..=MAX_ACCURACY_M).contains(&a))
                {
                    errors.push(FieldError::new(
                        "placeOfWork.coordinates.accuracy",
                        "coordinates.accuracy",
                        format!("accuracy is a radius in metres, from 0 to {MAX_ACCURACY_M}"),
                    ));
                    ok = false;
                }
                ok.then_some(PlaceOfWork::Coordinates { latitude: *lat, longitude: *lon, accuracy: self.accuracy })
            }
            (None, Some(a)) => {
                let before = errors.len();
                for (name, value, max) in [
                    ("postCode", &a.post_code, 16),
                    ("municipalityName", &a.municipality_name, 100),
                    ("streetName", &a.street_name, 200),
                    ("houseNumber", &a.house_number, 16),
                ] {
                    check_text(&mut errors, &format!("placeOfWork.address.{name}"), value, max, true);
                }
                if let Some(b) = &a.box_number {
                    check_text(&mut errors, "placeOfWork.address.boxNumber", b, 16, false);
                }
                (errors.len() == before).then(|| PlaceOfWork::Address(a.clone()))
            }
            (None, None) => {
                if self.place_of_work_given {
                    errors.push(FieldError::new(
                        "placeOfWork",
                        "placeOfWork.empty",
                        "placeOfWork holds coordinates or an address; leave it out when there is neither",
                    ));
                }
                None
            }
        };

        let client_reference = match self.client_reference.as_deref() {
            None => None,
            Some(r) => {
                let before = errors.len();
                check_text(&mut errors, "clientReference", r, CLIENT_REFERENCE_MAX, true);
                (errors.len() == before).then(|| r.to_string())
            }
        };

        match (registration_date, kind, person, employer, declaration) {
            (Some(registration_date), Some(kind), Some(person), Some(employer), Some(declaration))
                if errors.is_empty() =>
            {
                Ok(ValidItem {
                    registration_date,
                    kind,
                    person,
                    employer,
                    declaration,
                    place_of_work,
                    client_reference,
                })
            }
            _ => Err(errors),
        }
    }
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "text.empty", format!("{field} may not be empty")));
    } else if value.chars().count() > max {
        errors.push(FieldError::too_long(field, max));
    } else if let Some(fault) = crate::text::text_fault(field, value, false) {
        errors.push(fault);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);

    fn good() -> RegistrationInput {
        RegistrationInput {
            registration_date: Some("2026-03-02T06:58:00.123456Z".into()),
            kind: Some("IN".into()),
            ssin: Some("85.07.30-033.28".into()),
            employer_enterprise_number: Some("0123.456.749".into()),
            declaration: Some("1Y1003SQ5VSSZ".into()),
            client_reference: Some("badge-42".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_item_is_normalised() {
        let v = good().validate(NOW, RealTimePolicy::default()).unwrap();
        assert_eq!(v.registration_date, datetime!(2026-03-02 06:58:00.123456 UTC));
        assert_eq!(v.kind, RegistrationType::In);
        assert!(matches!(v.person, Person::Ssin(ref s) if s.as_str() == "85073003328"));
        assert!(matches!(v.employer, Employer::Enterprise(ref e) if e.as_str() == "0123456749"));
    }

    #[test]
    fn offsets_are_brought_to_utc() {
        let mut i = good();
        i.registration_date = Some("2026-03-02T07:58:00+01:00".into());
        let v = i.validate(NOW, RealTimePolicy::default()).unwrap();
        assert_eq!(v.registration_date, datetime!(2026-03-02 06:58:00 UTC));
    }

    #[test]
    fn real_time_bounds() {
        let p = RealTimePolicy::default();
        let mut i = good();
        i.registration_date = Some("2026-03-02T06:49:59Z".into());
        assert_eq!(i.validate(NOW, p).unwrap_err()[0].code, "registrationDate.tooOld");
        i.registration_date = Some("2026-03-02T06:50:00Z".into());
        assert!(i.validate(NOW, p).is_ok());
        i.registration_date = Some("2026-03-02T07:02:00Z".into());
        assert!(i.validate(NOW, p).is_ok());
        i.registration_date = Some("2026-03-02T07:02:01Z".into());
        assert_eq!(i.validate(NOW, p).unwrap_err()[0].code, "registrationDate.inFuture");
    }

    #[test]
    fn a_replay_differs_only_in_how_it_was_sent() {
        let new = |i: RegistrationInput, channel, at| {
            let sender = Sender { id: "badges".into(), enterprise: None };
            i.validate(NOW, RealTimePolicy::default()).unwrap().into_new(channel, sender, at)
        };
        let stored = new(good(), Channel::Rest, NOW);
        let mut again = good();
        again.coordinates = Some((50.85, 4.35));
        assert!(new(again, Channel::Rest, NOW + time::Duration::minutes(20)).replay_differences(&stored).is_empty());
        // A phone's tap again: its instant is the server's of each attempt.
        let tap = new(good(), Channel::Smartphone, NOW);
        let mut later = good();
        later.registration_date = Some("2026-03-02T06:59:00Z".into());
        assert!(new(later.clone(), Channel::Smartphone, NOW).replay_differences(&tap).is_empty());
        assert_eq!(new(later, Channel::Rest, NOW).replay_differences(&stored), ["registrationDate"]);
        let mut other = good();
        other.kind = Some("OUT".into());
        other.registration_date = Some("2026-03-02T06:59:00Z".into());
        other.employer_enterprise_number = Some("0403.170.701".into());
        assert_eq!(
            new(other, Channel::Rest, NOW).replay_differences(&stored),
            ["registrationDate", "type", "employer"]
        );
        let mut person = good();
        person.ssin = Some("93051822361".into());
        person.declaration = Some("9SMBUW2500001".into());
        assert_eq!(
            new(person, Channel::Rest, NOW).replay_differences(&stored),
            ["ssin", "contractualRelationshipReference"]
        );
    }

    #[test]
    fn all_errors_are_reported_with_their_field() {
        let i = RegistrationInput {
            registration_date: Some("yesterday".into()),
            kind: Some("in".into()),
            ssin: Some("85073003329".into()),
            employer_enterprise_number: Some("0123456748".into()),
            declaration: Some("ABC".into()),
            client_reference: Some("x".repeat(25)),
            ..Default::default()
        };
        let errs = i.validate(NOW, RealTimePolicy::default()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            vec![
                ("registrationDate", "registrationDate.format"),
                ("type", "type.value"),
                ("ssin", "ssin.checkDigit"),
                ("employer.enterpriseNumber", "enterpriseNumber.checkDigit"),
                ("contractualRelationshipReference", "declarationNumber.length"),
                ("clientReference", "text.tooLong"),
            ]
        );
    }

    #[test]
    fn person_and_employer_are_exclusive_and_required() {
        let mut i = good();
        i.limosa_id = Some("L123".into());
        assert_eq!(i.validate(NOW, RealTimePolicy::default()).unwrap_err()[0].code, "person.exclusive");
        let mut i = good();
        i.ssin = None;
        assert_eq!(i.validate(NOW, RealTimePolicy::default()).unwrap_err()[0].field, "ssin");
        let mut i = good();
        i.employer_foreign_vat_number = Some("FR12345678901".into());
        assert_eq!(i.validate(NOW, RealTimePolicy::default()).unwrap_err()[0].code, "employer.exclusive");
        let mut i = good();
        i.employer_enterprise_number = None;
        i.employer_foreign_vat_number = Some("FR12345678901".into());
        i.ssin = None;
        i.limosa_id = Some("l1-2024-778".into());
        let v = i.validate(NOW, RealTimePolicy::default()).unwrap();
        assert!(matches!(v.person, Person::Limosa(ref l) if l.as_str() == "L12024778"));
    }

    #[test]
    fn place_of_work_rules() {
        let mut i = good();
        i.coordinates = Some((95.0, 4.35));
        assert_eq!(
            i.validate(NOW, RealTimePolicy::default()).unwrap_err()[0].field,
            "placeOfWork.coordinates.latitude"
        );
        let mut i = good();
        i.address = Some(Address {
            post_code: "1000".into(),
            municipality_name: "Brussel".into(),
            street_name: "".into(),
            house_number: "1".into(),
            box_number: None,
        });
        assert_eq!(i.validate(NOW, RealTimePolicy::default()).unwrap_err()[0].field, "placeOfWork.address.streetName");
    }
}
