//! REST presenceRegistration v1: `/presenceRegistrations`.

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use ciao_domain::channel::Permission;
use ciao_domain::search::SearchCriteria;
use ciao_domain::{
    Address, Channel, Employer, Event, FieldError, HistoryEntry, Person, PlaceOfWork, Registration, RegistrationId,
    RegistrationInput, format_brussels, format_utc,
};
use ciao_service::{Caller, CancelInput, ItemResult};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authenticated;
use crate::problem::{In, InputIssue, Problem};

pub const MAX_BODY: usize = 1024 * 1024;
pub const MAX_ITEMS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/presenceRegistrations/registerInBulk", post(register_in_bulk))
        .route("/presenceRegistrations", get(search))
        .route("/presenceRegistrations/{id}", get(get_registration))
        .route("/presenceRegistrations/{id}/cancel", post(cancel))
}

/// An operation that takes no query parameters refuses any, each named: a
/// client that believes in a `dryRun=true` must not get a real
/// registration, nor a `force=1` a cancellation it did not mean.
pub(crate) fn no_query(query: Option<&str>) -> Result<(), Problem> {
    let Some(query) = query.filter(|q| !q.is_empty()) else { return Ok(()) };
    let mut names: Vec<String> = match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
        Ok(params) => params.into_iter().map(|(k, _)| k).collect(),
        Err(_) => vec![String::new()],
    };
    names.dedup();
    let errors = names
        .into_iter()
        .map(|name| FieldError::new(name, "parameter.unknown", "this operation takes no query parameters"))
        .collect();
    Err(Problem::invalid_fields(In::Query, errors))
}

// ---------------------------------------------------------------- request DTOs

/// The employer: a Belgian enterprise number, or the VAT number of a foreign company.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmployerDto {
    /// 10 digits, first digit 0 or 1 (`0123456749` or `0123.456.749`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_number: Option<String>,
    /// Country code and number, e.g. `FR12345678901`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_vat_number: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoordinatesDto {
    pub latitude: f64,
    pub longitude: f64,
    /// How precise the position is: the radius in metres within which the
    /// device places it (as a phone's geolocation reports it), 0 to 100,000.
    /// The distance remark takes it into account. An extension of ciao.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressDto {
    pub post_code: String,
    pub municipality_name: String,
    pub street_name: String,
    pub house_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box_number: Option<String>,
}

/// Where the work was done: coordinates or an address.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOfWorkDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<CoordinatesDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressDto>,
}

/// One presence to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistrationItem {
    /// The instant of the IN or OUT, RFC 3339 with an offset (`2024-09-02T06:58:00Z`).
    /// At most 10 minutes before and 2 minutes after the server time (configurable).
    // Option only to answer a missing member with the API's own refusal;
    // in the document it is a required string, not nullable.
    #[schema(required = true, value_type = String)]
    pub registration_date: Option<String>,
    /// `IN` at the start of work or the end of a break, `OUT` at the end of work or the start of a break.
    #[serde(rename = "type")]
    #[schema(required = true, value_type = String, pattern = "^(IN|OUT)$")]
    pub kind: Option<String>,
    /// SSIN (INSZ/NISS) of the person, 11 digits; or give `limosaId`.
    pub ssin: Option<String>,
    /// Limosa id of a posted worker, instead of `ssin`.
    pub limosa_id: Option<String>,
    #[schema(required = true, value_type = EmployerDto)]
    pub employer: Option<EmployerDto>,
    /// The number of the declaration of works (13 characters `[A-HJ-NP-Z0-9]`).
    #[schema(required = true, value_type = String)]
    pub contractual_relationship_reference: Option<String>,
    pub place_of_work: Option<PlaceOfWorkDto>,
    /// The caller's own reference, at most 24 characters. A second item
    /// with the same reference from the same sender for the same presence
    /// (same registrationDate, type, person, employer and declaration)
    /// returns the first registration instead of creating another; one
    /// for another presence is refused (`clientReference.reused`).
    pub client_reference: Option<String>,
}

