//! Accounts and access: roles bound to an area subtree, and the one policy table that says what
//! each role may do.
//!
//! Scoping rule (DESIGN.md §3): a caller may act on an object only when one of their grants has a
//! role that allows the operation *and* the object's area lies inside that grant's subtree.
//! Outside scope the store answers "not found", never "forbidden", so nothing leaks.

use serde::{Deserialize, Serialize};

use crate::areas::AreaCode;
use crate::{FieldError, Invalid};

/// A role a user holds over an area subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, everywhere (the coordination centre's system administrator).
    Admin,
    /// Agency admin of an area: personal data and users of their area only.
    AreaAdmin,
    /// Partner organisation staff: works with personal data in their area.
    Staff,
    /// Field operator (อสม., CG, อพม., จิตอาสา): their village or assigned persons only.
    Operator,
    /// Aggregates only: counts and dashboards, never a person.
    Viewer,
    /// The `sensitive` permission: adds the sensitive categories (HIV, ex-prisoner) to what the
    /// holder's other roles already show in this subtree. Nobody has it implicitly, not even an
    /// administrator; it must be granted by name.
    Sensitive,
}

impl Role {
    /// All roles, most powerful first.
    pub const ALL: [Role; 6] = [
        Self::Admin,
        Self::AreaAdmin,
        Self::Staff,
        Self::Operator,
        Self::Viewer,
        Self::Sensitive,
    ];

    /// Stable name used in storage, the API and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::AreaAdmin => "area_admin",
            Self::Staff => "staff",
            Self::Operator => "operator",
            Self::Viewer => "viewer",
            Self::Sensitive => "sensitive",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(FieldError::new("role", "invalid_role"))
    }
}

/// Operations that need permission. New parts add theirs here and to [`Role::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Browse areas and their aggregate figures.
    ViewAreas,
    /// Create or rename villages.
    ManageVillages,
    /// See users (and their grants) of an area.
    ViewUsers,
    /// Create users, grant and revoke roles in an area.
    ManageUsers,
    /// Read the audit log of an area.
    ViewAudit,
    /// Read person-level data.
    ViewPersons,
    /// Change person-level data.
    EditPersons,
    /// See, store, export and count the sensitive categories (with another role that shows the
    /// person or the figures).
    ViewSensitive,
    /// Attest a village list entry (as village head, assistant or health volunteer) or dispute it.
    AttestPersons,
    /// Import person lists.
    ImportPersons,
    /// Export person lists.
    ExportPersons,
    /// See partner organisations, networks, volunteers (with their contact details) and the
    /// college's records.
    ViewNetwork,
    /// Add and change partners, networks and volunteers, and log volunteers' hours.
    ManageNetwork,
    /// Run the volunteer college: courses, sessions, enrolment, attendance, certificates.
    ManageCollege,
    /// Record home visits (vitals, ADL, needs, photos) for persons the caller may see.
    RecordVisits,
    /// Make and change care plans, assign persons to field workers, review sync conflicts.
    ManageCare,
    /// Create issue groups and choose their members and persons.
    ManageGroups,
    /// Add assistance programmes and record what persons receive.
    ManageAssistance,
    /// Run record linkage (registry duplicates, agency rolls), review its pairs, merge
    /// persons and undo merges.
    LinkRecords,
    /// Set up disaster watch: stations and their thresholds (later zones, risk points,
    /// incidents).
    ManageHazards,
    /// Enter readings of watch stations and acknowledge their alerts (the volunteers who run
    /// the gauges).
    RecordReadings,
    /// Erase a person's record and everything about them (PDPA right to erasure). Irreversible,
    /// so only the area's administrators (and national administrators) hold it.
    ErasePersons,
}

impl Role {
    /// The policy table: the single source of what each role may do (within its subtree).
    pub const fn allows(self, op: Operation) -> bool {
        use Operation::*;
        match self {
            Role::Admin => !matches!(op, ViewSensitive),
            Role::AreaAdmin => matches!(
                op,
                ViewAreas
                    | ManageVillages
                    | ViewUsers
                    | ManageUsers
                    | ViewAudit
                    | ViewPersons
                    | EditPersons
                    | AttestPersons
                    | ImportPersons
                    | ExportPersons
                    | ViewNetwork
                    | ManageNetwork
                    | ManageCollege
                    | RecordVisits
                    | ManageCare
                    | ManageGroups
                    | ManageAssistance
                    | LinkRecords
                    | ManageHazards
                    | RecordReadings
                    | ErasePersons
            ),
            Role::Staff => matches!(
                op,
                ViewAreas
                    | ViewPersons
                    | EditPersons
                    | AttestPersons
                    | ExportPersons
                    | ViewNetwork
                    | ManageNetwork
                    | ManageCollege
                    | RecordVisits
                    | ManageCare
                    | ManageAssistance
                    | LinkRecords
                    | ManageHazards
                    | RecordReadings
            ),
            Role::Operator => matches!(
                op,
                ViewAreas
                    | ViewPersons
                    | EditPersons
                    | AttestPersons
                    | ViewNetwork
                    | RecordVisits
                    | RecordReadings
            ),
            Role::Viewer => matches!(op, ViewAreas),
            Role::Sensitive => matches!(op, ViewSensitive),
        }
    }

