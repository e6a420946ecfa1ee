//! The simulation environment for integrators (`ciao serve --simulation`):
//! the same service on a database of its own, seeded with a documented,
//! fictitious but valid dataset (docs/simulation.md lists it), and two
//! operations production refuses: reset to the seed, and ending the day now
//! (so that `DAY_LEFT_OPEN` can be tried without waiting for midnight).
//!
//! Every identifier of the seed passes the checks of the real ones (mod-97
//! check digits of SSINs, BIS numbers and enterprise numbers); none belongs
//! to a real person or enterprise on purpose: the enterprise numbers are in
//! the range 0990.00x.xxx, the declarations start with `9SM`.

use ciao_domain::channel::{Permission, Role};
use ciao_domain::clock::brussels_start_of_day;
use ciao_domain::{EnterpriseNumber, Ssin, to_brussels};
use ciao_store::Environment;
use time::{Duration, OffsetDateTime};

use crate::validation::OPEN_DAY_LOOKBACK_DAYS;
use crate::{Caller, Result, Service, ServiceError};

/// The declaring contractor of the seed: the enterprise whose registration
/// system an integrator plays (`ciao simulation account` creates its REST
/// accounts for it unless told otherwise).
pub const DECLARING_CONTRACTOR: &str = "0990002091";
/// The seed's construction site of the declaring contractor, with the
/// two-level subcontractor chain.
pub const EXAMPLE_DECLARATION: &str = "9SMBUW2500001";
/// An employee of the declaring contractor: a first registration of this
/// person on [`EXAMPLE_DECLARATION`] is valid.
pub const EXAMPLE_WORKER: &str = "92031590120";

/// The employer user of the online service (`/e`): access manager of the
/// declaring contractor. Fictitious credentials, published on purpose.
pub const USER_SSIN: &str = "78021492120";
pub const USER_NAME: &str = "Greet Proefbeheer";
pub const USER_PASSWORD: &str = "ciao simulation only";
/// The user's TOTP secret (base32), to put in an authenticator app.
pub const USER_TOTP_SECRET: &str = "CIAOSIMULATIONTOTPSECRETFORTESTS";

/// Who loads the seed, in the audit log.
const SEEDER: &str = "simulation-seed";

pub const ENTERPRISES: &str = "\
enterprise_number,name,active_from,active_to,legal_form,founders
0990001004,Proefvastgoed NV,2010-01-04,,legal_entity,
0990002091,Simulation Services Group SA,2015-01-05,,legal_entity,
0990003081,Essai Bouw BV,2016-03-01,,legal_entity,
0990004071,Bram Proefmans,2018-01-02,,natural_person,81060790744
0990005061,Ancienne Entreprise SRL,2005-02-01,2024-12-31,legal_entity,
0990007041,Contract Afgelopen BV,2012-09-03,,legal_entity,
0990008031,Eva Essaie,2020-01-06,,natural_person,
0990009021,Autre Nettoyage SA,2011-05-02,,legal_entity,
";

pub const PERSONS: &str = "\
ssin,last_name,first_name
92031590120,Proef,Lotte
88072290343,Essai,Julien
95021090528,Probe,Jonas
81060790744,Proefmans,Bram
90091890919,Testelmans,Sara
76040391141,Essayeur,Marc
93012791343,Probst,Nina
87053091547,Proefkens,Tom
84081291758,Essaie,Eva
78021492120,Proefbeheer,Greet
85451292341,Próbny,Piotr
79460392593,Ensaio,Ana
90441992722,Prova,Luca
";

pub const EMPLOYMENTS: &str = "\
ssin,employer,from,to
92031590120,0990002091,2020-01-06,
88072290343,0990003081,2021-03-01,
95021090528,0990004071,2024-01-08,
90091890919,0990002091,2019-01-07,2025-06-30
76040391141,0990005061,2018-01-02,
93012791343,0990006051,2022-01-03,
87053091547,0990007041,2023-01-02,
";

pub const LIMOSA: &str = "\
limosa_id,ssin,foreign_employer_vat,belgian_client,from,to
L1SIM2500001,85451292341,PL5261000017,0990002091,2025-01-06,
L1SIM2500002,79460392593,PT509000001,0990002091,2025-01-06,2025-03-28
";