impl RegistrationItem {
    fn into_input(self) -> RegistrationInput {
        let employer_given = self.employer.is_some();
        let (enterprise, foreign) = match self.employer {
            Some(e) => (e.enterprise_number, e.foreign_vat_number),
            None => (None, None),
        };
        let place_of_work_given = self.place_of_work.is_some();
        let accuracy = self.place_of_work.as_ref().and_then(|p| p.coordinates.as_ref()).and_then(|c| c.accuracy);
        let (coordinates, address) = match self.place_of_work {
            Some(p) => (
                p.coordinates.map(|c| (c.latitude, c.longitude)),
                p.address.map(|a| Address {
                    post_code: a.post_code,
                    municipality_name: a.municipality_name,
                    street_name: a.street_name,
                    house_number: a.house_number,
                    box_number: a.box_number,
                }),
            ),
            None => (None, None),
        };
        RegistrationInput {
            registration_date: self.registration_date,
            kind: self.kind,
            ssin: self.ssin,
            limosa_id: self.limosa_id,
            employer_enterprise_number: enterprise,
            employer_foreign_vat_number: foreign,
            employer_given,
            declaration: self.contractual_relationship_reference,
            coordinates,
            accuracy,
            address,
            place_of_work_given,
            client_reference: self.client_reference,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInBulkRequest {
    /// 1 to 200 items.
    pub items: Vec<RegistrationItem>,
}

/// Why a registration is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// `HOLIDAY`, `DISEASE`, `PLANNING`, `C32A` or `OTHER` (which needs a comment).
    #[schema(required = true, value_type = String)]
    pub reason: Option<String>,
    /// At most 500 characters.
    pub comment: Option<String>,
}

// --------------------------------------------------------------- response DTOs

#[derive(Debug, Serialize, ToSchema)]
pub struct RemarkDto {
    /// Stable code of the remark.
    pub code: String,
    /// The official description where one exists.
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SenderDto {
    /// The client id of the registration system that sent it.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_number: Option<String>,
}

/// One event of a registration's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDto {
    /// `created`, `validated` or `cancelled`.
    pub event: String,
    /// When it happened (UTC).
    pub at: String,
    /// The same instant in Belgian legal time, with its offset.
    pub at_brussels: String,
    /// The validity after this event.
    pub validity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<Vec<RemarkDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// A stored presence registration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRegistrationDto {
    /// The id, which is also the receipt number (at most 15 digits).
    pub id: i64,
    /// The instant of the IN/OUT as given, in UTC.
    pub registration_date: String,
    /// The same instant in Belgian legal time, with its offset.
    pub registration_date_brussels: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limosa_id: Option<String>,
    pub employer: EmployerDto,
    pub contractual_relationship_reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_of_work: Option<PlaceOfWorkDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_reference: Option<String>,
    /// `rest` or `smartphone`.
    pub channel: String,
    pub sender: SenderDto,
    /// When the server received it (UTC).
    pub created_at: String,
    /// The same instant in Belgian legal time, with its offset.
    pub created_at_brussels: String,
    /// Smartphone channel: the issue instant of the site display's rotating
    /// QR code the worker scanned (presence proven on site when fresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_code_issued_at: Option<String>,
    /// `pending` until validated, then `valid` or `invalid`; or `cancelled`.
    pub validity: String,
    pub remarks: Vec<RemarkDto>,
    /// Every event, oldest first (only when one registration is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryDto>>,
}

fn remarks(r: &[ciao_domain::Remark]) -> Vec<RemarkDto> {
    r.iter().map(|r| RemarkDto { code: r.code.clone(), description: r.description.clone() }).collect()
}

fn history_dto(h: &HistoryEntry) -> HistoryDto {
    let (at, at_brussels) = (format_utc(h.at), format_brussels(h.at));
    match &h.event {
        Event::Created => HistoryDto {
            event: "created".into(),
            at,
            at_brussels,
            validity: "pending".into(),
            remarks: None,
            reason: None,
            comment: None,
            by: None,
        },
        Event::Validated { validity, remarks: r } => HistoryDto {
            event: "validated".into(),
            at,
            at_brussels,
            validity: validity.as_str().into(),
            remarks: Some(remarks(r)),
            reason: None,
            comment: None,
            by: None,
        },
        Event::Cancelled { reason, comment, by } => HistoryDto {
            event: "cancelled".into(),
            at,
            at_brussels,
            validity: "cancelled".into(),
            remarks: None,
            reason: Some(reason.as_str().into()),
            comment: comment.clone(),
            by: Some(by.clone()),
        },
    }
}

impl PresenceRegistrationDto {
    pub fn of(r: &Registration, with_history: bool) -> Self {
        let d = &r.data;
        let (ssin, limosa_id) = match &d.person {
            Person::Ssin(s) => (Some(s.as_str().to_string()), None),
            Person::Limosa(l) => (None, Some(l.as_str().to_string())),
        };
        let employer = match &d.employer {
            Employer::Enterprise(e) => {
                EmployerDto { enterprise_number: Some(e.as_str().into()), foreign_vat_number: None }
            }
            Employer::ForeignVat(v) => {
                EmployerDto { enterprise_number: None, foreign_vat_number: Some(v.as_str().into()) }
            }
        };
        let place_of_work = d.place_of_work.as_ref().map(|p| match p {
            PlaceOfWork::Coordinates { latitude, longitude, accuracy } => PlaceOfWorkDto {
                coordinates: Some(CoordinatesDto { latitude: *latitude, longitude: *longitude, accuracy: *accuracy }),
                address: None,
            },
            PlaceOfWork::Address(a) => PlaceOfWorkDto {
                coordinates: None,
                address: Some(AddressDto {
                    post_code: a.post_code.clone(),
                    municipality_name: a.municipality_name.clone(),
                    street_name: a.street_name.clone(),
                    house_number: a.house_number.clone(),
                    box_number: a.box_number.clone(),
                }),
            },
        });
        Self {
            id: r.id.get(),
            registration_date: format_utc(d.registration_date),
            registration_date_brussels: format_brussels(d.registration_date),
            kind: d.kind.as_str().into(),
            ssin,
            limosa_id,
            employer,
            contractual_relationship_reference: d.declaration.as_str().into(),
            place_of_work,
            client_reference: d.client_reference.clone(),
            channel: d.channel.as_str().into(),
            sender: SenderDto {
                id: d.sender.id.clone(),
                enterprise_number: d.sender.enterprise.as_ref().map(|e| e.as_str().into()),
            },
            created_at: format_utc(d.created_at),
            created_at_brussels: format_brussels(d.created_at),
            site_code_issued_at: d.site_code_issued_at.map(format_utc),
            validity: r.validity.as_str().into(),
            remarks: remarks(&r.remarks),
            history: with_history.then(|| r.history.iter().map(history_dto).collect()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemErrorDto {
    /// The rule that failed, e.g. `ssin.checkDigit` or `registrationDate.tooOld`.
    pub code: String,
    pub description: String,
    /// The field, e.g. `items[3].ssin`.
    pub field: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotCreatedDto {
    /// The item as it was sent.
    #[schema(value_type = Object)]
    pub item: Value,
    pub errors: Vec<ItemErrorDto>,
}

/// The result for one item: exactly one of the two fields is present.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkItemResultDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_presence_registration: Option<PresenceRegistrationDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_created_presence_registration: Option<NotCreatedDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterInBulkResponse {
    /// One result per item, in the order of the request.
    pub items: Vec<BulkItemResultDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub items: Vec<PresenceRegistrationDto>,
    /// How many registrations match in all.
    pub total: u64,
    /// The absolute URL of the next page, absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

// -------------------------------------------------------------------- helpers

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads a JSON body: right content type, at most 1 MiB, well-formed.
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, Problem> {
    let bytes = json_bytes(headers, body).await?;
    parse_json(&bytes)
}

/// Reads the bytes of a JSON body: right content type, at most 1 MiB.
async fn json_bytes(headers: &HeaderMap, body: Body) -> Result<Bytes, Problem> {
    if !is_json(headers) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "belgif:unsupportedMediaType",
            "Unsupported Media Type",
            "send the body as application/json",
        ));
    }
    // A compressed body is not read as JSON (its bytes would be refused as
    // "not valid JSON", which hides the cause).
    if let Some(encoding) = headers.get(header::CONTENT_ENCODING) {
        let encoding = encoding.to_str().unwrap_or("?").trim();
        if !encoding.eq_ignore_ascii_case("identity") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "belgif:unsupportedMediaType",
                "Unsupported Media Type",
                format!("Content-Encoding {encoding:?} is not supported: send the body uncompressed"),
            ));
        }
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "belgif:payloadTooLarge",
            "Payload Too Large",
            format!("the body is larger than {MAX_BODY} bytes"),
        )
    };
    // A body announced larger than the limit is refused before it is read
    // (a client announcing gigabytes and sending nothing is not waited for).
    let announced = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        if crate::server::is_length_limit(&e) {
            too_large()
        } else {
            Problem::bad_request(format!("the body could not be read: {e}"), Vec::new())
        }
    })
}

