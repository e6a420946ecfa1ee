//! The domain of ciao, the presence register: validated identifiers,
//! registrations and their rules, reference data and the access rules.
//!
//! Pure: no I/O, no clock. Every function that needs the time takes it as a
//! value, so that every rule can be tested at any instant.

pub mod access;
pub mod channel;
pub mod clock;
pub mod ids;
pub mod reference;
pub mod registration;
pub mod remarks;
pub mod search;
pub mod text;
pub mod worktime;

pub use clock::{brussels_offset, format_brussels, format_utc, to_brussels};
pub use ids::{
    DeclarationNumber, EnterpriseNumber, ForeignVatNumber, InvalidValue, LimosaId, RegistrationId, Ssin, SsinKind,
    mask_ssins,
};
pub use registration::{
    Address, CancelReason, Channel, Employer, Event, FieldError, HistoryEntry, NewRegistration, Person, PlaceOfWork,
    RealTimePolicy, Registration, RegistrationInput, RegistrationType, Remark, Sender, ValidItem, Validity,
};