pub const DECLARATIONS: &str = "\
number,sector,site_name,street,house_number,post_code,municipality,latitude,longitude,start_date,end_date,amount_excl_vat,principal,declaring_contractor,subject_to_registration
9SMBUW2500001,construction,Résidence Simulation – 24 appartements,Rue de l'Essai,1,1000,Bruxelles,50.8466,4.3528,2025-01-06,,2400000,0990001004,0990002091,true
9SMCLN2500002,cleaning,Kantoren Proefpark – schoonmaak,Proefstraat,2,9000,Gent,51.0543,3.7174,2025-01-06,,120000,0990001004,0990002091,true
9SMVLS2500003,meat,Uitsnijderij Simulatie,Testlaan,3,8800,Roeselare,50.9465,3.1225,2025-01-06,,650000,,0990002091,true
9SMBUW2500004,construction,Kleine renovatie – niet registratieplichtig,Probeweg,4,4700,Eupen,50.6293,6.0364,2025-01-06,,150000,0990001004,0990002091,false
9SMCLN2500005,cleaning,Nettoyage de fin de chantier (terminé),Rue du Test,5,4000,Liège,50.6326,5.5797,2025-01-06,2025-06-30,80000,0990001004,0990002091,true
9SMBUW9900006,construction,Toekomstig project – nog niet begonnen,Toekomststraat,6,2000,Antwerpen,51.2194,4.4025,2099-01-05,2099-12-31,3000000,0990001004,0990002091,true
9SMCLN2500007,cleaning,Bureaux Autre – nettoyage,Avenue de l'Autre,7,5000,Namur,50.4674,4.8718,2025-01-06,,95000,,0990009021,true
";

pub const SUBCONTRACTORS: &str = "\
declaration,enterprise_number,parent,from,to
9SMBUW2500001,0990003081,0990002091,2025-01-06,
9SMBUW2500001,0990004071,0990003081,2025-02-03,
9SMBUW2500001,0990005061,0990002091,2025-01-06,
9SMBUW2500001,0990006051,0990002091,2025-01-06,
9SMBUW2500001,0990007041,0990002091,2025-01-06,2025-06-30
9SMBUW2500001,0990008031,0990002091,2025-01-06,
";

/// The seed's registries in import order (declarations before their subcontractors).
pub const SEED: [(&str, &str); 6] = [
    ("enterprises", ENTERPRISES),
    ("persons", PERSONS),
    ("employments", EMPLOYMENTS),
    ("limosa", LIMOSA),
    ("declarations", DECLARATIONS),
    ("subcontractors", SUBCONTRACTORS),
];

/// What loading the seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    /// Rows imported per registry, in import order.
    pub rows: Vec<(&'static str, u64)>,
    pub seeded_at: OffsetDateTime,
}

fn seed_error(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("the simulation seed ({what}): {e}"))
}

impl Service {
    /// Whether this service is the simulation environment.
    pub fn is_simulation(&self) -> bool {
        self.config.simulation && self.store.environment() == Environment::Simulation
    }

    fn require_simulation(&self, what: &str) -> Result<()> {
        if !self.is_simulation() {
            return Err(ServiceError::forbidden(
                "denied.simulationOnly",
                format!(
                    "{what} exists only in the simulation environment (ciao serve --simulation); this is production"
                ),
            ));
        }
        Ok(())
    }

    /// The operator, and any REST client of the simulation with the
    /// `register` scope, drive the simulation; persons do not.
    fn may_drive_simulation(caller: &Caller) -> Result<()> {
        match caller {
            Caller::Operator { .. } => Ok(()),
            Caller::Client { .. } => caller.require(Permission::Register),
            Caller::Person { .. } => Err(ServiceError::forbidden(
                "denied.simulationReset",
                "the simulation is reset by the operator or a registration system",
            )),
        }
    }