/// The body as JSON, each object's members once.
fn parse_json(bytes: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice::<UniqueMembers>(bytes).map(|v| v.0).map_err(|e| {
        let duplicate = e.to_string().contains(DUPLICATE_MEMBER);
        // RFC 8259 section 8.1: JSON text is sent without a byte-order mark.
        let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
            " (it starts with a UTF-8 byte-order mark: send it without)"
        } else {
            ""
        };
        Problem::bad_request(
            format!("the body is not valid JSON{bom}: {e}"),
            vec![InputIssue {
                kind: "urn:problem-type:belgif:input-validation:schemaViolation".into(),
                title: "Input isn't valid JSON".into(),
                location: In::Body,
                name: String::new(),
                code: if duplicate { "json.duplicateMember" } else { "json.syntax" }.into(),
                detail: e.to_string(),
            }],
        )
    })
}

const DUPLICATE_MEMBER: &str = "appears twice in one object";

/// A bulk body whose items are only checked to be well-formed JSON: read
/// when the whole body is not valid for [`parse_json`], so that an item
/// that alone breaks a rule of JSON as ciao reads it (a member given twice,
/// a number beyond the range of a double) is refused on its own and the
/// others registered ("one bad item never blocks the others").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBulk<'a> {
    #[serde(borrow)]
    items: Vec<&'a serde_json::value::RawValue>,
}

