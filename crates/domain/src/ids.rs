//! Validated identifiers of the Belgian social security.
//!
//! Every type here is built by `parse`, which normalises formatted input
//! (`85.07.30-033.28`, `0123.456.749`, `be 0123 456 749`) and refuses anything
//! else with an [`InvalidValue`] whose `code` names the rule that failed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A refused value: which rule failed (`code`, stable, machine-readable) and a
/// sentence for a person (`message`). The field name is added by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    pub code: &'static str,
    pub message: String,
}

impl InvalidValue {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// Removes the separators people type in identifiers: spaces, dots, dashes, slashes.
fn strip_separators(input: &str) -> String {
    input.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '\t')).collect()
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The mod-97 complement used by the SSIN and the enterprise number.
fn mod97_check(base: u64) -> u64 {
    97 - (base % 97)
}

/// Kind of social security identification number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsinKind {
    /// A national register number.
    NationalRegister,
    /// A BIS number (month + 20: sex unknown, month + 40: sex known).
    Bis,
}

/// INSZ / NISS / SSIN: the Belgian social security identification number
/// (11 digits: birth date `yymmdd`, a serial number, a mod-97 check).
///
/// Its `Debug` and `Display` are masked (`85*******28`): an SSIN is personal
/// data and must never reach a log in full. Use [`Ssin::as_str`] to get it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ssin(String);

