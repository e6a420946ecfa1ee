//! Search criteria for registrations, parsed from query parameters.

use time::{Date, Duration, OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

use crate::clock::brussels_start_of_day;
use crate::ids::{DeclarationNumber, EnterpriseNumber, LimosaId, Ssin};
use crate::registration::{FieldError, RegistrationType, Validity, parse_instant};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;
pub const MAX_PERIOD_DAYS: i64 = 31;
const MAX_PAGE: u32 = 1_000_000;

pub const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

pub fn parse_date(s: &str) -> Option<Date> {
    parse_any_date(s).filter(|d| crate::clock::YEARS.contains(&d.year()))
}

/// A date `YYYY-MM-DD` of any year the calendar holds: for dates already
/// stored (what was accepted once stays readable); input goes through
/// [`parse_date`].
pub fn parse_any_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), DATE_FORMAT).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    RegistrationDate,
    CreatedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub const VALUES: &'static str =
        "id, registrationDate, createdAt, each optionally preceded by - for descending order";

    pub fn parse(s: &str) -> Option<Self> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let key = match name {
            "id" => SortKey::Id,
            "registrationDate" => SortKey::RegistrationDate,
            "createdAt" => SortKey::CreatedAt,
            _ => return None,
        };
        Some(Self { key, descending })
    }
}

/// What to search for. The registration period is required, `from`
/// inclusive and `to` exclusive, at most 31 days.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchCriteria {
    pub registration_from: OffsetDateTime,
    pub registration_to: OffsetDateTime,
    pub ssin: Option<Ssin>,
    pub limosa_id: Option<LimosaId>,
    pub enterprise_number: Option<EnterpriseNumber>,
    pub declaration: Option<DeclarationNumber>,
    pub validity: Vec<Validity>,
    /// Remark codes: registrations with any of them.
    pub remarks: Vec<String>,
    pub kind: Option<RegistrationType>,
    pub created_from: Option<OffsetDateTime>,
    pub created_to: Option<OffsetDateTime>,
    pub sort: Sort,
    pub page: u32,
    pub page_size: u32,
    /// Keyset pagination: the rows after this one in the sort order (instead
    /// of `page`), so that a deep page costs what the first one does.
    pub after: Option<Cursor>,
    /// Count at most this many rows for `total` (a screen needs "more than
    /// 10,000", not an exact count of millions). None: count them all.
    pub count_limit: Option<u64>,
}

/// A position in a sorted result: the sort key's value (microseconds for an
/// instant, the id when sorting by id) and the id. Written `KEY.ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn to_param(self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    /// Before the first row of a sort order.
    pub fn start(descending: bool) -> Self {
        if descending { Self { key: i64::MAX, id: i64::MAX } } else { Self { key: i64::MIN, id: 0 } }
    }

    /// The position of a registration in a sort order by `key`.
    pub fn of(key: SortKey, r: &crate::Registration) -> Self {
        let key = match key {
            SortKey::Id => r.id.get(),
            SortKey::RegistrationDate => crate::clock::to_micros(r.data.registration_date),
            SortKey::CreatedAt => crate::clock::to_micros(r.data.created_at),
        };
        Self { key, id: r.id.get() }
    }

    /// A cursor as [`Cursor::to_param`] writes it: digits (the key with a
    /// `-` when negative), no sign `+`, no spaces.
    pub fn parse(s: &str) -> Option<Self> {
        let (key, id) = s.split_once('.')?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(key.strip_prefix('-').unwrap_or(key)) || !digits(id) {
            return None;
        }
        Some(Self { key: key.parse().ok()?, id: id.parse().ok().filter(|i: &i64| *i > 0)? })
    }
}

impl SearchCriteria {
    pub const PARAMETERS: [&'static str; 15] = [
        "registrationDateFrom",
        "registrationDateTo",
        "ssin",
        "limosaId",
        "enterpriseNumber",
        "contractualRelationshipReference",
        "validity",
        "remark",
        "type",
        "createdFrom",
        "createdTo",
        "sort",
        "page",
        "pageSize",
        "after",
    ];