/// The items of a bulk body that [`parse_json`] refused, each read on its
/// own; None when the body is not a well-formed `{"items": [...]}` (the
/// whole body's refusal stands).
fn items_one_by_one(bytes: &[u8]) -> Option<Vec<Result<Value, FieldError>>> {
    let bulk: RawBulk = serde_json::from_slice(bytes).ok()?;
    let items = bulk
        .items
        .into_iter()
        .map(|raw| {
            serde_json::from_str::<UniqueMembers>(raw.get()).map(|v| v.0).map_err(|e| {
                let message = e.to_string();
                let at = member_before(raw.get(), offset_of(raw.get(), e.line(), e.column()));
                let (code, member) = if message.contains(DUPLICATE_MEMBER) {
                    // The path of its object, and the member given twice.
                    let name = message.split('"').nth(1).unwrap_or_default();
                    let path = at.map_or_else(
                        || name.to_string(),
                        |p| if p.is_empty() { name.to_string() } else { format!("{p}.{name}") },
                    );
                    ("json.duplicateMember", Some(path))
                } else {
                    ("json.syntax", at)
                };
                // serde's place ("at line 1 column 40") counts from the
                // item, not the body: left out.
                let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                FieldError::new(member.unwrap_or_default(), code, format!("the item is not valid JSON: {message}"))
            })
        })
        .collect();
    Some(items)
}

/// The byte offset of serde's 1-based `line` and `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The path of the member whose value is at byte `offset` of `item`, as
/// the other refusals name fields: `placeOfWork.coordinates.latitude`;
/// empty for the item itself.
fn member_before(item: &str, offset: usize) -> Option<String> {
    let before = item.get(..offset)?;
    // Open objects (with the member being read) and arrays (with the index).
    enum Open {
        Object(Option<String>),
        Array(usize),
    }
    let mut open: Vec<Open> = Vec::new();
    let mut string: Option<String> = None;
    let mut last_string = String::new();
    let mut chars = before.chars();
    while let Some(c) = chars.next() {
        if let Some(s) = string.as_mut() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => last_string = string.take().unwrap_or_default(),
                c => s.push(c),
            }
            continue;
        }
        match c {
            '"' => string = Some(String::new()),
            '{' => open.push(Open::Object(None)),
            '[' => open.push(Open::Array(0)),
            '}' | ']' => {
                open.pop();
            }
            ':' => {
                if let Some(Open::Object(member)) = open.last_mut() {
                    *member = Some(std::mem::take(&mut last_string));
                }
            }
            ',' => match open.last_mut() {
                Some(Open::Object(member)) => *member = None,
                Some(Open::Array(i)) => *i += 1,
                None => {}
            },
            _ => {}
        }
    }
    let mut path = String::new();
    for o in &open {
        match o {
            Open::Object(Some(member)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(member);
            }
            Open::Object(None) => {}
            Open::Array(i) => path.push_str(&format!("[{i}]")),
        }
    }
    Some(path)
}

/// A JSON value whose objects have each member once: `{"type":"IN",
/// "type":"OUT"}` is refused rather than read as its last member (RFC 8259
/// leaves the meaning to the reader; two readers could disagree on it).
/// Costs what reading a `Value` costs: the duplicate is found by the insert.
struct UniqueMembers(Value);

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueMembersVisitor)
    }
}

