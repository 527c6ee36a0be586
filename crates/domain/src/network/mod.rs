//! The network: partner organisations by sector, networks of partners, volunteers (kind, skills,
//! languages, area, availability, hours given), and the volunteer college (courses, sessions,
//! attendance, certificates with a public verification code). The matching helper ranks the
//! volunteers who can go now near a point with the skills needed.

pub mod availability;
pub mod certificate;
pub mod codes;
pub mod forms;
pub mod import;
pub mod matching;

pub use availability::Availability;
pub use codes::{Language, Offer, OrgType, Sector, Skill, VolunteerKind};
pub use forms::{
    CourseForm, CourseInput, HoursForm, HoursInput, OrganisationForm, OrganisationInput,
    SessionForm, SessionInput, VolunteerForm, VolunteerInput,
};
pub use matching::{Candidate, Match, Need};