    /// Loads the seed: the registries through the ordinary import (with its
    /// checks), and the employer user with the published credentials.
    pub(crate) async fn seed_simulation(&self) -> Result<SeedSummary> {
        self.require_simulation("the seed")?;
        let seeder = Caller::Operator { name: SEEDER.into() };
        let mut rows = Vec::with_capacity(SEED.len());
        for (kind, csv) in SEED {
            let summary = self
                .import(&seeder, kind, std::io::Cursor::new(csv.as_bytes()), &mut |_, _| {})
                .await
                .map_err(|e| seed_error(kind, e))?;
            rows.push((kind, summary.rows));
        }
        let enterprise = EnterpriseNumber::parse(DECLARING_CONTRACTOR).map_err(|e| seed_error("user", e.message))?;
        let ssin = Ssin::parse(USER_SSIN).map_err(|e| seed_error("user", e.message))?;
        let roles = self.store.person_roles(&ssin).await?;
        if !roles.iter().any(|r| r.enterprise == enterprise && r.role == Role::AccessManager) {
            match self.add_enterprise_user(&seeder, &enterprise, &ssin, USER_NAME, Role::AccessManager).await {
                // Another node seeding the new database at the same time.
                Ok(_) | Err(ServiceError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let secret = ciao_auth::totp::base32_decode(USER_TOTP_SECRET).map_err(|e| seed_error("user", e))?;
        let password_hash = ciao_auth::password::hash_password(USER_PASSWORD).map_err(|e| seed_error("user", e))?;
        // The credentials go in the way an invitation sets them: a one-time
        // invitation, used at once.
        let now = self.now();
        let code = crate::worker::random_code()?;
        let hash = ciao_auth::token::sha256_hex(format!("{SEEDER}:{code}").as_bytes());
        self.store.add_employer_invitation(&hash, &ssin, SEEDER, now, now + Duration::minutes(1)).await?;
        let sealed = self.seal_totp_secret(&ssin, &secret)?;
        self.store
            .enrol_employer(&hash, &password_hash, &sealed, 0, now)
            .await?
            .ok_or_else(|| seed_error("user", "the invitation was not accepted"))?;
        self.store.simulation_seeded(now).await?;
        tracing::info!("simulation seed loaded");
        Ok(SeedSummary { rows, seeded_at: now })
    }

    /// Resets the simulation to its seed: registrations, registries, users
    /// and workers' sign-ins go; REST accounts and their certificates stay,
    /// and the seed's declarations keep their technical numbers.
    pub async fn simulation_reset(&self, caller: &Caller) -> Result<SeedSummary> {
        self.require_simulation("resetting to the seed")?;
        Self::may_drive_simulation(caller)?;
        // The seed's declarations stay (their fields set back by the
        // seed's import), so their technical numbers do not change: posters
        // and QR codes an integrator printed keep working.
        let seed_declarations: Vec<String> =
            crate::import::parse_csv::<ciao_domain::reference::Declaration>(DECLARATIONS.as_bytes(), &mut |_, _| {})
                .map_err(|e| seed_error("declarations", e))?
                .into_iter()
                .map(|(_, d)| d.number.as_str().to_string())
                .collect();
        let keep: Vec<&str> = seed_declarations.iter().map(String::as_str).collect();
        self.store.simulation_reset(&keep).await?;
        let summary = self.seed_simulation().await?;
        self.audit(caller, "simulation.reset", None, serde_json::json!({})).await?;
        Ok(summary)
    }

    /// Ends the day now: the INs of today (and of the last days) with
    /// nothing after them are queued for validation, which gives them
    /// `DAY_LEFT_OPEN` as the sweep after midnight would. Later
    /// registrations of today are not affected. Returns how many were queued.
    pub async fn simulation_sweep(&self, caller: &Caller) -> Result<u64> {
        self.require_simulation("ending the day now")?;
        Self::may_drive_simulation(caller)?;
        let now = self.now();
        self.store.simulation_close_day(now).await?;
        let today = to_brussels(now).date();
        let from = brussels_start_of_day(today - Duration::days(OPEN_DAY_LOOKBACK_DAYS));
        let queued = self.store.enqueue_open_days(from, now, ciao_domain::remarks::SHIFT_MAX, now).await?;
        self.audit(caller, "simulation.sweep", None, serde_json::json!({ "queued": queued })).await?;
        Ok(queued)
    }

    /// The instant before which the INs of its day count as left open
    /// (the simulation's last "end of the day now").
    pub(crate) async fn simulation_day_closed_at(&self) -> Result<Option<OffsetDateTime>> {
        if !self.config.simulation {
            return Ok(None);
        }
        Ok(self.store.simulation_state().await?.day_closed_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciao_domain::reference::{CsvRecord, Declaration, Employment, EnterprisePeriod, LimosaDeclaration};
    use ciao_domain::reference::{PersonRecord, Subcontractor};

    fn parses<R: CsvRecord>(csv: &str) -> usize {
        crate::import::parse_csv::<R>(csv.as_bytes(), &mut |_, _| {})
            .unwrap_or_else(|e| panic!("{}: {e}", R::KIND))
            .len()
    }

    #[test]
    fn the_seed_is_valid() {
        assert_eq!(parses::<EnterprisePeriod>(ENTERPRISES), 8);
        assert_eq!(parses::<PersonRecord>(PERSONS), 13);
        assert_eq!(parses::<Employment>(EMPLOYMENTS), 7);
        assert_eq!(parses::<LimosaDeclaration>(LIMOSA), 2);
        assert_eq!(parses::<Declaration>(DECLARATIONS), 7);
        assert_eq!(parses::<Subcontractor>(SUBCONTRACTORS), 6);
        for s in [EXAMPLE_WORKER, USER_SSIN] {
            Ssin::parse(s).unwrap();
        }
        EnterpriseNumber::parse(DECLARING_CONTRACTOR).unwrap();
        ciao_domain::DeclarationNumber::parse(EXAMPLE_DECLARATION).unwrap();
        assert_eq!(ciao_auth::totp::base32_decode(USER_TOTP_SECRET).unwrap().len(), 20);
        ciao_auth::password::check_password(USER_PASSWORD, USER_SSIN).unwrap();
        // The subcontractor unknown to the enterprise registry (COMPANY_DOES_NOT_EXIST) is valid too.
        EnterpriseNumber::parse("0990006051").unwrap();
        assert!(!ENTERPRISES.contains("0990006051"));
    }
}