struct UniqueMembersVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueMembersVisitor {
    type Value = UniqueMembers;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::from(n)))
    }

    fn visit_f64<E>(self, n: f64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E>(self, s: &str) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::String(s)))
    }

    fn visit_unit<E>(self) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::Null))
    }

    fn visit_none<E>(self) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers(Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<UniqueMembers, D::Error> {
        UniqueMembers::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueMembers, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(UniqueMembers(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(UniqueMembers(Value::Array(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueMembers, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            match members.entry(name) {
                serde_json::map::Entry::Vacant(slot) => {
                    let UniqueMembers(v) = map.next_value()?;
                    slot.insert(v);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(serde::de::Error::custom(format!("the member {:?} {DUPLICATE_MEMBER}", slot.key())));
                }
            }
        }
        Ok(UniqueMembers(Value::Object(members)))
    }
}

/// What [`typed`] reads: a request's body, or item `i` of a bulk request.
#[derive(Debug, Clone, Copy)]
enum Whole {
    Body,
    Item(usize),
}

/// `v` as a `T`, with the path of the failing field; read from the
/// borrowed value (the items of a bulk request are kept to be echoed with
/// their errors: no copy of each is needed). `whole` names `v` in the
/// descriptions (`items[3]`, `the body`), before the member's path.
///
/// The request bodies read this way (an item, a cancellation) hold objects
/// and values but no list: an array anywhere is refused at its path (serde
/// would read an object from an array by field order, so that
/// `"coordinates": [4.35, 50.8]` became a latitude of 4.35).
///
/// A value of the wrong type is described in JSON's words, with its path:
/// `items[0].employer must be a JSON object, not a string` (serde's own words
/// name the Rust type it was reading into: `expected struct EmployerDto`).
fn typed<T: DeserializeOwned>(v: &Value, whole: Whole) -> Result<T, FieldError> {
    // Only for a refusal: every item of every request goes through here.
    let described = |path: &str| match (whole, path) {
        (Whole::Body, "") => "the body".to_string(),
        (Whole::Body, p) => p.to_string(),
        (Whole::Item(i), "") => format!("items[{i}]"),
        (Whole::Item(i), p) => format!("items[{i}].{p}"),
    };
    if let Some(path) = first_array(v) {
        return Err(FieldError::new(
            path.clone(),
            "json.type",
            format!("{} is a JSON array; an object or a single value is expected here", described(&path)),
        ));
    }
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        let parent = if path == "." { String::new() } else { path };
        let message = e.inner().to_string();
        // A missing member is named by its own path, not its object's:
        // `placeOfWork.coordinates.latitude` (an unknown one already is).
        let member =
            message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(name, _)| name);
        let field = match member {
            Some(name) if parent.is_empty() => name.to_string(),
            Some(name) => format!("{parent}.{name}"),
            None => parent,
        };
        if message.starts_with("unknown field") {
            FieldError::new(field, "json.unknownField", message)
        } else if message.starts_with("missing field") {
            FieldError::new(field, "required", message)
        } else {
            let found = member_at(v, &field).map_or("another JSON type", json_type);
            let description = match expected_json_type(&message) {
                Some(expected) => format!("{} must be a JSON {expected}, not {found}", described(&field)),
                None => format!("{} cannot be {found}", described(&field)),
            };
            FieldError::new(field, "json.type", description)
        }
    })
}

/// The member of `v` at a path `a.b.c` (empty: `v` itself).
fn member_at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |v, name| v.get(name))
}

/// A JSON value's type, as JSON names it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON type serde expected, from the end of its message (`invalid
/// type: string "x", expected struct EmployerDto`: an object), in JSON's
/// words; `None` for an expectation that is no JSON type.
fn expected_json_type(message: &str) -> Option<&'static str> {
    let expected = message.rsplit_once(", expected ")?.1.trim_end_matches('.');
    let number = ["f32", "f64", "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "usize", "isize"];
    Some(match expected {
        e if e.starts_with("struct ") || e.starts_with("a map") || e == "map" => "object",
        e if e.starts_with("a string") || e == "a borrowed string" || e == "a character" || e == "string" => "string",
        e if number.contains(&e) || e.contains("number") || e.contains("integer") => "number",
        e if e.starts_with("a boolean") || e == "bool" => "boolean",
        _ => return None,
    })
}

/// The path (`a.b`, empty for `v` itself) of the first JSON array in `v`,
/// if any. Built only once one is found: every item of every request goes
/// through here.
fn first_array(v: &Value) -> Option<String> {
    match v {
        Value::Array(_) => Some(String::new()),
        Value::Object(fields) => fields.iter().find_map(|(name, value)| {
            first_array(value).map(|inner| if inner.is_empty() { name.clone() } else { format!("{name}.{inner}") })
        }),
        _ => None,
    }
}

/// The registration id of the path; a path that is not even text (bytes
/// that are not UTF-8) is refused like a malformed id.
fn path_id(id: Result<Path<String>, PathRejection>) -> Result<RegistrationId, Problem> {
    match id {
        Ok(Path(id)) => parse_id(&id),
        Err(e) => Err(Problem::invalid_fields(
            In::Path,
            vec![FieldError::new("id", "id.format", format!("the id in the path cannot be read: {}", e.body_text()))],
        )),
    }
}

fn parse_id(id: &str) -> Result<RegistrationId, Problem> {
    RegistrationId::parse(id).map_err(|e| Problem::invalid_fields(In::Path, vec![FieldError::from_invalid("id", e)]))
}

