//! Audit actions: what the append-only audit log records.
//!
//! Entries say *who* did *what* to *which entity id*; they never copy personal data (names,
//! ID numbers) into the log, so the log itself needs no redaction.

use serde::Serialize;

/// An audited action. The string form is stored; never rename one that has been stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AuditAction {
    /// Successful sign-in.
    Login,
    /// Failed sign-in (wrong password, unknown account or throttled).
    LoginFailed,
    /// Sign-out.
    Logout,
    /// First administrator created at set-up.
    SetupAdmin,
    /// A user chose their password through a one-time link.
    PasswordSet,
    /// A user account was created.
    UserCreate,
    /// A user account was changed (name, active flag, password).
    UserUpdate,
    /// A role was granted.
    RoleGrant,
    /// A role was revoked.
    RoleRevoke,
    /// An API token was created.
    TokenCreate,
    /// An API token was revoked.
    TokenRevoke,
    /// A village was created.
    VillageCreate,
    /// A village was renamed.
    VillageUpdate,
    /// A person's record was read (page or API object).
    PersonView,
    /// A list of persons was searched (the count is recorded, never the query text).
    PersonSearch,
    /// A person was created.
    PersonCreate,
    /// A person was changed.
    PersonUpdate,
    /// A category was given to or changed on a person.
    CategorySet,
    /// A category was taken off a person.
    CategoryRemove,
    /// A household's data changed.
    HouseholdUpdate,
    /// A consent was recorded.
    ConsentGive,
    /// A consent was withdrawn.
    ConsentWithdraw,
    /// A person was attested in a village review.
    Attest,
    /// A person's record was disputed.
    Dispute,
    /// A dispute was resolved.
    DisputeResolve,
    /// A person list was imported.
    PersonImport,
    /// A person list was exported.
    PersonExport,
    /// A partner organisation was added.
    PartnerCreate,
    /// A partner organisation was changed.
    PartnerUpdate,
    /// A network of partners was made.
    NetworkCreate,
    /// A partner joined a network.
    NetworkJoin,
    /// A volunteer was added.
    VolunteerCreate,
    /// A volunteer was changed.
    VolunteerUpdate,
    /// A volunteer's record was opened.
    VolunteerView,
    /// Volunteers were listed (with the number shown, never the query).
    VolunteerList,
    /// Hours given were logged.
    VolunteerHours,
    /// Volunteers near a point were looked for.
    VolunteerMatch,
    /// A course was added to the college.
    CourseCreate,
    /// A session of a course was scheduled.
    SessionCreate,
    /// A volunteer was enrolled in a session.
    Enrol,
    /// Attendance was marked.
    Attendance,
    /// A certificate was issued (course completed; its skills granted).
    CertificateIssue,
    /// A certificate code was checked on the public page.
    CertificateVerify,
    /// A partner list was imported.
    PartnerImport,
    /// A volunteer list was imported.
    VolunteerImport,
    /// A user account was tied to (or untied from) a partner organisation.
    UserOrganisation,
    /// A volunteer was linked to (or unlinked from) a user account.
    VolunteerLogin,
    /// A home visit was recorded (or synced from a device).
    VisitRecord,
    /// A home visit was corrected.
    VisitUpdate,
    /// An offline edit against an older version was kept as a conflict.
    VisitConflict,
    /// A conflict was reviewed (applied or discarded).
    VisitConflictResolve,
    /// Visits of a person were read.
    VisitView,
    /// A visit photo was stored.
    PhotoUpload,
    /// A visit photo was opened.
    PhotoView,
    /// A field worker's list of visits to make was read (and cached on the device).
    MyVisits,
    /// A person was assigned to (or unassigned from) a field worker.
    CareAssign,
    /// A care plan was opened.
    PlanView,
    /// A care plan or one of its items was created or changed.
    PlanChange,
    /// An issue group was made.
    GroupCreate,
    /// Members, persons or notes of an issue group changed.
    GroupChange,
    /// An issue group (with its persons) was opened.
    GroupView,
    /// An assistance programme was added.
    ProgrammeCreate,
    /// What a person receives was recorded.
    AssistanceAdd,
    /// A person's assistance was ended.
    AssistanceEnd,
    /// A person's assistance was read.
    AssistanceView,
    /// The gap report of an area was read (the number of persons listed).
    GapReport,
    /// A record linkage run (registry duplicates or an agency roll) applied its sure pairs.
    LinkRun,
    /// A pair of the review queue was opened (both records shown).
    LinkReviewView,
    /// A reviewer decided a pair: match, not a match, or skip.
    LinkDecide,
    /// The rows of an imported roll were listed (names as the agency wrote them).
    LinkRollView,
    /// Two persons were merged (the merged record kept, its links moved).
    PersonMerge,
    /// A merge was undone (the links moved back).
    PersonUnmerge,
    /// Hazard zones or risk points were imported, drawn, reshaped or removed (no personal data;
    /// kept because evacuation lists follow from them).
    HazardZoneChange,
    /// The evacuation list of a zone was read (the number of persons listed).
    EvacuationList,
    /// Everything held on one person was exported (a PDPA subject-access request).
    PersonDataExport,
    /// The list of who accessed a person's record was read.
    PersonAccessView,
    /// A person's record and everything about them were erased (the entry names the person's
    /// row id and the erasure's pseudonym only).
    PersonErase,
    /// The retention rules were applied (what they erased and emptied, counted).
    RetentionRun,
}