    /// The criteria for a period and nothing else; handy for callers that
    /// build criteria in code.
    pub fn for_period(from: OffsetDateTime, to: OffsetDateTime) -> Self {
        Self {
            registration_from: from,
            registration_to: to,
            ssin: None,
            limosa_id: None,
            enterprise_number: None,
            declaration: None,
            validity: Vec::new(),
            remarks: Vec::new(),
            kind: None,
            created_from: None,
            created_to: None,
            sort: Sort { key: SortKey::RegistrationDate, descending: false },
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            after: None,
            count_limit: None,
        }
    }

    pub fn offset(&self) -> u64 {
        if self.after.is_some() { 0 } else { u64::from(self.page - 1) * u64::from(self.page_size) }
    }

    /// Parses query parameters; every bad or unknown parameter is reported.
    pub fn parse(params: &[(String, String)]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (k, _) in params {
            if k.is_empty() {
                // `?=x` or `&=x`: nothing to name but the rule.
                errors.push(FieldError::new(k, "parameter.unnamed", "a query parameter has no name (=value)"));
            } else if !Self::PARAMETERS.contains(&k.as_str()) {
                errors.push(FieldError::new(
                    k,
                    "parameter.unknown",
                    format!("unknown query parameter; known are: {}", Self::PARAMETERS.join(", ")),
                ));
            } else if seen.contains(&k.as_str()) {
                errors.push(FieldError::new(k, "parameter.repeated", "this parameter may be given once"));
            } else {
                seen.push(k);
            }
        }
        let get = |name: &str| {
            params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
        };

        let from = match get("registrationDateFrom") {
            None => {
                errors.push(FieldError::required("registrationDateFrom"));
                None
            }
            Some(v) => bound(v, false, "registrationDateFrom", &mut errors),
        };
        let to = match get("registrationDateTo") {
            None => {
                errors.push(FieldError::required("registrationDateTo"));
                None
            }
            Some(v) => bound(v, true, "registrationDateTo", &mut errors),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                errors.push(FieldError::new(
                    "registrationDateTo",
                    "period.order",
                    "registrationDateTo comes after registrationDateFrom",
                ));
            } else if t - f > Duration::days(MAX_PERIOD_DAYS) + Duration::hours(1) {
                errors.push(FieldError::new(
                    "registrationDateTo",
                    "period.tooLong",
                    format!("the registration period covers at most {MAX_PERIOD_DAYS} days"),
                ));
            }
        }

        let ssin = parse_opt(get("ssin"), "ssin", Ssin::parse, &mut errors);
        let limosa_id = parse_opt(get("limosaId"), "limosaId", LimosaId::parse, &mut errors);
        if get("ssin").is_some() && get("limosaId").is_some() {
            // A registration names its person by one or the other: both
            // would find nothing, as registerInBulk refuses both.
            errors.push(FieldError::new(
                "limosaId",
                "person.exclusive",
                "give either ssin or limosaId, not both (a registration has one or the other)",
            ));
        }
        let enterprise_number =
            parse_opt(get("enterpriseNumber"), "enterpriseNumber", EnterpriseNumber::parse, &mut errors);
        let declaration = parse_opt(
            get("contractualRelationshipReference"),
            "contractualRelationshipReference",
            DeclarationNumber::parse,
            &mut errors,
        );

        // A parameter given empty is refused where it would otherwise be
        // silently ignored as a filter (an empty after starts keyset paging).
        for name in ["validity", "remark", "type", "ssin", "limosaId", "enterpriseNumber", "sort"] {
            if params.iter().any(|(k, v)| k == name && v.trim().is_empty()) {
                errors.push(FieldError::new(
                    name,
                    "parameter.empty",
                    format!("{name} is empty: give a value or leave it out"),
                ));
            }
        }
        let mut validity = Vec::new();
        if let Some(v) = get("validity") {
            for part in v.split(',') {
                match Validity::parse(part.trim()) {
                    Some(x) if !validity.contains(&x) => validity.push(x),
                    Some(_) => {}
                    None => errors.push(FieldError::new(
                        "validity",
                        "validity.value",
                        "validity is pending, valid, invalid or cancelled (several separated by commas)",
                    )),
                }
            }
        }

