//! The remarks the asynchronous validation adds to a registration: the 17
//! official remark strings of the presence-registration schema (kept byte
//! for byte, typos and double spaces included) and the IN/OUT sequence rules
//! of Check In and Out at Work. Each has a stable, readable code.
//!
//! [`evaluate`] is pure: the service gathers the facts, this decides.

use time::{Date, Duration, OffsetDateTime};

use crate::ids::{EnterpriseNumber, Ssin, SsinKind};
use crate::reference::{DeclarationDetails, Employment, Founder, LimosaDeclaration, period_covers};
use crate::registration::{Employer, Person, PlaceOfWork, RegistrationType, Remark};

/// Every remark ciao knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemarkKind {
    RelatedDimonaNotOk,
    GivenInssIsNotTheFounder,
    EmployerIsNotKnownAsFounder,
    CompanyDoesntExist,
    IndependantIsNotKnownAsFounder,
    LimosaIdIsNotKnown,
    LimosaIdIsNotActiveAtDate,
    NissBisIsNotKnownInLimosa,
    NissBisIsNotActiveInLimosa,
    DucIsNotExisting,
    DucIsNotActiveAtThisDate,
    CompanyIsNotKnownInDuc,
    SiteIsNotSubjectToPresenceRegistration,
    SameDeclarationAlreadyRegistered,
    NissIsNotKnownInTheNationalRegister,
    EmployerNotActive,
    CompanyIdAssociatedAtANotActiveContract,
    OutWithoutIn,
    InWhileAlreadyIn,
    DayLeftOpen,
    PresentOnTwoWorkplaces,
    PlaceOfWorkFarFromSite,
    LateRegistration,
    QrCodeExpired,
}

impl RemarkKind {
    pub const ALL: [RemarkKind; 24] = [
        Self::RelatedDimonaNotOk,
        Self::GivenInssIsNotTheFounder,
        Self::EmployerIsNotKnownAsFounder,
        Self::CompanyDoesntExist,
        Self::IndependantIsNotKnownAsFounder,
        Self::LimosaIdIsNotKnown,
        Self::LimosaIdIsNotActiveAtDate,
        Self::NissBisIsNotKnownInLimosa,
        Self::NissBisIsNotActiveInLimosa,
        Self::DucIsNotExisting,
        Self::DucIsNotActiveAtThisDate,
        Self::CompanyIsNotKnownInDuc,
        Self::SiteIsNotSubjectToPresenceRegistration,
        Self::SameDeclarationAlreadyRegistered,
        Self::NissIsNotKnownInTheNationalRegister,
        Self::EmployerNotActive,
        Self::CompanyIdAssociatedAtANotActiveContract,
        Self::OutWithoutIn,
        Self::InWhileAlreadyIn,
        Self::DayLeftOpen,
        Self::PresentOnTwoWorkplaces,
        Self::PlaceOfWorkFarFromSite,
        Self::LateRegistration,
        Self::QrCodeExpired,
    ];