impl AuditAction {
    /// Stable stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Login => "auth.login",
            Self::LoginFailed => "auth.login_failed",
            Self::Logout => "auth.logout",
            Self::SetupAdmin => "auth.setup_admin",
            Self::PasswordSet => "auth.password_set",
            Self::UserCreate => "user.create",
            Self::UserUpdate => "user.update",
            Self::RoleGrant => "role.grant",
            Self::RoleRevoke => "role.revoke",
            Self::TokenCreate => "token.create",
            Self::TokenRevoke => "token.revoke",
            Self::VillageCreate => "area.village_create",
            Self::VillageUpdate => "area.village_update",
            Self::PersonView => "person.view",
            Self::PersonSearch => "person.search",
            Self::PersonCreate => "person.create",
            Self::PersonUpdate => "person.update",
            Self::CategorySet => "person.category_set",
            Self::CategoryRemove => "person.category_remove",
            Self::HouseholdUpdate => "household.update",
            Self::ConsentGive => "consent.give",
            Self::ConsentWithdraw => "consent.withdraw",
            Self::Attest => "verification.attest",
            Self::Dispute => "verification.dispute",
            Self::DisputeResolve => "verification.resolve",
            Self::PersonImport => "person.import",
            Self::PersonExport => "person.export",
            Self::PartnerCreate => "partner.create",
            Self::PartnerUpdate => "partner.update",
            Self::NetworkCreate => "network.create",
            Self::NetworkJoin => "network.join",
            Self::VolunteerCreate => "volunteer.create",
            Self::VolunteerUpdate => "volunteer.update",
            Self::VolunteerView => "volunteer.view",
            Self::VolunteerList => "volunteer.list",
            Self::VolunteerHours => "volunteer.hours",
            Self::VolunteerMatch => "volunteer.match",
            Self::CourseCreate => "college.course_create",
            Self::SessionCreate => "college.session_create",
            Self::Enrol => "college.enrol",
            Self::Attendance => "college.attendance",
            Self::CertificateIssue => "college.certificate_issue",
            Self::CertificateVerify => "college.certificate_verify",
            Self::PartnerImport => "partner.import",
            Self::VolunteerImport => "volunteer.import",
            Self::UserOrganisation => "user.organisation",
            Self::VolunteerLogin => "volunteer.login",
            Self::VisitRecord => "visit.record",
            Self::VisitUpdate => "visit.update",
            Self::VisitConflict => "visit.conflict",
            Self::VisitConflictResolve => "visit.conflict_resolve",
            Self::VisitView => "visit.view",
            Self::PhotoUpload => "photo.upload",
            Self::PhotoView => "photo.view",
            Self::MyVisits => "care.my_visits",
            Self::CareAssign => "care.assign",
            Self::PlanView => "care_plan.view",
            Self::PlanChange => "care_plan.change",
            Self::GroupCreate => "group.create",
            Self::GroupChange => "group.change",
            Self::GroupView => "group.view",
            Self::ProgrammeCreate => "assistance.programme_create",
            Self::AssistanceAdd => "assistance.add",
            Self::AssistanceEnd => "assistance.end",
            Self::AssistanceView => "assistance.view",
            Self::GapReport => "assistance.gap_report",
            Self::LinkRun => "link.run",
            Self::LinkReviewView => "link.review_view",
            Self::LinkDecide => "link.decide",
            Self::LinkRollView => "link.roll_view",
            Self::PersonMerge => "person.merge",
            Self::PersonUnmerge => "person.unmerge",
            Self::HazardZoneChange => "hazard.zone_change",
            Self::EvacuationList => "hazard.evacuation_list",
            Self::PersonDataExport => "person.data_export",
            Self::PersonAccessView => "person.access_view",
            Self::PersonErase => "person.erase",
            Self::RetentionRun => "privacy.retention",
        }
    }
}

/// Request context an audit entry carries: request id and client address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// Correlation id of the HTTP request (or `cli`).
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
}

impl RequestMeta {
    /// Context for actions taken from the command line.
    pub fn cli() -> Self {
        Self {
            request_id: Some("cli".into()),
            ip: None,
        }
    }
}
