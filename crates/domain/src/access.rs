//! Who may register for whom and who may consult what.
//!
//! The rules, for a caller acting for enterprise E:
//! - register: items whose employer is E, or whose employer is below E in
//!   the subcontractor chain of the item's declaration (a contractor provides
//!   the registration system to its subcontractors);
//! - consult: registrations whose employer is E, or on a declaration where E
//!   is the principal, the declaring contractor, or a contractor above the
//!   employer in the chain;
//! - cancel: only registrations the caller itself sent.
//!
//! The chain is turned once, when declarations or subcontractors are
//! imported, into [`AccessGrant`]s, which the store indexes; a consultation
//! is then one indexed lookup and never a walk up the chain.

use std::collections::{HashMap, HashSet};

use crate::ids::EnterpriseNumber;
use crate::reference::{Declaration, Subcontractor};

/// What a grant lets its holder do on a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantRole {
    /// The principal: consults every registration on the declaration.
    Principal,
    /// The declaring contractor: consults every registration, and registers
    /// for every subcontractor (it is above all of them).
    Declarer,
    /// A contractor above `employer` in the chain: consults and registers
    /// for that employer.
    Contractor,
}

impl GrantRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Principal => "principal",
            Self::Declarer => "declarer",
            Self::Contractor => "contractor",
        }
    }
}

/// `viewer` may see registrations on the declaration whose employer is
/// `employer` (every employer when None).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessGrant {
    pub viewer: EnterpriseNumber,
    pub employer: Option<EnterpriseNumber>,
    pub role: GrantRole,
}

/// The consultation rule for one registration: `viewer` sees it when it is
/// the employer, or through one of its grants on the registration's
/// declaration (`grants_on_declaration`), for every employer or for this
/// one. A foreign employer's registrations (`employer` None) are seen only
/// through a grant for every employer.
pub fn may_consult(
    viewer: &EnterpriseNumber,
    employer: Option<&EnterpriseNumber>,
    grants_on_declaration: &[AccessGrant],
) -> bool {
    employer == Some(viewer)
        || grants_on_declaration.iter().any(|g| g.employer.is_none() || g.employer.as_ref() == employer)
}

/// Computes the grants of one declaration from its principal, declaring
/// contractor and subcontractor chain. A subcontractor whose parent is not in
/// the chain, or a cycle, stops the walk: it never grants more than the
/// chain shows.
pub fn grants(declaration: &Declaration, subcontractors: &[Subcontractor]) -> Vec<AccessGrant> {
    let mut out: HashSet<AccessGrant> = HashSet::new();
    // A principal that is the declaring contractor (refused since, but
    // perhaps stored before) has the declarer's grant: one per viewer.
    if let Some(p) =
        declaration.principal.as_ref().and_then(|p| p.enterprise()).filter(|p| *p != &declaration.declaring_contractor)
    {
        out.insert(AccessGrant { viewer: p.clone(), employer: None, role: GrantRole::Principal });
    }
    let declarer = &declaration.declaring_contractor;
    out.insert(AccessGrant { viewer: declarer.clone(), employer: None, role: GrantRole::Declarer });
    let parent_of: HashMap<&EnterpriseNumber, &EnterpriseNumber> = subcontractors
        .iter()
        .filter(|s| s.declaration == declaration.number)
        .map(|s| (&s.enterprise_number, &s.parent))
        .collect();
    for sub in parent_of.keys() {
        let mut seen: HashSet<&EnterpriseNumber> = HashSet::from([*sub]);
        let mut current = *sub;
        while let Some(parent) = parent_of.get(current) {
            if !seen.insert(parent) {
                break; // a cycle: never loop, never grant through it
            }
            out.insert(AccessGrant {
                viewer: (*parent).clone(),
                employer: Some((*sub).clone()),
                role: GrantRole::Contractor,
            });
            if *parent == declarer {
                break;
            }
            current = parent;
        }
    }
    let mut v: Vec<_> = out.into_iter().collect();
    v.sort();
    v
}