    /// Roles this role may hand out (always inside its own subtree).
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::AreaAdmin => other != Role::Admin,
            _ => false,
        }
    }
}

/// What an API token may be used for.
///
/// A `sync` token is what a field phone holds: it reaches only the routes the field app needs
/// (its visits, their sync and photos, watch stations, readings and alerts), so a lost phone
/// cannot export the registry or change users. The route table in the web layer says which
/// routes those are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Every API route the holder's roles allow.
    #[default]
    Api,
    /// Only the field app's sync routes.
    Sync,
}

impl TokenPurpose {
    /// Stable name used in storage and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Sync => "sync",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "api" => Ok(Self::Api),
            "sync" => Ok(Self::Sync),
            _ => Err(FieldError::new("purpose", "invalid_choice")),
        }
    }
}

/// A role over a subtree. `area == None` means the whole country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Storage id of the grant.
    pub id: i64,
    /// The role.
    pub role: Role,
    /// Root of the subtree; `None` is the whole country.
    pub area: Option<AreaCode>,
}

impl Grant {
    /// True when `area` is inside this grant's subtree.
    pub fn covers(&self, area: &AreaCode) -> bool {
        self.area.as_ref().is_none_or(|root| area.is_within(root))
    }

    /// True when this grant's subtree contains the whole subtree rooted at `root` (`None` = the
    /// country).
    pub fn covers_subtree(&self, root: Option<&AreaCode>) -> bool {
        match (&self.area, root) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.is_within(mine),
        }
    }
}

/// Who is asking: a signed-in user with the grants they hold *now* (loaded on every request, so
/// a revoked role stops working on the next one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// User id.
    pub user_id: i64,
    /// Current grants.
    pub grants: Vec<Grant>,
}

/// What an actor may reach for one operation: the whole country, or a set of subtrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// No restriction.
    Everywhere,
    /// Only these subtrees (possibly none at all).
    Within(Vec<AreaCode>),
}

impl Scope {
    /// True when `area` is reachable.
    pub fn contains(&self, area: &AreaCode) -> bool {
        match self {
            Scope::Everywhere => true,
            Scope::Within(roots) => roots.iter().any(|r| area.is_within(r)),
        }
    }
}

impl Actor {
    /// The trusted command line (whoever runs it already holds the database): a national
    /// administrator, with the `sensitive` permission, and no account behind it.
    pub fn command_line() -> Self {
        Self {
            user_id: 0,
            grants: vec![
                Grant {
                    id: 0,
                    role: Role::Admin,
                    area: None,
                },
                Grant {
                    id: 0,
                    role: Role::Sensitive,
                    area: None,
                },
            ],
        }
    }

    /// The area of the actor's first grant allowing `op` (`None` for a national grant or none):
    /// where an action of theirs is recorded, and what their forms offer first.
    pub fn first_area(&self, op: Operation) -> Option<&AreaCode> {
        self.grants
            .iter()
            .find(|g| g.role.allows(op))
            .and_then(|g| g.area.as_ref())
    }