impl Ssin {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = strip_separators(input.trim());
        if s.is_empty() {
            return Err(InvalidValue::new("ssin.empty", "the SSIN is empty"));
        }
        if !all_digits(&s) {
            return Err(InvalidValue::new(
                "ssin.format",
                "an SSIN contains only digits (the separators . - / and spaces are allowed)",
            ));
        }
        if s.len() != 11 {
            return Err(InvalidValue::new("ssin.length", format!("an SSIN has 11 digits, this one has {}", s.len())));
        }
        let month: u32 = s[2..4].parse().unwrap_or(99);
        let day: u32 = s[4..6].parse().unwrap_or(99);
        let month_ok = matches!(month, 0..=12 | 20..=32 | 40..=52);
        if !month_ok {
            return Err(InvalidValue::new(
                "ssin.month",
                format!(
                    "digits 3-4 of an SSIN are the birth month (01-12, +20 or +40 for a BIS number), not {month:02}"
                ),
            ));
        }
        if day > 31 {
            return Err(InvalidValue::new(
                "ssin.day",
                format!("digits 5-6 of an SSIN are the birth day (00-31), not {day:02}"),
            ));
        }
        let base: u64 = s[..9].parse().unwrap_or(0);
        let check: u64 = s[9..].parse().unwrap_or(0);
        let before_2000 = mod97_check(base);
        let from_2000 = mod97_check(2_000_000_000 + base);
        if check != before_2000 && check != from_2000 {
            return Err(InvalidValue::new(
                "ssin.checkDigit",
                "the check digits of this SSIN are wrong (mod 97 of the first 9 digits, with a 2 in front for people born from 2000)",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> SsinKind {
        let month: u32 = self.0[2..4].parse().unwrap_or(0);
        if month >= 20 { SsinKind::Bis } else { SsinKind::NationalRegister }
    }

    /// `85*******28`: enough to tell two numbers apart in a log, not enough to identify.
    pub fn masked(&self) -> String {
        format!("{}*******{}", &self.0[..2], &self.0[9..])
    }

    /// `85.07.30-033.28`, the way the number is printed on a card.
    pub fn formatted(&self) -> String {
        let s = &self.0;
        format!("{}.{}.{}-{}.{}", &s[0..2], &s[2..4], &s[4..6], &s[6..9], &s[9..11])
    }
}

impl fmt::Debug for Ssin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ssin({})", self.masked())
    }
}

impl fmt::Display for Ssin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// KBO/BCE enterprise number: 10 digits, first digit 0 or 1, the last two a
/// mod-97 check of the first eight.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnterpriseNumber(String);

impl EnterpriseNumber {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let mut s = strip_separators(input.trim());
        if s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("BE")) {
            s.drain(..2);
        }
        if s.is_empty() {
            return Err(InvalidValue::new("enterpriseNumber.empty", "the enterprise number is empty"));
        }
        if !all_digits(&s) {
            return Err(InvalidValue::new(
                "enterpriseNumber.format",
                "an enterprise number contains only digits (an optional BE prefix, dots and spaces are allowed)",
            ));
        }
        if s.len() != 10 {
            return Err(InvalidValue::new(
                "enterpriseNumber.length",
                format!("an enterprise number has 10 digits, this one has {}", s.len()),
            ));
        }
        if !s.starts_with('0') && !s.starts_with('1') {
            return Err(InvalidValue::new("enterpriseNumber.firstDigit", "an enterprise number starts with 0 or 1"));
        }
        let base: u64 = s[..8].parse().unwrap_or(0);
        let check: u64 = s[8..].parse().unwrap_or(0);
        if mod97_check(base) != check {
            return Err(InvalidValue::new(
                "enterpriseNumber.checkDigit",
                "the check digits of this enterprise number are wrong (97 minus the first 8 digits mod 97)",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `0123.456.749`
    pub fn formatted(&self) -> String {
        let s = &self.0;
        format!("{}.{}.{}", &s[0..4], &s[4..7], &s[7..10])
    }
}

impl TryFrom<String> for EnterpriseNumber {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EnterpriseNumber> for String {
    fn from(value: EnterpriseNumber) -> Self {
        value.0
    }
}

impl fmt::Debug for EnterpriseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnterpriseNumber({})", self.0)
    }
}

impl fmt::Display for EnterpriseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Number of a declaration of works (Aangifte van Werken / Déclaration de
/// travaux / Arbeitsmeldung): 13 characters, upper-case letters without I and
/// O, and digits. Sent as `contractualRelationshipReference`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeclarationNumber(String);

impl DeclarationNumber {
    pub const ALPHABET: &'static str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s: String = strip_separators(input.trim()).to_ascii_uppercase();
        if s.is_empty() {
            return Err(InvalidValue::new("declarationNumber.empty", "the declaration of works number is empty"));
        }
        if let Some((pos, c)) = s.chars().enumerate().find(|(_, c)| !Self::allowed(*c)) {
            let why = if c == 'I' || c == 'O' { " (the letters I and O are never used: type 1 or 0)" } else { "" };
            return Err(InvalidValue::new(
                "declarationNumber.character",
                format!(
                    "a declaration of works number uses only A-H, J-N, P-Z and 0-9; character {} is {c:?}{why}",
                    pos + 1
                ),
            ));
        }
        if s.chars().count() != 13 {
            return Err(InvalidValue::new(
                "declarationNumber.length",
                format!("a declaration of works number has 13 characters, this one has {}", s.chars().count()),
            ));
        }
        Ok(Self(s))
    }

    fn allowed(c: char) -> bool {
        c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeclarationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeclarationNumber({})", self.0)
    }
}

impl fmt::Display for DeclarationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// VAT number of a foreign (non-Belgian) employer: a two-letter country
/// prefix other than BE, then 2 to 13 letters or digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ForeignVatNumber(String);

/// ISO 3166-1 alpha-2, with the VAT prefixes that differ from it (EL for
/// Greece, XI for Northern Ireland) and Kosovo's XK.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO \
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER \
    ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN \
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH \
    MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN \
    PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ \
    TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW EL XI XK";

impl ForeignVatNumber {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = strip_separators(input.trim()).to_ascii_uppercase();
        if s.is_empty() {
            return Err(InvalidValue::new("foreignVatNumber.empty", "the foreign VAT number is empty"));
        }
        let mut chars = s.chars();
        let prefix_ok = chars.by_ref().take(2).all(|c| c.is_ascii_uppercase()) && s.len() >= 2;
        if !prefix_ok {
            return Err(InvalidValue::new(
                "foreignVatNumber.country",
                "a foreign VAT number starts with the two-letter country code (FR, NL, DE, …)",
            ));
        }
        if !COUNTRY_CODES.split(' ').any(|c| c == &s[..2]) {
            return Err(InvalidValue::new(
                "foreignVatNumber.country",
                format!(
                    "a foreign VAT number starts with its country's two-letter code (ISO 3166, or EL for Greece, \
                     XI for Northern Ireland); {} is not one",
                    &s[..2]
                ),
            ));
        }
        if &s[..2] == "BE" {
            return Err(InvalidValue::new(
                "foreignVatNumber.belgian",
                "a Belgian employer is identified by its enterprise number, not as a foreign VAT number",
            ));
        }
        let rest = &s[2..];
        if !(2..=13).contains(&rest.len()) || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(InvalidValue::new(
                "foreignVatNumber.format",
                "after the country code a foreign VAT number has 2 to 13 letters or digits",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ForeignVatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ForeignVatNumber({})", self.0)
    }
}

/// Identifier of a Limosa declaration (posted foreign worker), as printed on
/// the L1 document: 1 to 20 letters or digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LimosaId(String);

impl LimosaId {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = strip_separators(input.trim()).to_ascii_uppercase();
        if s.is_empty() {
            return Err(InvalidValue::new("limosaId.empty", "the Limosa id is empty"));
        }
        if s.len() > 20 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(InvalidValue::new("limosaId.format", "a Limosa id has at most 20 letters or digits"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LimosaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LimosaId({})", self.0)
    }
}

/// Identifier of a registration, which is also its receipt number
/// (ontvangstnummer): a positive number of at most 15 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegistrationId(i64);

impl RegistrationId {
    pub const MAX: i64 = 999_999_999_999_999;

    /// An id as the register writes it (in a path: `/presenceRegistrations/01`
    /// and `/1%20` are not other names of registration 1): digits, without
    /// spaces or leading zeros.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        if !all_digits(s) {
            return Err(InvalidValue::new("registrationId.format", "a registration id is a number"));
        }
        if s.len() > 1 && s.starts_with('0') {
            return Err(InvalidValue::new(
                "registrationId.format",
                "a registration id is written without leading zeros",
            ));
        }
        if s.len() > 15 {
            return Err(InvalidValue::new("registrationId.length", "a registration id has at most 15 digits"));
        }
        let n: i64 = s.parse().unwrap_or(0);
        Self::new(n)
    }

    pub fn new(n: i64) -> Result<Self, InvalidValue> {
        if !(1..=Self::MAX).contains(&n) {
            return Err(InvalidValue::new(
                "registrationId.range",
                "a registration id is between 1 and 999999999999999",
            ));
        }
        Ok(Self(n))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RegistrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Every number in a text that could be a full SSIN (11 digits, bare or
/// formatted `85.07.30-033.28`, whatever its check digits), masked as
/// everywhere else (`85*******28`). Only a number standing alone: digits
/// inside a longer run of letters and digits (a certificate's fingerprint, a
/// token id in hexadecimal) are not a number of their own and stay whole.
pub fn mask_ssins(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, and dots or dashes between them.
        let mut end = i;
        while end < chars.len() && (chars[end].is_ascii_digit() || matches!(chars[end], '.' | '-')) {
            end += 1;
        }
        // Trailing dots and dashes are punctuation, not part of the number.
        let mut core_end = end;
        while core_end > i && matches!(chars[core_end - 1], '.' | '-') {
            core_end -= 1;
        }
        let digits: String = chars[i..core_end].iter().filter(|c| c.is_ascii_digit()).collect();
        let followed_by_word = core_end < chars.len() && chars[core_end].is_ascii_alphanumeric();
        if digits.len() == 11 && !followed_by_word {
            out.push_str(&format!("{}*******{}", &digits[..2], &digits[9..]));
        } else {
            out.extend(&chars[i..core_end]);
        }
        i = core_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_ssins_are_masked_wherever_they_are() {
        assert_eq!(mask_ssins("person:85073003328"), "person:85*******28");
        assert_eq!(mask_ssins("85.07.30-033.28."), "85*******28.");
        assert_eq!(mask_ssins("a 85.07.30-033.28 b 85*******28"), "a 85*******28 b 85*******28");
        // Not 11 digits: an enterprise number, a date, a time, a cursor.
        for kept in ["0200.000.241", "2026-12-06", "1782900000000000.42", "receipt 42", "operator:ops"] {
            assert_eq!(mask_ssins(kept), kept);
        }
        // Eleven digits inside hexadecimal (a fingerprint, a token id) are
        // not an SSIN; eleven standing alone beside punctuation are.
        for kept in
            ["5ee311a55ca9712345678901f9daf0", "ffbe5194c3c0f7385073003328a09abeaf8b6", "x85073003328", "85073003328x"]
        {
            assert_eq!(mask_ssins(kept), kept);
        }
        assert_eq!(mask_ssins("(85073003328)"), "(85*******28)");
        assert_eq!(mask_ssins("ssin=85073003328&x"), "ssin=85*******28&x");
    }

    use proptest::prelude::*;

    /// Builds a valid SSIN from the 9 first digits, for the given century.
    fn with_check(base: u64, born_2000: bool) -> String {
        let check = if born_2000 { mod97_check(2_000_000_000 + base) } else { mod97_check(base) };
        format!("{base:09}{check:02}")
    }

    #[test]
    fn ssin_known_values() {
        // 85.07.30-033.28: 850730033 mod 97 = 69, 97 - 69 = 28.
        let s = Ssin::parse("85.07.30-033.28").unwrap();
        assert_eq!(s.as_str(), "85073003328");
        assert_eq!(s.formatted(), "85.07.30-033.28");
        assert_eq!(s.kind(), SsinKind::NationalRegister);
        assert_eq!(format!("{s:?}"), "Ssin(85*******28)");
        assert_eq!(s.to_string(), "85*******28");
    }

    #[test]
    fn ssin_born_from_2000() {
        let v = with_check(10_203_004, true); // 01.02.03-004
        assert!(Ssin::parse(&v).is_ok());
        // The same digits with the pre-2000 check are also valid (other person).
        let old = with_check(10_203_004, false);
        assert!(Ssin::parse(&old).is_ok());
        assert_ne!(v, old);
    }

    #[test]
    fn ssin_bis_numbers() {
        let bis_unknown = with_check(852_730_033, false); // month 07 + 20
        let bis_known = with_check(854_730_033, false); // month 07 + 40
        assert_eq!(Ssin::parse(&bis_unknown).unwrap().kind(), SsinKind::Bis);
        assert_eq!(Ssin::parse(&bis_known).unwrap().kind(), SsinKind::Bis);
        let bad_month = with_check(851_330_033, false); // month 13
        assert_eq!(Ssin::parse(&bad_month).unwrap_err().code, "ssin.month");
    }

    #[test]
    fn ssin_refusals_name_the_rule() {
        assert_eq!(Ssin::parse("").unwrap_err().code, "ssin.empty");
        assert_eq!(Ssin::parse("8507300332").unwrap_err().code, "ssin.length");
        assert_eq!(Ssin::parse("8507300332A").unwrap_err().code, "ssin.format");
        assert_eq!(Ssin::parse("85073003329").unwrap_err().code, "ssin.checkDigit");
        assert_eq!(Ssin::parse(&with_check(850_732_033, false)).unwrap_err().code, "ssin.day");
    }

    #[test]
    fn enterprise_number_known_values() {
        let e = EnterpriseNumber::parse("0123.456.749").unwrap();
        assert_eq!(e.as_str(), "0123456749");
        assert_eq!(e.formatted(), "0123.456.749");
        assert_eq!(EnterpriseNumber::parse("BE 0123 456 749").unwrap(), e);
        assert_eq!(EnterpriseNumber::parse("be0123456749").unwrap(), e);
    }

    #[test]
    fn enterprise_number_refusals() {
        assert_eq!(EnterpriseNumber::parse("0123.456.748").unwrap_err().code, "enterpriseNumber.checkDigit");
        assert_eq!(EnterpriseNumber::parse("123456749").unwrap_err().code, "enterpriseNumber.length");
        assert_eq!(EnterpriseNumber::parse("2123456749").unwrap_err().code, "enterpriseNumber.firstDigit");
        assert_eq!(EnterpriseNumber::parse("01234567A9").unwrap_err().code, "enterpriseNumber.format");
    }

    #[test]
    fn declaration_numbers() {
        assert_eq!(DeclarationNumber::parse("1y1003sq5vssz").unwrap().as_str(), "1Y1003SQ5VSSZ");
        let e = DeclarationNumber::parse("1Y1003SQ5VSIZ").unwrap_err();
        assert_eq!(e.code, "declarationNumber.character");
        assert!(e.message.contains("character 12"), "{}", e.message);
        assert!(e.message.contains("I and O"));
        assert_eq!(DeclarationNumber::parse("1Y1003SQ5VSS").unwrap_err().code, "declarationNumber.length");
    }

    #[test]
    fn foreign_vat_and_limosa() {
        assert_eq!(ForeignVatNumber::parse("fr 12 345678901").unwrap().as_str(), "FR12345678901");
        assert_eq!(ForeignVatNumber::parse("BE0123456749").unwrap_err().code, "foreignVatNumber.belgian");
        assert_eq!(ForeignVatNumber::parse("12345").unwrap_err().code, "foreignVatNumber.country");
        assert_eq!(ForeignVatNumber::parse("XX5261000017").unwrap_err().code, "foreignVatNumber.country");
        for ok in ["EL094259216", "XI123456789", "NL859135345B01", "DE136695976", "LU15027442", "CHE123456789"] {
            assert!(ForeignVatNumber::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(LimosaId::parse("lim-12345").unwrap().as_str(), "LIM12345");
        assert_eq!(LimosaId::parse("123456789012345678901").unwrap_err().code, "limosaId.format");
    }

    #[test]
    fn registration_ids() {
        assert_eq!(RegistrationId::parse("17611").unwrap().get(), 17611);
        assert_eq!(RegistrationId::parse("1234567890123456").unwrap_err().code, "registrationId.length");
        assert_eq!(RegistrationId::parse("0").unwrap_err().code, "registrationId.range");
        assert_eq!(RegistrationId::parse("12a").unwrap_err().code, "registrationId.format");
        for other_name in ["017611", " 17611", "17611 "] {
            assert_eq!(RegistrationId::parse(other_name).unwrap_err().code, "registrationId.format", "{other_name:?}");
        }
    }

    fn valid_ssin_base() -> impl Strategy<Value = (u64, bool)> {
        (0u64..100, prop_oneof![1u64..=12, 21u64..=32, 41u64..=52], 1u64..=28, 1u64..=997, any::<bool>())
            .prop_map(|(yy, mm, dd, serial, c)| (yy * 10_000_000 + mm * 100_000 + dd * 1000 + serial, c))
    }

    proptest! {
        #[test]
        fn ssin_valid_numbers_parse_in_any_format((base, born_2000) in valid_ssin_base()) {
            let plain = with_check(base, born_2000);
            let formatted = format!("{}.{}.{}-{}.{}", &plain[0..2], &plain[2..4], &plain[4..6], &plain[6..9], &plain[9..]);
            let a = Ssin::parse(&plain).unwrap();
            let b = Ssin::parse(&formatted).unwrap();
            prop_assert_eq!(a.as_str(), plain.as_str());
            prop_assert_eq!(a, b);
        }

        #[test]
        fn ssin_wrong_check_digits_are_refused((base, born_2000) in valid_ssin_base(), delta in 1u64..97) {
            let plain = with_check(base, born_2000);
            let check: u64 = plain[9..].parse().unwrap();
            let other = (check + delta - 1) % 97 + 1;
            let alt_valid = [mod97_check(base), mod97_check(2_000_000_000 + base)];
            prop_assume!(!alt_valid.contains(&other));
            let wrong = format!("{base:09}{other:02}");
            prop_assert_eq!(Ssin::parse(&wrong).unwrap_err().code, "ssin.checkDigit");
        }

        #[test]
        fn ssin_parse_never_panics(s in ".{0,30}") {
            let _ = Ssin::parse(&s);
        }

        #[test]
        fn enterprise_numbers_round_trip(first in 0u64..2, rest in 0u64..10_000_000) {
            let base = first * 10_000_000 + rest;
            let plain = format!("{base:08}{:02}", mod97_check(base));
            let e = EnterpriseNumber::parse(&plain).unwrap();
            prop_assert_eq!(EnterpriseNumber::parse(&e.formatted()).unwrap(), e.clone());
            prop_assert_eq!(EnterpriseNumber::parse(&format!("BE{plain}")).unwrap(), e);
        }

        #[test]
        fn enterprise_number_single_digit_change_is_refused(first in 0u64..2, rest in 0u64..10_000_000, pos in 1usize..8, d in 1u8..10) {
            let base = first * 10_000_000 + rest;
            let plain = format!("{base:08}{:02}", mod97_check(base));
            let mut bytes = plain.clone().into_bytes();
            bytes[pos] = b'0' + ((bytes[pos] - b'0' + d) % 10);
            let changed = String::from_utf8(bytes).unwrap();
            // mod 97 catches every single-digit substitution.
            prop_assert!(EnterpriseNumber::parse(&changed).is_err());
        }

        #[test]
        fn declaration_numbers_from_alphabet_parse(idx in proptest::collection::vec(0usize..34, 13)) {
            let s: String = idx.iter().map(|i| DeclarationNumber::ALPHABET.as_bytes()[*i] as char).collect();
            let parsed = DeclarationNumber::parse(&s.to_lowercase()).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn identifier_parsers_never_panic(s in "\\PC{0,40}") {
            let _ = EnterpriseNumber::parse(&s);
            let _ = DeclarationNumber::parse(&s);
            let _ = ForeignVatNumber::parse(&s);
            let _ = LimosaId::parse(&s);
            let _ = RegistrationId::parse(&s);
        }
    }
}