    /// The stable code, used in search (`remark=`) and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::RelatedDimonaNotOk => "RELATED_DIMONA_NOT_OK",
            Self::GivenInssIsNotTheFounder => "GIVEN_INSS_IS_NOT_THE_FOUNDER",
            Self::EmployerIsNotKnownAsFounder => "EMPLOYER_IS_NOT_KNOWN_AS_FOUNDER",
            Self::CompanyDoesntExist => "COMPANY_DOES_NOT_EXIST",
            Self::IndependantIsNotKnownAsFounder => "INDEPENDENT_IS_NOT_KNOWN_AS_FOUNDER",
            Self::LimosaIdIsNotKnown => "LIMOSA_ID_NOT_KNOWN",
            Self::LimosaIdIsNotActiveAtDate => "LIMOSA_ID_NOT_ACTIVE_AT_DATE",
            Self::NissBisIsNotKnownInLimosa => "NISS_BIS_NOT_KNOWN_IN_LIMOSA",
            Self::NissBisIsNotActiveInLimosa => "NISS_BIS_NOT_ACTIVE_IN_LIMOSA",
            Self::DucIsNotExisting => "DECLARATION_NOT_EXISTING",
            Self::DucIsNotActiveAtThisDate => "DECLARATION_NOT_ACTIVE_AT_DATE",
            Self::CompanyIsNotKnownInDuc => "COMPANY_NOT_IN_DECLARATION",
            Self::SiteIsNotSubjectToPresenceRegistration => "SITE_NOT_SUBJECT_TO_REGISTRATION",
            Self::SameDeclarationAlreadyRegistered => "SAME_REGISTRATION_ALREADY_REGISTERED",
            Self::NissIsNotKnownInTheNationalRegister => "NISS_NOT_KNOWN_IN_NATIONAL_REGISTER",
            Self::EmployerNotActive => "EMPLOYER_NOT_ACTIVE",
            Self::CompanyIdAssociatedAtANotActiveContract => "COMPANY_ID_NOT_ACTIVE_CONTRACT",
            Self::OutWithoutIn => "OUT_WITHOUT_IN",
            Self::InWhileAlreadyIn => "IN_WHILE_ALREADY_IN",
            Self::DayLeftOpen => "DAY_LEFT_OPEN",
            Self::PresentOnTwoWorkplaces => "PRESENT_ON_TWO_WORKPLACES",
            Self::PlaceOfWorkFarFromSite => "PLACE_OF_WORK_FAR_FROM_SITE",
            Self::LateRegistration => "LATE_REGISTRATION",
            Self::QrCodeExpired => "QR_CODE_EXPIRED",
        }
    }

    /// The official description (byte for byte) or, for the rules of ciao,
    /// a sentence in the same style.
    pub fn description(self) -> &'static str {
        match self {
            Self::RelatedDimonaNotOk => "RELATED DIMONA NOT OK",
            Self::GivenInssIsNotTheFounder => "GIVEN INSS IS NOT THE FOUNDER OF THE COMPANY",
            Self::EmployerIsNotKnownAsFounder => "EMPLOYER IS NOT KNOWN AS COMPANY FOUNDER",
            Self::CompanyDoesntExist => "THE COMPANY DOESN'T EXISTS",
            Self::IndependantIsNotKnownAsFounder => "INDEPENDANT IS NOT KNOWN AS COMPANY FOUNDER",
            Self::LimosaIdIsNotKnown => "LIMOSA ID IS NOT KNOWN",
            Self::LimosaIdIsNotActiveAtDate => "LIMOSA ID IS NOT ACTIVE AT DATE",
            Self::NissBisIsNotKnownInLimosa => "NISS-BIS IS NOT KNOWN IN LIMOSA",
            Self::NissBisIsNotActiveInLimosa => "NISS-BIS IS NOT ACTIVE AT THIS DATE IN LIMOSA",
            Self::DucIsNotExisting => "DUC IS NOT EXISTING",
            Self::DucIsNotActiveAtThisDate => "DUC IS NOT ACTIVE AT THIS DATE",
            Self::CompanyIsNotKnownInDuc => "COMPANY IS NOT KNOWN  AS BUILDER OR  SUBCONTRACTOR IN THIS DUC",
            Self::SiteIsNotSubjectToPresenceRegistration => "SITE IS NOT SUBJECT TO PRESENCE REGISTRATION",
            Self::SameDeclarationAlreadyRegistered => "SAME DECLARATION HAS ALREADY BEEN REGISTERED",
            Self::NissIsNotKnownInTheNationalRegister => "NISS IS NOT KNOW IN THE NATIONAL REGISTER",
            Self::EmployerNotActive => "EMPLOYER NOT ACTIVE",
            Self::CompanyIdAssociatedAtANotActiveContract => "THE COMPANY ID ASSOCIATED AT A NOT ACTIVE CONTRACT",
            Self::OutWithoutIn => "OUT WITHOUT A PRECEDING IN",
            Self::InWhileAlreadyIn => "IN WHILE ALREADY IN (MISSING OUT)",
            Self::DayLeftOpen => "IN WITHOUT OUT BY THE END OF THE DAY",
            Self::PresentOnTwoWorkplaces => "IN AT A WORKPLACE WHILE IN AT ANOTHER",
            Self::PlaceOfWorkFarFromSite => "PLACE OF WORK FAR FROM THE SITE OF THE DECLARATION",
            Self::LateRegistration => "REGISTRATION RECEIVED LATE",
            Self::QrCodeExpired => "QR CODE OF THE SITE DISPLAY EXPIRED",
        }
    }

    /// True for the 17 remarks of the official schema.
    pub fn is_official(self) -> bool {
        !matches!(
            self,
            Self::OutWithoutIn
                | Self::InWhileAlreadyIn
                | Self::DayLeftOpen
                | Self::PresentOnTwoWorkplaces
                | Self::PlaceOfWorkFarFromSite
                | Self::LateRegistration
                | Self::QrCodeExpired
        )
    }

    /// Whether the remark makes the registration invalid. `QR_CODE_EXPIRED`
    /// does not: the static code of the declaration is valid proof too, so a
    /// registration through an old rotating code is worth no less than one
    /// through the printed code; the remark only says it is not proven on site.
    pub fn affects_validity(self) -> bool {
        !matches!(self, Self::QrCodeExpired)
    }

    /// Finds a remark by its code or by its official description.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s || k.description() == s)
    }

    pub fn remark(self) -> Remark {
        Remark { code: self.code().to_string(), description: self.description().to_string() }
    }
}

/// Settings of the validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidationPolicy {
    /// Coordinates farther than this from the declaration's site are remarked.
    pub max_distance_m: f64,
    /// A registration received later than this after its instant is remarked.
    pub late_after: Duration,
    /// A rotating site code older than this when the registration arrives
    /// is remarked `QR_CODE_EXPIRED`.
    pub site_code_tolerance: Duration,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        Self { max_distance_m: 1000.0, late_after: Duration::minutes(5), site_code_tolerance: Duration::seconds(90) }
    }
}