    /// Roles this actor may hand out somewhere, for choosing in a form.
    pub fn grantable_roles(&self) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| {
                self.grants
                    .iter()
                    .any(|g| g.role.allows(Operation::ManageUsers) && g.role.may_grant(*r))
            })
            .collect()
    }

    /// The scope in which this actor may perform `op`.
    pub fn scope(&self, op: Operation) -> Scope {
        let mut roots: Vec<AreaCode> = Vec::new();
        for g in self.grants.iter().filter(|g| g.role.allows(op)) {
            match &g.area {
                None => return Scope::Everywhere,
                Some(a) => roots.push(a.clone()),
            }
        }
        // Drop roots already inside another root: keeps the SQL filters short.
        roots.sort();
        roots.dedup();
        let all = roots.clone();
        roots.retain(|r| !all.iter().any(|o| o != r && r.is_within(o)));
        Scope::Within(roots)
    }

    /// True when the actor may perform `op` on something located in `area`.
    pub fn can(&self, op: Operation, area: &AreaCode) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.allows(op) && g.covers(area))
    }

    /// True when the actor may perform `op` anywhere at all (to show or hide a menu entry).
    pub fn can_somewhere(&self, op: Operation) -> bool {
        self.grants.iter().any(|g| g.role.allows(op))
    }

    /// True when this actor may hand out `role` over the subtree `area` (`None` = country).
    pub fn may_grant(&self, role: Role, area: Option<&AreaCode>) -> bool {
        self.grants.iter().any(|g| {
            g.role.allows(Operation::ManageUsers)
                && g.role.may_grant(role)
                && g.covers_subtree(area)
        })
    }

    /// True when the actor holds the admin role.
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }
}

/// A grant must make sense on its own: administrators cover the whole country, so an
/// administrator bound to an area is refused.
pub fn check_grant(role: Role, area: Option<&AreaCode>) -> Result<(), FieldError> {
    if role == Role::Admin && area.is_some() {
        return Err(FieldError::new("area_code", "admin_is_national"));
    }
    Ok(())
}

/// Parse a grant as typed into a form or sent to the API (an empty area is the whole country),
/// reporting every problem at once.
pub fn parse_grant(role: &str, area: Option<&str>) -> Result<(Role, Option<AreaCode>), Invalid> {
    let mut errors = Vec::new();
    let role = Role::parse(role).map_err(|e| errors.push(e)).ok();
    let area = match area.map(str::trim) {
        None | Some("") => None,
        Some(a) => AreaCode::parse(a).map_err(|e| errors.push(e)).ok(),
    };
    if let Some(r) = role
        && let Err(e) = check_grant(r, area.as_ref())
    {
        errors.push(e);
    }
    match role {
        Some(r) if errors.is_empty() => Ok((r, area)),
        _ => Err(Invalid(errors)),
    }
}

/// A normalised e-mail address (trimmed, lower-case), used as the login name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parse: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254 bytes.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_lowercase();
        let bad = FieldError::new("email", "invalid_email");
        if s.is_empty() {
            return Err(FieldError::new("email", "required"));
        }
        if s.len() > 254 || s.chars().any(char::is_whitespace) {
            return Err(bad);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(bad);
        };
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad);
        }
        Ok(Self(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// Minimum password length. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_LEN: usize = 10;

/// Check a new password: long enough, not absurdly long, not the e-mail itself.
pub fn check_new_password(password: &str, email: &Email) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(FieldError::new("password", "password_too_short"));
    }
    if n > 256 {
        return Err(FieldError::new("password", "password_too_long"));
    }
    if password.trim().eq_ignore_ascii_case(email.as_str()) {
        return Err(FieldError::new("password", "password_is_email"));
    }
    Ok(())
}

/// A display name: trimmed, 1–120 characters.
pub fn check_display_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new("display_name", "required"));
    }
    if name.chars().count() > 120 {
        return Err(FieldError::new("display_name", "too_long"));
    }
    Ok(name.to_owned())
}

/// Languages of the interface.
pub const LOCALES: [&str; 2] = ["th", "en"];