/// Checks a new set of subcontractors of one declaration: every parent is the
/// declaring contractor or another subcontractor, and the chain has no cycle.
/// Returns the index (in `subs`) of the first offending row and why.
pub fn check_chain(declarer: &EnterpriseNumber, subs: &[&Subcontractor]) -> Result<(), (usize, String)> {
    let members: HashSet<&EnterpriseNumber> = subs.iter().map(|s| &s.enterprise_number).collect();
    for (i, s) in subs.iter().enumerate() {
        if s.parent != *declarer && !members.contains(&s.parent) {
            return Err((
                i,
                format!(
                    "parent {} is neither the declaring contractor ({}) nor a subcontractor of declaration {}",
                    s.parent, declarer, s.declaration
                ),
            ));
        }
        if s.enterprise_number == *declarer {
            return Err((i, "the declaring contractor cannot be its own subcontractor".to_string()));
        }
    }
    let parent_of: HashMap<&EnterpriseNumber, &EnterpriseNumber> =
        subs.iter().map(|s| (&s.enterprise_number, &s.parent)).collect();
    for (i, s) in subs.iter().enumerate() {
        let mut seen = HashSet::from([&s.enterprise_number]);
        let mut cur = &s.enterprise_number;
        while let Some(p) = parent_of.get(cur) {
            if !seen.insert(*p) {
                return Err((i, format!("the chain above {} loops", s.enterprise_number)));
            }
            cur = p;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeclarationNumber;
    use crate::reference::{Principal, Sector};
    use crate::search::parse_date;

    fn ent(base: u64) -> EnterpriseNumber {
        EnterpriseNumber::parse(&format!("{base:08}{:02}", 97 - base % 97)).unwrap()
    }

    fn decl(principal: EnterpriseNumber, declarer: EnterpriseNumber) -> Declaration {
        Declaration {
            number: DeclarationNumber::parse("1Y1003SQ5VSSZ").unwrap(),
            sector: Sector::Cleaning,
            site_name: "site".into(),
            street: String::new(),
            house_number: String::new(),
            post_code: "1000".into(),
            municipality: "Brussel".into(),
            coordinates: None,
            start_date: parse_date("2026-01-01").unwrap(),
            end_date: None,
            amount_excl_vat_cents: 0,
            principal: Some(Principal::Enterprise(principal)),
            declaring_contractor: declarer,
            subject_to_registration: true,
        }
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
    fn chain_grants() {
        let (p, d, a, b, c) = (ent(1_000_001), ent(2_000_002), ent(3_000_003), ent(4_000_004), ent(5_000_005));
        // d -> a -> b ; d -> c
        let g = grants(&decl(p.clone(), d.clone()), &[sub(&a, &d), sub(&b, &a), sub(&c, &d)]);
        let has = |v: &EnterpriseNumber, e: Option<&EnterpriseNumber>, r| {
            g.contains(&AccessGrant { viewer: v.clone(), employer: e.cloned(), role: r })
        };
        assert!(has(&p, None, GrantRole::Principal));
        assert!(has(&d, None, GrantRole::Declarer));
        assert!(has(&d, Some(&a), GrantRole::Contractor));
        assert!(has(&d, Some(&b), GrantRole::Contractor));
        assert!(has(&d, Some(&c), GrantRole::Contractor));
        assert!(has(&a, Some(&b), GrantRole::Contractor));
        assert!(!g.iter().any(|x| x.viewer == a && x.employer.as_ref() == Some(&c)));
        assert!(!g.iter().any(|x| x.viewer == b));
        assert!(!g.iter().any(|x| x.viewer == c));
        assert_eq!(g.len(), 6);
    }

    #[test]
    fn a_principal_that_is_the_declarer_has_one_grant() {
        let d = ent(2_000_002);
        let g = grants(&decl(d.clone(), d.clone()), &[]);
        assert_eq!(g, vec![AccessGrant { viewer: d.clone(), employer: None, role: GrantRole::Declarer }]);
        let fault = Principal::fault(Some(&Principal::Enterprise(d.clone())), &d).expect("refused");
        assert_eq!((fault.field.as_str(), fault.code.as_str()), ("principal", "principal.isDeclarer"));
        assert!(Principal::fault(Some(&Principal::Enterprise(ent(1_000_001))), &d).is_none());
        assert!(Principal::fault(None, &d).is_none());
    }

    #[test]
    fn chain_checks() {
        let (d, a, b, x) = (ent(2_000_002), ent(3_000_003), ent(4_000_004), ent(9_000_009));
        assert!(check_chain(&d, &[&sub(&a, &d), &sub(&b, &a)]).is_ok());
        let e = check_chain(&d, &[&sub(&a, &d), &sub(&b, &x)]).unwrap_err();
        assert_eq!(e.0, 1);
        let e = check_chain(&d, &[&sub(&a, &b), &sub(&b, &a)]).unwrap_err();
        assert!(e.1.contains("loops"), "{}", e.1);
        // A cycle in stored data never makes grants loop.
        let g = grants(&decl(ent(1_000_001), d.clone()), &[sub(&a, &b), sub(&b, &a)]);
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn consultation_by_employer_or_grant() {
        let (viewer, employer, other) = (ent(1_000_001), ent(1_000_002), ent(1_000_003));
        let grant = |employer: Option<&EnterpriseNumber>| AccessGrant {
            viewer: viewer.clone(),
            employer: employer.cloned(),
            role: GrantRole::Contractor,
        };
        assert!(may_consult(&viewer, Some(&viewer), &[]), "its own workers");
        assert!(!may_consult(&viewer, Some(&employer), &[]));
        assert!(may_consult(&viewer, Some(&employer), &[grant(Some(&employer))]));
        assert!(!may_consult(&viewer, Some(&other), &[grant(Some(&employer))]));
        assert!(may_consult(&viewer, Some(&other), &[grant(None)]), "a grant for every employer");
        assert!(may_consult(&viewer, None, &[grant(None)]), "a foreign employer through a grant for every employer");
        assert!(!may_consult(&viewer, None, &[grant(Some(&employer))]));
    }
}