/// What the registries and the register say about an employer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmployerFacts {
    /// The enterprise is in the registry (always true for a foreign employer).
    pub known: bool,
    /// One of its active periods covers the day.
    pub active: bool,
    /// A natural person's enterprise (its holder is self-employed).
    pub natural_person: bool,
}

/// How long an IN stays open. The IN/OUT sequence of a person is paired per
/// workplace (declaration of works) and across midnight: an OUT pairs with
/// the person's IN on the same workplace less than this long before it (a
/// night shift's OUT at 06:00 closes the IN of 22:00), and an IN with no
/// registration of the person on that workplace within this time after it
/// was left open (`DAY_LEFT_OPEN`). Shorter than a day, so that yesterday's
/// forgotten OUT does not pair with this morning's IN; longer than any
/// legal working day (at most 12 hours in Belgium, breaks included within).
pub const SHIFT_MAX: Duration = Duration::hours(16);

/// Everything the rules look at, gathered by the service.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub person: &'a Person,
    pub employer: &'a Employer,
    pub kind: RegistrationType,
    pub declaration_number: &'a crate::ids::DeclarationNumber,
    pub place_of_work: Option<&'a PlaceOfWork>,
    pub registration_date: OffsetDateTime,
    pub created_at: OffsetDateTime,
    /// The issue instant of the rotating site code it came through, if any.
    pub site_code_issued_at: Option<OffsetDateTime>,
    /// The day of the registration in Brussels.
    pub day: Date,
    pub employer_facts: EmployerFacts,
    /// Employment relations of the person with the employer.
    pub employments: &'a [Employment],
    /// The founders of the employer, and the enterprises the person founded
    /// (any period; the rules look at the day).
    pub founders: &'a [Founder],
    /// Known to the national register (only asked for non-BIS SSINs).
    pub person_known: bool,
    /// The Limosa declaration of the given Limosa id.
    pub limosa: Option<&'a LimosaDeclaration>,
    /// The Limosa declarations of the person (an SSIN with a foreign employer).
    pub limosa_of_person: &'a [LimosaDeclaration],
    pub declaration: Option<&'a DeclarationDetails>,
    /// Another registration with the same person, employer, declaration,
    /// type and instant exists (not cancelled).
    pub duplicate: bool,
    /// The person's last registration on this workplace before this one,
    /// less than [`SHIFT_MAX`] before it.
    pub previous_here: Option<RegistrationType>,
    /// On another workplace, the person's last registration before this one
    /// (less than [`SHIFT_MAX`] before it) is an IN: still open there.
    pub open_elsewhere: bool,
    /// The person registered on this workplace again less than
    /// [`SHIFT_MAX`] after this one.
    pub next_here: bool,
    /// [`SHIFT_MAX`] has passed since this registration (or, in the
    /// simulation environment, the day was ended early after it).
    pub window_over: bool,
    pub policy: ValidationPolicy,
}

/// Distance in metres between two coordinates (haversine).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_000.0_f64;
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// A person registers for a Belgian enterprise without an employment
/// relation covering the day: either the Dimona is missing, or the person
/// works as founder / self-employed of that enterprise, which the founder
/// data of the enterprises registry can confirm or contradict.
fn without_employment(f: &Facts<'_>, ssin: &Ssin, employer: &EnterpriseNumber, day: Date) -> Vec<RemarkKind> {
    let active = |x: &&Founder| period_covers(x.from, x.to, day);
    let mut of_employer = f.founders.iter().filter(|x| &x.enterprise_number == employer).filter(active);
    let employer_has_founders = of_employer.clone().next().is_some();
    if of_employer.any(|x| &x.ssin == ssin) {
        // Self-employed on their own enterprise: no Dimona is due.
        return Vec::new();
    }
    let mut out = vec![RemarkKind::RelatedDimonaNotOk];
    let founder_elsewhere =
        f.founders.iter().filter(active).any(|x| &x.ssin == ssin && &x.enterprise_number != employer);
    if founder_elsewhere {
        out.push(RemarkKind::IndependantIsNotKnownAsFounder);
    } else if employer_has_founders {
        out.push(RemarkKind::GivenInssIsNotTheFounder);
    } else if f.employer_facts.natural_person {
        out.push(RemarkKind::EmployerIsNotKnownAsFounder);
    }
    out
}