// ------------------------------------------------------------------- handlers

/// Register one or more presences (IN or OUT) in real time.
///
/// Each item is created or refused on its own: the answer has one result per
/// item, in order, and one bad item never blocks the others.
#[utoipa::path(
    post,
    path = "/REST/presenceRegistration/v1/presenceRegistrations/registerInBulk",
    tag = "presenceRegistrations",
    request_body = RegisterInBulkRequest,
    responses(
        (status = 200, description = "One result per item", body = RegisterInBulkResponse),
        (status = 400, description = "The request as a whole is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:register"]))
)]
pub async fn register_in_bulk(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RegisterInBulkResponse>, Problem> {
    // The token's scope is checked before anything the request holds (path,
    // content type, body, query): a client without the scope learns nothing
    // of the rules of what it may not send (the service checks it again).
    caller.require(Permission::Register)?;
    no_query(query.as_deref())?;
    let bytes = json_bytes(&headers, body).await?;
    let value = match parse_json(&bytes) {
        Ok(value) => value,
        // An item only may be at fault: each is read on its own.
        Err(refused) => match items_one_by_one(&bytes) {
            Some(items) => return register_items(&state, &caller, items).await,
            None => return Err(refused),
        },
    };
    let mut top = match value {
        Value::Object(top) => top,
        other => {
            return Err(Problem::invalid_fields(
                In::Body,
                vec![FieldError::new(
                    "",
                    "json.type",
                    format!("the body must be a JSON object {{\"items\": [...]}}, not {}", json_type(&other)),
                )],
            ));
        }
    };
    if let Some(extra) = top.keys().find(|k| *k != "items") {
        return Err(Problem::invalid_fields(
            In::Body,
            vec![FieldError::new(extra.clone(), "json.unknownField", "unknown field; the body has only items")],
        ));
    }
    let items = match top.remove("items") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Problem::invalid_fields(
                In::Body,
                vec![FieldError::new(
                    "items",
                    "json.type",
                    format!("items must be a JSON array, not {}", json_type(&other)),
                )],
            ));
        }
        None => {
            return Err(Problem::invalid_fields(In::Body, vec![FieldError::required("items")]));
        }
    };
    register_items(&state, &caller, items.into_iter().map(Ok).collect()).await
}

/// Registers the items of a bulk request, each read as JSON already (or
/// refused as such).
async fn register_items(
    state: &AppState,
    caller: &Caller,
    items: Vec<Result<Value, FieldError>>,
) -> Result<Json<RegisterInBulkResponse>, Problem> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(Problem::invalid_fields(
            In::Body,
            vec![FieldError::new(
                "items",
                "items.count",
                format!("items holds 1 to {MAX_ITEMS} registrations, not {}", items.len()),
            )],
        ));
    }
    let mut inputs = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        inputs.push(match v {
            Ok(v) => {
                typed::<RegistrationItem>(v, Whole::Item(i)).map(RegistrationItem::into_input).map_err(|e| vec![e])
            }
            Err(e) => Err(vec![e.clone()]),
        });
    }
    let results = state.service.register(caller, Channel::Rest, inputs).await?;
    // An item that is not JSON as ciao reads it is echoed as null.
    let items = items.into_iter().map(Result::unwrap_or_default);
    let items = results
        .into_iter()
        .zip(items)
        .enumerate()
        .map(|(i, (r, item))| match r {
            ItemResult::Created(reg) => BulkItemResultDto {
                created_presence_registration: Some(PresenceRegistrationDto::of(&reg, false)),
                not_created_presence_registration: None,
            },
            ItemResult::NotCreated(errors) => BulkItemResultDto {
                created_presence_registration: None,
                not_created_presence_registration: Some(NotCreatedDto {
                    item,
                    errors: errors
                        .into_iter()
                        .map(|e| {
                            let e = e.prefixed(&format!("items[{i}]"));
                            ItemErrorDto { code: e.code, description: e.description, field: e.field }
                        })
                        .collect(),
                }),
            },
        })
        .collect();
    Ok(Json(RegisterInBulkResponse { items }))
}