/// Parse a locale, falling back to Thai.
pub fn parse_locale(s: &str) -> &'static str {
    if s.trim().eq_ignore_ascii_case("en") {
        "en"
    } else {
        "th"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    fn actor(grants: &[(Role, Option<&str>)]) -> Actor {
        Actor {
            user_id: 1,
            grants: grants
                .iter()
                .enumerate()
                .map(|(i, (role, area))| Grant {
                    id: i as i64,
                    role: *role,
                    area: area.map(code),
                })
                .collect(),
        }
    }

    #[test]
    fn district_admin_reaches_own_subtree_only() {
        let a = actor(&[(Role::AreaAdmin, Some("5501"))]);
        assert!(a.can(Operation::ManageUsers, &code("5501")));
        assert!(a.can(Operation::ManageUsers, &code("550101")));
        assert!(a.can(Operation::ManageUsers, &code("55010101")));
        assert!(!a.can(Operation::ManageUsers, &code("55")));
        assert!(!a.can(Operation::ManageUsers, &code("5502")));
        assert!(!a.can(Operation::ManageUsers, &code("5601")));
    }

    #[test]
    fn viewer_sees_aggregates_only() {
        let v = actor(&[(Role::Viewer, None)]);
        assert!(v.can(Operation::ViewAreas, &code("55")));
        assert!(!v.can(Operation::ViewPersons, &code("55")));
        assert_eq!(v.scope(Operation::ViewPersons), Scope::Within(vec![]));
    }

    #[test]
    fn scope_merges_nested_roots() {
        let a = actor(&[
            (Role::Staff, Some("550101")),
            (Role::AreaAdmin, Some("5501")),
            (Role::Staff, Some("5601")),
        ]);
        assert_eq!(
            a.scope(Operation::ViewPersons),
            Scope::Within(vec![code("5501"), code("5601")])
        );
        assert_eq!(
            a.scope(Operation::ManageUsers),
            Scope::Within(vec![code("5501")])
        );
        assert_eq!(
            actor(&[(Role::Admin, None)]).scope(Operation::ViewAudit),
            Scope::Everywhere
        );
    }

    #[test]
    fn area_admin_grants_below_admin_inside_own_subtree() {
        let a = actor(&[(Role::AreaAdmin, Some("5501"))]);
        assert!(a.may_grant(Role::Operator, Some(&code("550101"))));
        assert!(a.may_grant(Role::AreaAdmin, Some(&code("5501"))));
        assert!(!a.may_grant(Role::Admin, Some(&code("5501"))));
        assert!(!a.may_grant(Role::Viewer, Some(&code("55"))));
        assert!(!a.may_grant(Role::Viewer, None));
        let staff = actor(&[(Role::Staff, Some("5501"))]);
        assert!(!staff.may_grant(Role::Viewer, Some(&code("550101"))));
    }

    #[test]
    fn every_role_may_at_least_view_areas_and_only_admin_everything() {
        for r in Role::ALL {
            // `sensitive` only widens what other roles show; alone it opens nothing.
            assert_eq!(
                r.allows(Operation::ViewAreas),
                r != Role::Sensitive,
                "{r:?}"
            );
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(!Role::AreaAdmin.may_grant(Role::Admin));
        // Sensitive categories need the named permission, even for an administrator.
        assert!(!Role::Admin.allows(Operation::ViewSensitive));
        assert!(Role::Sensitive.allows(Operation::ViewSensitive));
        assert!(!Role::Sensitive.allows(Operation::ViewPersons));
        assert_eq!(Role::parse("root").unwrap_err().code, "invalid_role");
    }

    #[test]
    fn grants_parse_with_every_problem_named() {
        assert_eq!(
            parse_grant("operator", Some(" 550101 ")).unwrap(),
            (Role::Operator, Some(code("550101")))
        );
        assert_eq!(
            parse_grant("viewer", Some("")).unwrap(),
            (Role::Viewer, None)
        );
        let e = parse_grant("chief", Some("55x")).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            [("role", "invalid_role"), ("area_code", "invalid_area_code")]
        );
        assert_eq!(
            parse_grant("admin", Some("55")).unwrap_err().0[0].code,
            "admin_is_national"
        );
        assert_eq!(parse_grant("admin", None).unwrap(), (Role::Admin, None));
    }

    #[test]
    fn grantable_roles_follow_the_policy() {
        assert_eq!(
            actor(&[(Role::AreaAdmin, Some("55"))]).grantable_roles(),
            &Role::ALL[1..]
        );
        assert_eq!(actor(&[(Role::Admin, None)]).grantable_roles(), Role::ALL);
        assert!(
            actor(&[(Role::Staff, Some("55"))])
                .grantable_roles()
                .is_empty()
        );
        assert!(Actor::command_line().is_admin());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Somchai@Example.ORG ").unwrap().as_str(),
            "somchai@example.org"
        );
        for bad in ["a", "a@b", "@b.c", "a b@c.d", "a@b.", "a@@b.c"] {
            assert_eq!(Email::parse(bad).unwrap_err().field, "email", "{bad:?}");
        }
        assert_eq!(Email::parse(" ").unwrap_err().code, "required");
    }

    #[test]
    fn passwords_need_length() {
        let e = Email::parse("a@b.co").unwrap();
        assert_eq!(
            check_new_password("short", &e).unwrap_err().code,
            "password_too_short"
        );
        assert!(check_new_password("ยาวพอแล้วนะครับ", &e).is_ok());
        assert_eq!(
            check_new_password("A@B.CO    ", &e).unwrap_err().code,
            "password_is_email"
        );
    }
}