/// A foreign employer has no enterprise number for the declaration's chain
/// to name: it is on the site through the Limosa declaration of the posted
/// worker, which names the foreign employer and its Belgian client. It is
/// in the chain unless the person's Limosa declarations covering the day
/// name another foreign employer only, or name this one with a Belgian
/// client that is neither the declaring contractor nor a subcontractor of
/// the declaration. Without a covering Limosa declaration the Limosa
/// remarks say so already; a declaration without a Belgian client proves
/// nothing either way.
fn foreign_employer_in_chain(
    f: &Facts<'_>,
    vat: &crate::ids::ForeignVatNumber,
    d: &DeclarationDetails,
    day: Date,
) -> bool {
    let limosa: &[LimosaDeclaration] = match f.person {
        Person::Limosa(_) => f.limosa.map(std::slice::from_ref).unwrap_or_default(),
        Person::Ssin(_) => f.limosa_of_person,
    };
    let mut covering = limosa.iter().filter(|l| period_covers(l.from, l.to, day)).peekable();
    if covering.peek().is_none() {
        return true;
    }
    let mut of_employer = covering.filter(|l| &l.foreign_employer_vat == vat).peekable();
    if of_employer.peek().is_none() {
        return false;
    }
    let in_chain = |client: &EnterpriseNumber| {
        client == &d.declaration.declaring_contractor || d.subcontractors.iter().any(|s| &s.enterprise_number == client)
    };
    of_employer.any(|l| l.belgian_client.as_ref().is_none_or(in_chain))
}