        // One remark or several (the SOAP search took a list of them),
        // separated by commas: registrations with any of them.
        let mut remarks: Vec<String> = Vec::new();
        if let Some(list) = get("remark") {
            for r in list.split(',') {
                match crate::remarks::RemarkKind::parse(r.trim()) {
                    Some(k) if !remarks.iter().any(|c| c == k.code()) => remarks.push(k.code().to_string()),
                    Some(_) => {}
                    None => errors.push(FieldError::new(
                        "remark",
                        "remark.value",
                        "remark is a remark code (such as RELATED_DIMONA_NOT_OK) or an official remark text, \
                         several separated by commas",
                    )),
                }
            }
        }

        let kind = match get("type") {
            None => None,
            Some(t) => {
                let k = RegistrationType::parse(t);
                if k.is_none() {
                    errors.push(FieldError::new("type", "type.value", "type is IN or OUT"));
                }
                k
            }
        };

        let created_from = get("createdFrom").and_then(|v| bound(v, false, "createdFrom", &mut errors));
        let created_to = get("createdTo").and_then(|v| bound(v, true, "createdTo", &mut errors));
        if let (Some(f), Some(t)) = (created_from, created_to)
            && t <= f
        {
            errors.push(FieldError::new("createdTo", "period.order", "createdTo comes after createdFrom"));
        }

        let sort = match get("sort") {
            None => Sort { key: SortKey::RegistrationDate, descending: false },
            Some(s) => Sort::parse(s).unwrap_or_else(|| {
                errors.push(FieldError::new("sort", "sort.value", format!("sort is one of {}", Sort::VALUES)));
                Sort { key: SortKey::Id, descending: false }
            }),
        };

        let page = number(get("page"), "page", MAX_PAGE, 1, &mut errors);
        let page_size = number(get("pageSize"), "pageSize", MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, &mut errors);
        let after = match params.iter().find(|(k, _)| k == "after").map(|(_, v)| v.as_str()) {
            None => None,
            // `after=` (empty): keyset paging from the first row; the answer's
            // `next` carries the cursor to go on with.
            Some("") => Some(Cursor::start(sort.descending)),
            Some(a) => {
                let c = Cursor::parse(a);
                if c.is_none() {
                    errors.push(FieldError::new(
                        "after",
                        "after.format",
                        "after is the next cursor of a previous answer (two numbers separated by a dot)",
                    ));
                }
                c
            }
        };
        if after.is_some() && get("page").is_some() {
            errors.push(FieldError::new("after", "after.exclusive", "give either page or after, not both"));
        }

        match (from, to) {
            (Some(registration_from), Some(registration_to)) if errors.is_empty() => Ok(Self {
                registration_from,
                registration_to,
                ssin,
                limosa_id,
                enterprise_number,
                declaration,
                validity,
                remarks,
                kind,
                created_from,
                created_to,
                sort,
                page,
                page_size,
                after,
                count_limit: None,
            }),
            _ => Err(errors),
        }
    }
}

/// A date means a whole day in Brussels: as a lower bound its start, as an
/// upper bound the start of the next day. An RFC 3339 instant is taken as
/// is (an upper bound includes it).
fn bound(v: &str, upper: bool, field: &str, errors: &mut Vec<FieldError>) -> Option<OffsetDateTime> {
    if let Some(d) = parse_date(v) {
        return Some(match (upper, d.next_day()) {
            (false, _) => brussels_start_of_day(d),
            (true, Some(next)) => brussels_start_of_day(next),
            // 9999-12-31 has no next day in the calendar: its end is 24
            // hours after its start (not a DST day).
            (true, None) => brussels_start_of_day(d) + Duration::days(1),
        });
    }
    if let Some(t) = parse_instant(v) {
        // Within the accepted years: a microsecond more stays in the calendar.
        return Some(if upper { t.checked_add(Duration::microseconds(1)).unwrap_or(t) } else { t });
    }
    // An offset's + sent unencoded in a query arrives as a space.
    let plus_hint = match v.rsplit_once(' ') {
        Some((_, offset)) if offset.len() == 5 && parse_instant(&v.replacen(' ', "+", 1)).is_some() => {
            "; the + of an offset must be sent encoded in a query, as %2B"
        }
        _ => "",
    };
    errors.push(FieldError::new(
        field,
        "date.format",
        format!(
            "{field} is a date (YYYY-MM-DD, a day in Brussels time) or an RFC 3339 date-time, in the years {} to {}{plus_hint}",
            crate::clock::YEARS.start(),
            crate::clock::YEARS.end()
        ),
    ));
    None
}