/// One registration with its whole history.
#[utoipa::path(
    get,
    path = "/REST/presenceRegistration/v1/presenceRegistrations/{id}",
    tag = "presenceRegistrations",
    params(("id" = String, Path, description = "The registration id (receipt number)")),
    responses(
        (status = 200, body = PresenceRegistrationDto),
        (status = 400, description = "The id is not a registration id", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:consult"]))
)]
pub async fn get_registration(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<PresenceRegistrationDto>, Problem> {
    caller.require(Permission::Consult)?;
    let id = path_id(id)?;
    no_query(query.as_deref())?;
    let r = state.service.registration(&caller, id).await?;
    Ok(Json(PresenceRegistrationDto::of(&r, true)))
}

/// Search registrations.
///
/// `registrationDateFrom` and `registrationDateTo` are required and at most
/// 31 days apart; a date (`YYYY-MM-DD`) means that whole day in Brussels, a
/// date-time is taken as is. The caller sees only the registrations it may
/// consult.
#[utoipa::path(
    get,
    path = "/REST/presenceRegistration/v1/presenceRegistrations",
    tag = "presenceRegistrations",
    params(
        ("registrationDateFrom" = String, Query, description = "Start of the period (date or RFC 3339 date-time)"),
        ("registrationDateTo" = String, Query, description = "End of the period, included (date or date-time)"),
        ("ssin" = Option<String>, Query, description = "The person's SSIN"),
        ("limosaId" = Option<String>, Query, description = "The posted worker's Limosa id"),
        ("enterpriseNumber" = Option<String>, Query, description = "The employer"),
        ("contractualRelationshipReference" = Option<String>, Query, description = "The declaration of works"),
        ("validity" = Option<String>, Query, description = "pending, valid, invalid, cancelled; several separated by commas"),
        ("remark" = Option<String>, Query, description = "Remark code or official text; several separated by commas (registrations with any of them)"),
        ("type" = Option<String>, Query, description = "IN or OUT"),
        ("createdFrom" = Option<String>, Query, description = "Received from (date or date-time)"),
        ("createdTo" = Option<String>, Query, description = "Received until, included"),
        ("sort" = Option<String>, Query, description = "id, registrationDate (default) or createdAt; prefix - for descending"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "1 to 500, default 50"),
        ("after" = Option<String>, Query, description = "Keyset paging instead of page: the rows after this cursor \
            (KEY.ID, as found in a keyset answer's next link) in the sort order; empty: from the first row"),
    ),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:consult"]))
)]
pub async fn search(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> Result<Json<SearchResponse>, Problem> {
    caller.require(Permission::Consult)?;
    let query = query.unwrap_or_default();
    let params: Vec<(String, String)> = serde_urlencoded::from_str(&query)
        .map_err(|e| Problem::bad_request(format!("the query string cannot be read: {e}"), Vec::new()))?;
    let criteria = SearchCriteria::parse(&params).map_err(|errors| Problem::invalid_fields(In::Query, errors))?;
    let page = state.service.search(&caller, &criteria).await?;
    // Keyset mode (`after` given): the next page continues after the last row.
    let keyset = criteria.after.is_some();
    let more = if keyset { page.next.is_some() } else { criteria.offset() + (page.items.len() as u64) < page.total };
    let next = more.then(|| {
        let mut next_params: Vec<(String, String)> =
            params.into_iter().filter(|(k, _)| k != "page" && k != "after").collect();
        match page.next.filter(|_| keyset) {
            Some(cursor) => next_params.push(("after".into(), cursor.to_param())),
            None => next_params.push(("page".into(), (criteria.page + 1).to_string())),
        }
        format!(
            "{}{}/presenceRegistrations?{}",
            state.public_url(),
            crate::API_BASE,
            serde_urlencoded::to_string(&next_params).unwrap_or_default()
        )
    });
    Ok(Json(SearchResponse {
        items: page.items.iter().map(|r| PresenceRegistrationDto::of(r, false)).collect(),
        total: page.total,
        next,
    }))
}

/// Cancel a registration the caller sent.
///
/// The registration stays, with validity `cancelled` and the cancellation in
/// its history.
#[utoipa::path(
    post,
    path = "/REST/presenceRegistration/v1/presenceRegistrations/{id}/cancel",
    tag = "presenceRegistrations",
    params(("id" = String, Path, description = "The registration id")),
    request_body = CancelRequest,
    responses(
        (status = 200, description = "The cancelled registration", body = PresenceRegistrationDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope, or the registration was sent by another registration system", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("oauth2" = ["scope:presenceregistration:register"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PresenceRegistrationDto>, Problem> {
    caller.require(Permission::Register)?;
    let id = path_id(id)?;
    no_query(query.as_deref())?;
    let value = json_body(&headers, body).await?;
    let req: CancelRequest = typed(&value, Whole::Body).map_err(|e| Problem::invalid_fields(In::Body, vec![e]))?;
    let r = state.service.cancel(&caller, id, CancelInput { reason: req.reason, comment: req.comment }).await?;
    Ok(Json(PresenceRegistrationDto::of(&r, true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_json_fault_in_an_item_is_placed_at_its_member() {
        let at = |item: &str, needle: &str| {
            let offset = item.find(needle).unwrap() + needle.len();
            member_before(item, offset).unwrap()
        };
        let item = r#"{"type": "IN", "placeOfWork": {"coordinates": {"latitude": 1e400"#;
        assert_eq!(at(item, "1e400"), "placeOfWork.coordinates.latitude");
        assert_eq!(at(item, r#""IN""#), "type");
        assert_eq!(at(r#"{"a": [1, {"b": "x,y:z\"", "c": 1e400"#, "1e400"), "a[1].c");
        assert_eq!(at(r#""\ud800""#, "ud800"), "");
        // serde's line and column, on a pretty-printed item.
        let pretty = "{\n  \"type\": \"IN\",\n  \"latitude\": 1e400\n}";
        let e = serde_json::from_str::<UniqueMembers>(pretty).err().unwrap();
        assert_eq!(member_before(pretty, offset_of(pretty, e.line(), e.column())).unwrap(), "latitude");
    }

    fn refusal(item: Value) -> FieldError {
        typed::<RegistrationItem>(&item, Whole::Item(0)).unwrap_err()
    }

    #[test]
    fn a_missing_or_unknown_member_is_named_by_its_own_path() {
        let e = refusal(json!({"placeOfWork": {"coordinates": {}}}));
        assert_eq!((e.field.as_str(), e.code.as_str()), ("placeOfWork.coordinates.latitude", "required"));
        let e = refusal(json!({"placeOfWork": {"coordinates": {"latitude": 1.0, "longitude": 2.0, "height": 3}}}));
        assert_eq!((e.field.as_str(), e.code.as_str()), ("placeOfWork.coordinates.height", "json.unknownField"));
        let e = refusal(json!({"typo": 1}));
        assert_eq!((e.field.as_str(), e.code.as_str()), ("typo", "json.unknownField"));
        let e = refusal(json!({"ssin": 7}));
        assert_eq!((e.field.as_str(), e.code.as_str()), ("ssin", "json.type"));
    }

    #[test]
    fn a_wrong_type_is_named_in_json_words_with_its_path() {
        for (item, field, description) in [
            (json!({"employer": "x"}), "employer", "items[0].employer must be a JSON object, not a string"),
            (json!({"ssin": 7}), "ssin", "items[0].ssin must be a JSON string, not a number"),
            (json!({"type": true}), "type", "items[0].type must be a JSON string, not a boolean"),
            (
                json!({"placeOfWork": {"coordinates": {"latitude": "50.8", "longitude": 4.35}}}),
                "placeOfWork.coordinates.latitude",
                "items[0].placeOfWork.coordinates.latitude must be a JSON number, not a string",
            ),
            (
                json!({"placeOfWork": {"coordinates": {"latitude": null, "longitude": 4.35}}}),
                "placeOfWork.coordinates.latitude",
                "items[0].placeOfWork.coordinates.latitude must be a JSON number, not null",
            ),
            (json!({"placeOfWork": 1}), "placeOfWork", "items[0].placeOfWork must be a JSON object, not a number"),
            (json!("x"), "", "items[0] must be a JSON object, not a string"),
        ] {
            let e = refusal(item);
            assert_eq!((e.field.as_str(), e.code.as_str(), e.description.as_str()), (field, "json.type", description));
        }
        let e = typed::<CancelRequest>(&json!({"reason": {"a": 1}}), Whole::Body).unwrap_err();
        assert_eq!(e.description, "reason must be a JSON string, not an object");
        let e = typed::<CancelRequest>(&json!(5), Whole::Body).unwrap_err();
        assert_eq!(e.description, "the body must be a JSON object, not a number");
    }

    #[test]
    fn a_member_twice_is_refused_and_everything_else_read_as_a_value() {
        let read = |s: &str| serde_json::from_str::<UniqueMembers>(s).map(|v| v.0);
        let e = read(r#"{"items":[{"type":"IN","ssin":"1","type":"OUT"}]}"#).unwrap_err();
        assert!(e.to_string().contains(r#"the member "type" appears twice in one object"#), "{e}");
        // The same name in two objects, or nested, is fine.
        let text = r#"{"a":[{"x":1},{"x":-2.5e3,"y":null}],"b":{"a":true,"s":"éé"},"n":18446744073709551615}"#;
        assert_eq!(read(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        assert!(read("[1, 2").is_err());
        assert!(read("1e999").is_err());
    }

    #[test]
    fn an_empty_place_of_work_is_refused() {
        let item: RegistrationItem = typed(&json!({"placeOfWork": {}}), Whole::Item(0)).unwrap();
        let errors = item.into_input().validate(time::OffsetDateTime::now_utc(), Default::default()).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "placeOfWork" && e.code == "placeOfWork.empty"), "{errors:?}");
    }
}