/// The remarks of one registration (at most one of each kind, in a fixed order).
pub fn evaluate(f: &Facts<'_>) -> Vec<RemarkKind> {
    let mut out = Vec::new();
    let day = f.day;

    // The person.
    match f.person {
        Person::Ssin(ssin) => {
            if ssin.kind() == SsinKind::NationalRegister && !f.person_known {
                out.push(RemarkKind::NissIsNotKnownInTheNationalRegister);
            }
            // A foreign employer posts its workers through Limosa, whether
            // they have a BIS number or a national register number ("NISS-BIS").
            if matches!(f.employer, Employer::ForeignVat(_)) {
                if f.limosa_of_person.is_empty() {
                    out.push(RemarkKind::NissBisIsNotKnownInLimosa);
                } else if !f.limosa_of_person.iter().any(|l| period_covers(l.from, l.to, day)) {
                    out.push(RemarkKind::NissBisIsNotActiveInLimosa);
                }
            }
        }
        Person::Limosa(_) => match f.limosa {
            None => out.push(RemarkKind::LimosaIdIsNotKnown),
            Some(l) if !period_covers(l.from, l.to, day) => out.push(RemarkKind::LimosaIdIsNotActiveAtDate),
            // The Limosa declaration is the posted worker's relation with
            // their foreign employer, as a Dimona is a Belgian employer's: a
            // Belgian enterprise given as the employer of a worker known by
            // a Limosa id has no declared relation with them. (Another
            // foreign employer is not the one Limosa puts on the site: the
            // chain's rule says so below.)
            Some(_) => {
                if matches!(f.employer, Employer::Enterprise(_)) {
                    out.push(RemarkKind::RelatedDimonaNotOk);
                }
            }
        },
    }

    // The employer.
    if let Employer::Enterprise(_) = f.employer {
        if !f.employer_facts.known {
            out.push(RemarkKind::CompanyDoesntExist);
        } else if !f.employer_facts.active {
            out.push(RemarkKind::EmployerNotActive);
        }
        if let (Person::Ssin(ssin), Employer::Enterprise(employer)) = (f.person, f.employer)
            && !f.employments.iter().any(|e| period_covers(e.from, e.to, day))
        {
            out.extend(without_employment(f, ssin, employer, day));
        }
    }

    // The declaration of works.
    match f.declaration {
        None => out.push(RemarkKind::DucIsNotExisting),
        Some(d) => {
            let decl = &d.declaration;
            if !period_covers(decl.start_date, decl.end_date, day) {
                out.push(RemarkKind::DucIsNotActiveAtThisDate);
            }
            if let Employer::Enterprise(e) = f.employer
                && &decl.declaring_contractor != e
            {
                let mut contracts = d.subcontractors.iter().filter(|s| &s.enterprise_number == e).peekable();
                if contracts.peek().is_none() {
                    out.push(RemarkKind::CompanyIsNotKnownInDuc);
                } else if !contracts.any(|s| period_covers(s.from, s.to, day)) {
                    // In the chain, but its subcontract does not cover the day.
                    out.push(RemarkKind::CompanyIdAssociatedAtANotActiveContract);
                }
            }
            if let Employer::ForeignVat(vat) = f.employer
                && !foreign_employer_in_chain(f, vat, d, day)
            {
                out.push(RemarkKind::CompanyIsNotKnownInDuc);
            }
            if !decl.subject_to_registration {
                out.push(RemarkKind::SiteIsNotSubjectToPresenceRegistration);
            }
            // Far only when even the nearest point of the accuracy circle
            // is farther than allowed: a vague position proves nothing.
            if let (Some(PlaceOfWork::Coordinates { latitude, longitude, accuracy }), Some(site)) =
                (f.place_of_work, decl.coordinates)
                && distance_m((*latitude, *longitude), site) - accuracy.unwrap_or(0.0) > f.policy.max_distance_m
            {
                out.push(RemarkKind::PlaceOfWorkFarFromSite);
            }
        }
    }

    if f.duplicate {
        out.push(RemarkKind::SameDeclarationAlreadyRegistered);
    }

    // The IN/OUT sequence of the person on this workplace (see SHIFT_MAX).
    let open_here = f.previous_here == Some(RegistrationType::In);
    match f.kind {
        RegistrationType::Out => {
            // An IN open on another workplace is not closed by an OUT here.
            if !open_here {
                out.push(RemarkKind::OutWithoutIn);
            }
        }
        RegistrationType::In => {
            if open_here {
                out.push(RemarkKind::InWhileAlreadyIn);
            } else if f.open_elsewhere {
                out.push(RemarkKind::PresentOnTwoWorkplaces);
            }
        }
    }

    if f.kind == RegistrationType::In && f.window_over && !f.next_here {
        out.push(RemarkKind::DayLeftOpen);
    }

    if f.created_at - f.registration_date > f.policy.late_after {
        out.push(RemarkKind::LateRegistration);
    }

    if let Some(issued) = f.site_code_issued_at
        && f.created_at - issued > f.policy.site_code_tolerance
    {
        out.push(RemarkKind::QrCodeExpired);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_strings_are_byte_for_byte() {
        let official: Vec<&str> =
            RemarkKind::ALL.into_iter().filter(|k| k.is_official()).map(|k| k.description()).collect();
        assert_eq!(official.len(), 17);
        assert!(official.contains(&"COMPANY IS NOT KNOWN  AS BUILDER OR  SUBCONTRACTOR IN THIS DUC"));
        assert!(official.contains(&"THE COMPANY DOESN'T EXISTS"));
        assert!(official.contains(&"NISS IS NOT KNOW IN THE NATIONAL REGISTER"));
        assert!(official.contains(&"INDEPENDANT IS NOT KNOWN AS COMPANY FOUNDER"));
        let codes: std::collections::HashSet<_> = RemarkKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), RemarkKind::ALL.len());
        assert_eq!(RemarkKind::parse("DUC IS NOT EXISTING"), Some(RemarkKind::DucIsNotExisting));
        assert_eq!(RemarkKind::parse("RELATED_DIMONA_NOT_OK"), Some(RemarkKind::RelatedDimonaNotOk));
    }

    #[test]
    fn distances() {
        // Brussels Grand-Place to the Atomium: about 5.6 km.
        let d = distance_m((50.8467, 4.3525), (50.8949, 4.3415));
        assert!((5_300.0..5_700.0).contains(&d), "{d}");
        assert!(distance_m((50.0, 4.0), (50.0, 4.0)) < 0.001);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::ids::{DeclarationNumber, EnterpriseNumber, ForeignVatNumber, LimosaId, Ssin};
    use crate::reference::{Declaration, Principal, Sector, Subcontractor};
    use crate::search::parse_date;
    use time::macros::datetime;

    const AT: OffsetDateTime = datetime!(2026-03-02 07:00:00 UTC);

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    struct World {
        person: Person,
        employer: Employer,
        declaration_number: DeclarationNumber,
        employments: Vec<Employment>,
        declaration: DeclarationDetails,
        limosa: Vec<LimosaDeclaration>,
    }

    fn world() -> World {
        let ssin = Ssin::parse("85073003328").unwrap();
        let employer = EnterpriseNumber::parse("0123456749").unwrap();
        let number = DeclarationNumber::parse("1Y1003SQ5VSSZ").unwrap();
        let declaration = Declaration {
            number: number.clone(),
            sector: Sector::Cleaning,
            site_name: "Tour".into(),
            street: String::new(),
            house_number: String::new(),
            post_code: "1000".into(),
            municipality: "Bruxelles".into(),
            coordinates: Some((50.85, 4.35)),
            start_date: d("2026-01-01"),
            end_date: Some(d("2026-12-31")),
            amount_excl_vat_cents: 0,
            principal: Some(Principal::Enterprise(EnterpriseNumber::parse("0203456708").unwrap())),
            declaring_contractor: employer.clone(),
            subject_to_registration: true,
        };
        World {
            person: Person::Ssin(ssin.clone()),
            employer: Employer::Enterprise(employer.clone()),
            declaration_number: number,
            employments: vec![Employment { ssin, employer, from: d("2025-01-01"), to: None }],
            declaration: DeclarationDetails { declaration, technical_number: "T".into(), subcontractors: vec![] },
            limosa: vec![],
        }
    }

    fn facts<'a>(w: &'a World, kind: RegistrationType) -> Facts<'a> {
        Facts {
            person: &w.person,
            employer: &w.employer,
            kind,
            declaration_number: &w.declaration_number,
            place_of_work: None,
            registration_date: AT,
            created_at: AT + Duration::seconds(2),
            site_code_issued_at: None,
            day: d("2026-03-02"),
            employer_facts: EmployerFacts { known: true, active: true, natural_person: false },
            employments: &w.employments,
            founders: &[],
            person_known: true,
            limosa: None,
            limosa_of_person: &w.limosa,
            declaration: Some(&w.declaration),
            duplicate: false,
            previous_here: None,
            open_elsewhere: false,
            next_here: true,
            window_over: false,
            policy: ValidationPolicy::default(),
        }
    }

    #[test]
    fn a_clean_in_has_no_remark() {
        let w = world();
        assert_eq!(evaluate(&facts(&w, RegistrationType::In)), vec![]);
        let mut f = facts(&w, RegistrationType::Out);
        f.previous_here = Some(RegistrationType::In);
        assert_eq!(evaluate(&f), vec![]);
    }

    #[test]
    fn person_and_employer_rules() {
        let w = world();
        let mut f = facts(&w, RegistrationType::In);
        f.employments = &[];
        assert_eq!(evaluate(&f), vec![RemarkKind::RelatedDimonaNotOk]);
        let ended = vec![Employment { to: Some(d("2026-03-01")), ..w.employments[0].clone() }];
        let mut f = facts(&w, RegistrationType::In);
        f.employments = &ended;
        assert_eq!(evaluate(&f), vec![RemarkKind::RelatedDimonaNotOk]);
        let mut f = facts(&w, RegistrationType::In);
        f.person_known = false;
        assert_eq!(evaluate(&f), vec![RemarkKind::NissIsNotKnownInTheNationalRegister]);
        let mut f = facts(&w, RegistrationType::In);
        f.employer_facts = EmployerFacts { known: false, active: false, natural_person: false };
        assert_eq!(evaluate(&f), vec![RemarkKind::CompanyDoesntExist]);
        let mut f = facts(&w, RegistrationType::In);
        f.employer_facts = EmployerFacts { known: true, active: false, natural_person: false };
        assert_eq!(evaluate(&f), vec![RemarkKind::EmployerNotActive]);
    }

    #[test]
    fn founder_and_self_employed_rules() {
        let w = world();
        let Person::Ssin(ssin) = w.person.clone() else { unreachable!() };
        let Employer::Enterprise(employer) = w.employer.clone() else { unreachable!() };
        let other_person = Ssin::parse("71071902374").unwrap();
        let other_enterprise = EnterpriseNumber::parse("0203456708").unwrap();
        let founder = |e: &EnterpriseNumber, p: &Ssin, to: Option<Date>| Founder {
            enterprise_number: e.clone(),
            ssin: p.clone(),
            from: d("2020-01-01"),
            to,
        };
        let check = |founders: &[Founder], natural_person: bool| {
            let mut f = facts(&w, RegistrationType::In);
            f.employments = &[];
            f.founders = founders;
            f.employer_facts.natural_person = natural_person;
            evaluate(&f)
        };
        // Without founder data: only the missing Dimona.
        assert_eq!(check(&[], false), vec![RemarkKind::RelatedDimonaNotOk]);
        // The founder working on their own enterprise needs no Dimona.
        assert_eq!(check(&[founder(&employer, &ssin, None)], false), vec![]);
        assert_eq!(check(&[founder(&employer, &ssin, None)], true), vec![]);
        // ... unless that founding ended before the day.
        assert_eq!(
            check(&[founder(&employer, &ssin, Some(d("2026-01-31")))], false),
            vec![RemarkKind::RelatedDimonaNotOk]
        );
        // The enterprise's founders are known, and the person is not one of them.
        assert_eq!(
            check(&[founder(&employer, &other_person, None)], false),
            vec![RemarkKind::RelatedDimonaNotOk, RemarkKind::GivenInssIsNotTheFounder]
        );
        // A self-employed person (founder elsewhere) registering for an enterprise they did not found.
        assert_eq!(
            check(&[founder(&employer, &other_person, None), founder(&other_enterprise, &ssin, None)], false),
            vec![RemarkKind::RelatedDimonaNotOk, RemarkKind::IndependantIsNotKnownAsFounder]
        );
        // A natural person's enterprise whose holder the registry does not know.
        assert_eq!(check(&[], true), vec![RemarkKind::RelatedDimonaNotOk, RemarkKind::EmployerIsNotKnownAsFounder]);
        // With a covering employment, founder data do not matter.
        let mut f = facts(&w, RegistrationType::In);
        let founders = [founder(&employer, &other_person, None)];
        f.founders = &founders;
        assert_eq!(evaluate(&f), vec![]);
    }

    #[test]
    fn limosa_rules() {
        let mut w = world();
        let base: u64 = 854_730_033;
        let bis = Ssin::parse(&format!("{base:09}{:02}", 97 - base % 97)).unwrap();
        let limosa_id = LimosaId::parse("L1PL123").unwrap();
        let decl = LimosaDeclaration {
            limosa_id: limosa_id.clone(),
            ssin: bis.clone(),
            foreign_employer_vat: ForeignVatNumber::parse("PL1234567890").unwrap(),
            belgian_client: None,
            from: d("2026-02-01"),
            to: Some(d("2026-02-28")),
        };
        w.employer = Employer::ForeignVat(ForeignVatNumber::parse("PL1234567890").unwrap());
        w.person = Person::Limosa(limosa_id);
        let mut f = facts(&w, RegistrationType::In);
        assert_eq!(evaluate(&f), vec![RemarkKind::LimosaIdIsNotKnown]);
        f.limosa = Some(&decl);
        assert_eq!(evaluate(&f), vec![RemarkKind::LimosaIdIsNotActiveAtDate]);
        let active = LimosaDeclaration { to: None, ..decl.clone() };
        f.limosa = Some(&active);
        assert_eq!(evaluate(&f), vec![]);
        // An employer the Limosa declaration does not name: a Belgian
        // enterprise, or another foreign employer.
        let belgian = Employer::Enterprise(w.declaration.declaration.declaring_contractor.clone());
        let mut g = f.clone();
        g.employer = &belgian;
        assert_eq!(evaluate(&g), vec![RemarkKind::RelatedDimonaNotOk], "a Belgian employer for a Limosa id");
        let other = Employer::ForeignVat(ForeignVatNumber::parse("PL9999999999").unwrap());
        g.employer = &other;
        assert_eq!(evaluate(&g), vec![RemarkKind::CompanyIsNotKnownInDuc], "another foreign employer");
        // A BIS number with a foreign employer is looked up in Limosa.
        w.person = Person::Ssin(bis);
        let f = facts(&w, RegistrationType::In);
        assert_eq!(evaluate(&f), vec![RemarkKind::NissBisIsNotKnownInLimosa]);
        let old = vec![decl.clone()];
        let mut f = facts(&w, RegistrationType::In);
        f.limosa_of_person = &old;
        assert_eq!(evaluate(&f), vec![RemarkKind::NissBisIsNotActiveInLimosa]);
        let now = vec![active.clone()];
        let mut f = facts(&w, RegistrationType::In);
        f.limosa_of_person = &now;
        assert_eq!(evaluate(&f), vec![]);
        // A national register number with a foreign employer too: a
        // foreign employer posts its workers through Limosa.
        w.person = Person::Ssin(Ssin::parse("85073003328").unwrap());
        let f = facts(&w, RegistrationType::In);
        assert_eq!(evaluate(&f), vec![RemarkKind::NissBisIsNotKnownInLimosa]);
    }

    #[test]
    fn a_foreign_employer_is_in_the_chain_through_limosa() {
        let mut w = world();
        let vat = ForeignVatNumber::parse("PL1234567890").unwrap();
        w.employer = Employer::ForeignVat(vat.clone());
        let limosa = |vat: &str, client: Option<&EnterpriseNumber>| LimosaDeclaration {
            limosa_id: LimosaId::parse("L1PL123").unwrap(),
            ssin: Ssin::parse("85073003328").unwrap(),
            foreign_employer_vat: ForeignVatNumber::parse(vat).unwrap(),
            belgian_client: client.cloned(),
            from: d("2026-01-01"),
            to: None,
        };
        let declarer = w.declaration.declaration.declaring_contractor.clone();
        let outsider = EnterpriseNumber::parse("0417497106").unwrap();
        fn case(w: &World, l: Vec<LimosaDeclaration>) -> Vec<RemarkKind> {
            let mut f = facts(w, RegistrationType::In);
            f.limosa_of_person = &l;
            evaluate(&f)
        }
        // Posted for the declaring contractor, or without a named client.
        assert_eq!(case(&w, vec![limosa("PL1234567890", Some(&declarer))]), vec![]);
        assert_eq!(case(&w, vec![limosa("PL1234567890", None)]), vec![]);
        // For a Belgian client outside the declaration's chain.
        assert_eq!(case(&w, vec![limosa("PL1234567890", Some(&outsider))]), vec![RemarkKind::CompanyIsNotKnownInDuc]);
        // Limosa knows the person with another foreign employer only: the
        // employer given is not the one on the site.
        assert_eq!(case(&w, vec![limosa("DE123456789", Some(&declarer))]), vec![RemarkKind::CompanyIsNotKnownInDuc]);
        // The client as a subcontractor of the declaration.
        w.declaration.subcontractors.push(Subcontractor {
            declaration: w.declaration_number.clone(),
            enterprise_number: outsider.clone(),
            parent: declarer.clone(),
            from: d("2026-01-01"),
            to: None,
        });
        assert_eq!(case(&w, vec![limosa("PL1234567890", Some(&outsider))]), vec![]);
    }

    #[test]
    fn declaration_rules() {
        let mut w = world();
        let mut f = facts(&w, RegistrationType::In);
        f.declaration = None;
        assert_eq!(evaluate(&f), vec![RemarkKind::DucIsNotExisting]);
        let mut f = facts(&w, RegistrationType::In);
        f.day = d("2027-01-01");
        assert!(evaluate(&f).contains(&RemarkKind::DucIsNotActiveAtThisDate));
        w.declaration.declaration.subject_to_registration = false;
        assert_eq!(
            evaluate(&facts(&w, RegistrationType::In)),
            vec![RemarkKind::SiteIsNotSubjectToPresenceRegistration]
        );
        w.declaration.declaration.subject_to_registration = true;
        // An employer outside the chain, then inside it as a subcontractor.
        let sub = EnterpriseNumber::parse("0203456708").unwrap();
        w.employer = Employer::Enterprise(sub.clone());
        let mut employments = w.employments.clone();
        employments[0].employer = sub.clone();
        w.employments = employments;
        assert_eq!(evaluate(&facts(&w, RegistrationType::In)), vec![RemarkKind::CompanyIsNotKnownInDuc]);
        w.declaration.subcontractors.push(Subcontractor {
            declaration: w.declaration_number.clone(),
            enterprise_number: sub,
            parent: EnterpriseNumber::parse("0123456749").unwrap(),
            from: d("2026-01-01"),
            to: None,
        });
        assert_eq!(evaluate(&facts(&w, RegistrationType::In)), vec![]);
        // A subcontract that has ended before the day.
        let mut ended = w.declaration.clone();
        ended.subcontractors[0].to = Some(d("2026-02-28"));
        let mut f = facts(&w, RegistrationType::In);
        f.declaration = Some(&ended);
        assert_eq!(evaluate(&f), vec![RemarkKind::CompanyIdAssociatedAtANotActiveContract]);
        // Coordinates far from the site (about 5.6 km).
        let far = PlaceOfWork::Coordinates { latitude: 50.8949, longitude: 4.3415, accuracy: None };
        let near = PlaceOfWork::Coordinates { latitude: 50.8505, longitude: 4.3505, accuracy: None };
        let mut f = facts(&w, RegistrationType::In);
        f.place_of_work = Some(&far);
        assert_eq!(evaluate(&f), vec![RemarkKind::PlaceOfWorkFarFromSite]);
        f.place_of_work = Some(&near);
        assert_eq!(evaluate(&f), vec![]);
        // The accuracy is taken into account: 5.6 km away but only known to
        // within 5 km is not proof of being far (5.6 - 5 < 1 km); within 4 km is.
        let vague = PlaceOfWork::Coordinates { latitude: 50.8949, longitude: 4.3415, accuracy: Some(5_000.0) };
        f.place_of_work = Some(&vague);
        assert_eq!(evaluate(&f), vec![]);
        let rough = PlaceOfWork::Coordinates { latitude: 50.8949, longitude: 4.3415, accuracy: Some(4_000.0) };
        f.place_of_work = Some(&rough);
        assert_eq!(evaluate(&f), vec![RemarkKind::PlaceOfWorkFarFromSite]);
        let mut f = facts(&w, RegistrationType::In);
        f.duplicate = true;
        assert_eq!(evaluate(&f), vec![RemarkKind::SameDeclarationAlreadyRegistered]);
    }

    #[test]
    fn sequence_rules() {
        let w = world();
        let f = facts(&w, RegistrationType::Out);
        assert_eq!(evaluate(&f), vec![RemarkKind::OutWithoutIn]);
        let mut f = facts(&w, RegistrationType::Out);
        f.previous_here = Some(RegistrationType::Out);
        assert_eq!(evaluate(&f), vec![RemarkKind::OutWithoutIn]);
        // An IN open on another workplace is not closed by an OUT here.
        let mut f = facts(&w, RegistrationType::Out);
        f.open_elsewhere = true;
        assert_eq!(evaluate(&f), vec![RemarkKind::OutWithoutIn]);
        let mut f = facts(&w, RegistrationType::In);
        f.previous_here = Some(RegistrationType::In);
        assert_eq!(evaluate(&f), vec![RemarkKind::InWhileAlreadyIn]);
        f.open_elsewhere = true;
        assert_eq!(evaluate(&f), vec![RemarkKind::InWhileAlreadyIn], "one sequence remark");
        let mut f = facts(&w, RegistrationType::In);
        f.open_elsewhere = true;
        assert_eq!(evaluate(&f), vec![RemarkKind::PresentOnTwoWorkplaces]);
        // A break: OUT then IN.
        let mut f = facts(&w, RegistrationType::In);
        f.previous_here = Some(RegistrationType::Out);
        assert_eq!(evaluate(&f), vec![]);
        let mut f = facts(&w, RegistrationType::In);
        f.next_here = false;
        assert_eq!(evaluate(&f), vec![], "the IN may still be closed");
        f.window_over = true;
        assert_eq!(evaluate(&f), vec![RemarkKind::DayLeftOpen]);
        let mut f = facts(&w, RegistrationType::In);
        f.created_at = AT + Duration::minutes(6);
        assert_eq!(evaluate(&f), vec![RemarkKind::LateRegistration]);
    }

    #[test]
    fn rotating_site_codes() {
        let w = world();
        let mut f = facts(&w, RegistrationType::In);
        f.site_code_issued_at = Some(f.created_at - Duration::seconds(40));
        assert_eq!(evaluate(&f), vec![], "a fresh code proves presence on site");
        f.site_code_issued_at = Some(f.created_at - Duration::seconds(91));
        assert_eq!(evaluate(&f), vec![RemarkKind::QrCodeExpired]);
        assert!(!RemarkKind::QrCodeExpired.affects_validity());
        assert!(RemarkKind::LateRegistration.affects_validity());
    }
}