fn parse_opt<T, E: Into<crate::ids::InvalidValue>>(
    v: Option<&str>,
    field: &str,
    f: impl Fn(&str) -> Result<T, E>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match v.map(f) {
        None => None,
        Some(Ok(x)) => Some(x),
        Some(Err(e)) => {
            errors.push(FieldError::from_invalid(field, e.into()));
            None
        }
    }
}

/// A numbered parameter (a page, a page size): a whole number from 1 to `max`.
fn number(v: Option<&str>, field: &str, max: u32, default: u32, errors: &mut Vec<FieldError>) -> u32 {
    match v {
        None => default,
        Some(s) => {
            let s = s.trim();
            match s.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                // Digits, but too many or out of the range; or not a number.
                _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('-') => {
                    errors.push(FieldError::number_range(field, u64::from(max)));
                    default
                }
                _ => {
                    errors.push(FieldError::new(
                        field,
                        "number.format",
                        format!("{field} is a whole number from 1 to {max}"),
                    ));
                    default
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn dates_are_brussels_days() {
        let c =
            SearchCriteria::parse(&p(&[("registrationDateFrom", "2026-07-01"), ("registrationDateTo", "2026-07-31")]))
                .unwrap();
        assert_eq!(c.registration_from, datetime!(2026-06-30 22:00 UTC));
        assert_eq!(c.registration_to, datetime!(2026-07-31 22:00 UTC));
        assert_eq!(c.page, 1);
        assert_eq!(c.page_size, 50);
        // The calendar's last day is a whole day too.
        let c =
            SearchCriteria::parse(&p(&[("registrationDateFrom", "9999-12-31"), ("registrationDateTo", "9999-12-31")]))
                .unwrap();
        assert_eq!(c.registration_from, datetime!(9999-12-30 23:00 UTC));
        assert_eq!(c.registration_to, datetime!(9999-12-31 23:00 UTC));
    }

    #[test]
    fn empty_filters_are_refused_and_an_empty_after_starts_keyset_paging() {
        let day = [("registrationDateFrom", "2026-07-01"), ("registrationDateTo", "2026-07-01")];
        let with = |extra: &[(&str, &str)]| SearchCriteria::parse(&p(&[&day[..], extra].concat()));
        for name in ["validity", "remark", "type", "ssin", "sort"] {
            let e = with(&[(name, " ")]).unwrap_err();
            assert_eq!((e[0].field.as_str(), e[0].code.as_str()), (name, "parameter.empty"));
        }
        assert_eq!(with(&[("after", "")]).unwrap().after, Some(Cursor::start(false)));
        assert_eq!(
            with(&[("after", ""), ("sort", "-id")]).unwrap().after,
            Some(Cursor { key: i64::MAX, id: i64::MAX })
        );
        assert_eq!(with(&[("page", "abc")]).unwrap_err()[0].code, "number.format");
        // An offset's + that arrived as a space (not encoded) is named.
        let e = with(&[("createdFrom", "2026-07-01T08:00:00 02:00")]).unwrap_err();
        assert!(e[0].description.ends_with("as %2B"), "{}", e[0].description);
        let e = with(&[("createdFrom", "2026-07-01 08:00")]).unwrap_err();
        assert!(!e[0].description.contains("%2B"), "{}", e[0].description);
        assert_eq!(with(&[("page", "1.5")]).unwrap_err()[0].code, "number.format");
        assert_eq!(with(&[("page", "0")]).unwrap_err()[0].code, "number.range");
        assert_eq!(with(&[("pageSize", "99999999999")]).unwrap_err()[0].code, "number.range");
        assert_eq!(with(&[("pageSize", "-1")]).unwrap_err()[0].code, "number.range");
        // A parameter without a name is said to be one.
        let e = with(&[("", "x")]).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("", "parameter.unnamed"));
        // The refusal names its limit, for the pages' words.
        assert_eq!(with(&[("pageSize", "0")]).unwrap_err()[0].limit, Some(MAX_PAGE_SIZE));
        assert_eq!(with(&[("page", "0")]).unwrap_err()[0].limit, Some(MAX_PAGE));
        // A cursor is read as it is written, not leniently.
        for bad in ["+1.+1", " 1.1", "1.1 ", "1.+1", "-.1", "1.-1", "1.0"] {
            assert!(with(&[("after", bad)]).is_err(), "{bad:?}");
        }
        let c = Cursor { key: -62_135_596_800_000_000, id: 7 };
        assert_eq!(with(&[("after", &c.to_param())]).unwrap().after, Some(c));
        // A person by SSIN and by Limosa id at once: refused, as in registerInBulk.
        let e = with(&[("ssin", "92031590120"), ("limosaId", "L1PL123")]).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("limosaId", "person.exclusive"));
    }

    #[test]
    fn the_period_is_required_and_bounded() {
        let e = SearchCriteria::parse(&p(&[])).unwrap_err();
        assert_eq!(e.len(), 2);
        let e =
            SearchCriteria::parse(&p(&[("registrationDateFrom", "2026-07-01"), ("registrationDateTo", "2026-08-01")]))
                .unwrap_err();
        assert_eq!(e[0].code, "period.tooLong");
        let e =
            SearchCriteria::parse(&p(&[("registrationDateFrom", "2026-07-02"), ("registrationDateTo", "2026-07-01")]))
                .unwrap_err();
        assert_eq!(e[0].code, "period.order");
        let e = SearchCriteria::parse(&p(&[
            ("registrationDateFrom", "2026-07-01"),
            ("registrationDateTo", "2026-07-02"),
            ("createdFrom", "2026-07-08"),
            ("createdTo", "2026-07-01"),
        ]))
        .unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("createdTo", "period.order"));
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let e = SearchCriteria::parse(&p(&[
            ("registrationDateFrom", "2026-07-01"),
            ("registrationDateTo", "2026-07-02"),
            ("ssin", "123"),
            ("validity", "ok"),
            ("pageSize", "501"),
            ("sort", "name"),
            ("colour", "red"),
        ]))
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["colour", "ssin", "validity", "sort", "pageSize"]);
    }

    #[test]
    fn filters_are_parsed() {
        let c = SearchCriteria::parse(&p(&[
            ("registrationDateFrom", "2026-07-01T00:00:00Z"),
            ("registrationDateTo", "2026-07-02T00:00:00Z"),
            ("ssin", "85.07.30-033.28"),
            ("validity", "pending,invalid"),
            ("type", "OUT"),
            ("sort", "-createdAt"),
            ("page", "3"),
            ("pageSize", "10"),
        ]))
        .unwrap();
        assert_eq!(c.ssin.as_ref().unwrap().as_str(), "85073003328");
        assert_eq!(c.validity, vec![Validity::Pending, Validity::Invalid]);
        assert_eq!(c.kind, Some(RegistrationType::Out));
        assert_eq!(c.sort, Sort { key: SortKey::CreatedAt, descending: true });
        assert_eq!(c.offset(), 20);
    }

    #[test]
    fn cursors() {
        let base = [("registrationDateFrom", "2026-07-01"), ("registrationDateTo", "2026-07-02")];
        let mut q = base.to_vec();
        q.push(("after", "1782900000000000.42"));
        let c = SearchCriteria::parse(&p(&q)).unwrap();
        assert_eq!(c.after, Some(Cursor { key: 1_782_900_000_000_000, id: 42 }));
        assert_eq!(c.offset(), 0);
        assert_eq!(Cursor::parse(&c.after.unwrap().to_param()), c.after);
        let mut q = base.to_vec();
        q.push(("after", "x.y"));
        assert_eq!(SearchCriteria::parse(&p(&q)).unwrap_err()[0].code, "after.format");
        let mut q = base.to_vec();
        q.extend([("after", "1.2"), ("page", "2")]);
        assert_eq!(SearchCriteria::parse(&p(&q)).unwrap_err()[0].code, "after.exclusive");
        // An empty after (keyset paging from the start) with a page too.
        q.retain(|(k, _)| *k != "after");
        q.push(("after", ""));
        assert_eq!(SearchCriteria::parse(&p(&q)).unwrap_err()[0].code, "after.exclusive");
        assert_eq!(Cursor::parse("5.0"), None, "ids start at 1");
    }
}
