//! The volunteer college (วิทยาลัยจิตอาสา): courses, their sessions, enrolment and attendance,
//! and certificates. Completing a course (attended, then marked complete) issues a certificate
//! with a verification code and grants the course's skills to the volunteer. Anyone can check a
//! code on the public page, which shows only the name, the course and the date.

use chrono::{NaiveDate, Utc};
use rand::Rng;
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::network::certificate::{code_from_bits, normalise_code};
use ruamjai_domain::network::codes::join_codes;
use ruamjai_domain::network::{CourseInput, SessionInput, Skill};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use super::entity::{course_sessions, courses, enrolments, volunteers};
use super::{display_name, grant_skill};
use crate::areas::{reach_condition, reaches};
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};

/// A course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Course {
    pub id: i64,
    pub title_th: String,
    pub title_en: Option<String>,
    /// Who runs it.
    pub area: AreaCode,
    /// Granted on completion.
    pub skills: Vec<Skill>,
    pub hours: Option<i32>,
    pub description: Option<String>,
}

impl From<courses::Model> for Course {
    fn from(m: courses::Model) -> Self {
        Self {
            id: m.id,
            area: AreaCode::parse(&m.area_code).expect("stored codes are valid"),
            skills: m.skills.split(',').filter_map(Skill::parse).collect(),
            title_th: m.title_th,
            title_en: m.title_en,
            hours: m.hours,
            description: m.description,
        }
    }
}

/// A session of a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub course_id: i64,
    pub date: NaiveDate,
    pub place: String,
    pub trainer: Option<String>,
    pub capacity: Option<i32>,
    /// Enrolled so far.
    pub enrolled: u64,
}

/// One volunteer in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolment {
    pub id: i64,
    pub session_id: i64,
    pub volunteer_id: i64,
    /// The volunteer's name as shown.
    pub name: String,
    pub attended: bool,
    pub completed_on: Option<NaiveDate>,
    pub certificate_code: Option<String>,
}

/// What the public page shows for a valid code: nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateCheck {
    pub name: String,
    pub course_th: String,
    pub course_en: Option<String>,
    pub completed_on: NaiveDate,
    pub code: String,
}

impl Store {
    /// Add a course run in `input.area` (needs `ManageCollege` there).
    pub async fn create_course(
        &self,
        actor: &Actor,
        input: CourseInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        self.check_area(actor, Operation::ManageCollege, &input.area)
            .await?;
        let txn = self.db.begin().await?;
        let c = courses::ActiveModel {
            title_th: Set(input.title_th),
            title_en: Set(input.title_en),
            area_code: Set(input.area.to_string()),
            skills: Set(join_codes(&input.skills, Skill::as_str)),
            hours: Set(input.hours.map(i32::from)),
            description: Set(input.description),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::CourseCreate, meta)
                .entity("course", c.id)
                .area(&input.area),
        )
        .await?;
        txn.commit().await?;
        Ok(c.id)
    }

    /// A course the caller can reach (its own area, below or above).
    pub async fn course(&self, actor: &Actor, id: i64) -> Result<Course> {
        let c = Course::from(
            courses::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .ok_or(StoreError::NotFound)?,
        );
        if !reaches(&actor.scope(Operation::ViewNetwork), &c.area) {
            return Err(StoreError::NotFound);
        }
        Ok(c)
    }

    /// Courses the caller can reach, by title.
    pub async fn list_courses(&self, actor: &Actor) -> Result<Vec<Course>> {
        let mut q = courses::Entity::find();
        if let Some(c) = reach_condition(
            courses::Column::AreaCode,
            &actor.scope(Operation::ViewNetwork),
        ) {
            q = q.filter(c);
        }
        Ok(q.order_by_asc(courses::Column::TitleTh)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Course::from)
            .collect())
    }

    /// A course the caller runs (`ManageCollege` over its area).
    async fn managed_course(&self, actor: &Actor, id: i64) -> Result<Course> {
        let c = self.course(actor, id).await?;
        if !actor.can(Operation::ManageCollege, &c.area) {
            return Err(StoreError::Forbidden);
        }
        Ok(c)
    }

    /// Schedule a session of a course the caller runs.
    pub async fn create_course_session(
        &self,
        actor: &Actor,
        course_id: i64,
        input: SessionInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let c = self.managed_course(actor, course_id).await?;
        let txn = self.db.begin().await?;
        let s = course_sessions::ActiveModel {
            course_id: Set(course_id),
            on_date: Set(input.date),
            place: Set(input.place),
            trainer: Set(input.trainer),
            capacity: Set(input.capacity.map(|c| c as i32)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::SessionCreate, meta)
                .entity("session", s.id)
                .area(&c.area),
        )
        .await?;
        txn.commit().await?;
        Ok(s.id)
    }

    /// Sessions of a reachable course, latest first.
    pub async fn list_course_sessions(
        &self,
        actor: &Actor,
        course_id: i64,
    ) -> Result<Vec<Session>> {
        self.course(actor, course_id).await?;
        let rows = course_sessions::Entity::find()
            .filter(course_sessions::Column::CourseId.eq(course_id))
            .order_by_desc(course_sessions::Column::OnDate)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for s in rows {
            let enrolled = enrolments::Entity::find()
                .filter(enrolments::Column::SessionId.eq(s.id))
                .count(&self.db)
                .await?;
            out.push(Session {
                id: s.id,
                course_id: s.course_id,
                date: s.on_date,
                place: s.place,
                trainer: s.trainer,
                capacity: s.capacity,
                enrolled,
            });
        }
        Ok(out)
    }

    /// One session of a reachable course.
    pub async fn course_session(&self, actor: &Actor, session_id: i64) -> Result<Session> {
        let s = course_sessions::Entity::find_by_id(session_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.course(actor, s.course_id).await?;
        let enrolled = enrolments::Entity::find()
            .filter(enrolments::Column::SessionId.eq(session_id))
            .count(&self.db)
            .await?;
        Ok(Session {
            id: s.id,
            course_id: s.course_id,
            date: s.on_date,
            place: s.place,
            trainer: s.trainer,
            capacity: s.capacity,
            enrolled,
        })
    }

    /// The certificate of a completed enrolment in a course the caller runs, for printing
    /// (the read is audited as the caller's). `None` before completion.
    pub async fn certificate(
        &self,
        actor: &Actor,
        enrolment_id: i64,
        meta: &RequestMeta,
    ) -> Result<Option<CertificateCheck>> {
        let (e, c) = self.managed_enrolment(actor, enrolment_id).await?;
        let Some(check) = self.certificate_of(&e).await? else {
            return Ok(None);
        };
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::CertificateIssue, meta)
                .entity("enrolment", e.id)
                .area(&c.area)
                .detail(serde_json::json!({ "printed": true })),
        )
        .await?;
        Ok(Some(check))
    }

    /// The session and its course, when the caller runs the course.
    async fn managed_session(
        &self,
        actor: &Actor,
        session_id: i64,
    ) -> Result<(course_sessions::Model, Course)> {
        let s = course_sessions::Entity::find_by_id(session_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let c = self.managed_course(actor, s.course_id).await?;
        Ok((s, c))
    }

    /// Enrol a volunteer the caller can see in a session of a course they run (enrolling
    /// twice changes nothing). A full session refuses more.
    pub async fn enrol(
        &self,
        actor: &Actor,
        session_id: i64,
        volunteer_id: i64,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let (s, c) = self.managed_session(actor, session_id).await?;
        self.volunteer_model(actor, volunteer_id)
            .await
            .map_err(|_| FieldError::new("volunteer_id", "not_found"))?;
        let txn = self.db.begin().await?;
        if let Some(e) = enrolments::Entity::find()
            .filter(enrolments::Column::SessionId.eq(session_id))
            .filter(enrolments::Column::VolunteerId.eq(volunteer_id))
            .one(&txn)
            .await?
        {
            return Ok(e.id);
        }
        if let Some(cap) = s.capacity {
            let n = enrolments::Entity::find()
                .filter(enrolments::Column::SessionId.eq(session_id))
                .count(&txn)
                .await?;
            if n >= cap as u64 {
                return Err(FieldError::new("session_id", "session_full").into());
            }
        }
        let e = enrolments::ActiveModel {
            session_id: Set(session_id),
            volunteer_id: Set(volunteer_id),
            attended: Set(false),
            completed_on: Set(None),
            certificate_code: Set(None),
            enrolled_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::Enrol, meta)
                .entity("enrolment", e.id)
                .area(&c.area)
                .detail(
                    serde_json::json!({ "session_id": session_id, "volunteer_id": volunteer_id }),
                ),
        )
        .await?;
        txn.commit().await?;
        Ok(e.id)
    }

    /// Enrolments of a session the caller runs, by name.
    pub async fn list_enrolments(&self, actor: &Actor, session_id: i64) -> Result<Vec<Enrolment>> {
        self.managed_session(actor, session_id).await?;
        let rows = enrolments::Entity::find()
            .filter(enrolments::Column::SessionId.eq(session_id))
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|e| e.volunteer_id).collect();
        let names: std::collections::HashMap<i64, String> = volunteers::Entity::find()
            .filter(volunteers::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.id, name_of(&v)))
            .collect();
        let mut out: Vec<Enrolment> = rows
            .into_iter()
            .map(|e| Enrolment {
                id: e.id,
                session_id: e.session_id,
                name: names.get(&e.volunteer_id).cloned().unwrap_or_default(),
                volunteer_id: e.volunteer_id,
                attended: e.attended,
                completed_on: e.completed_on,
                certificate_code: e.certificate_code,
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// An enrolment in a course the caller runs.
    async fn managed_enrolment(
        &self,
        actor: &Actor,
        enrolment_id: i64,
    ) -> Result<(enrolments::Model, Course)> {
        let e = enrolments::Entity::find_by_id(enrolment_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (_, c) = self.managed_session(actor, e.session_id).await?;
        Ok((e, c))
    }

    /// Mark whether the volunteer attended (a completed course stays attended).
    pub async fn mark_attendance(
        &self,
        actor: &Actor,
        enrolment_id: i64,
        attended: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        let (e, c) = self.managed_enrolment(actor, enrolment_id).await?;
        if !attended && e.completed_on.is_some() {
            return Err(FieldError::new("attended", "already_completed").into());
        }
        let txn = self.db.begin().await?;
        enrolments::Entity::update_many()
            .col_expr(enrolments::Column::Attended, Expr::value(attended))
            .filter(enrolments::Column::Id.eq(enrolment_id))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::Attendance, meta)
                .entity("enrolment", enrolment_id)
                .area(&c.area)
                .detail(serde_json::json!({ "attended": attended })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The volunteer completed the course on `on`: a certificate code is issued and the
    /// course's skills are granted. Needs attendance. Completing again returns the same code.
    pub async fn complete_course(
        &self,
        actor: &Actor,
        enrolment_id: i64,
        on: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<String> {
        let (e, c) = self.managed_enrolment(actor, enrolment_id).await?;
        if let Some(code) = e.certificate_code {
            return Ok(code);
        }
        if !e.attended {
            return Err(FieldError::new("attended", "not_attended").into());
        }
        let txn = self.db.begin().await?;
        // 50 random bits: a clash is all but impossible, and the unique index would refuse it.
        let code = code_from_bits(rand::rng().random::<u64>());
        let r = enrolments::Entity::update_many()
            .col_expr(enrolments::Column::CompletedOn, Expr::value(on))
            .col_expr(
                enrolments::Column::CertificateCode,
                Expr::value(code.clone()),
            )
            .filter(enrolments::Column::Id.eq(enrolment_id))
            .filter(enrolments::Column::CertificateCode.is_null())
            .exec(&txn)
            .await?;
        if r.rows_affected == 0 {
            // Completed meanwhile by someone else: theirs stands.
            drop(txn);
            let e = enrolments::Entity::find_by_id(enrolment_id)
                .one(&self.db)
                .await?
                .ok_or(StoreError::NotFound)?;
            return e.certificate_code.ok_or(StoreError::NotFound);
        }
        for s in &c.skills {
            grant_skill(&txn, e.volunteer_id, *s, Some(c.id)).await?;
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::CertificateIssue, meta)
                .entity("enrolment", enrolment_id)
                .area(&c.area)
                .detail(serde_json::json!({
                    "course_id": c.id,
                    "volunteer_id": e.volunteer_id,
                    "skills": c.skills.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(code)
    }

    /// The public check of a certificate code (as typed: case, spaces and dashes forgiven).
    /// Shows only the name, the course and the date; every check is audited.
    pub async fn verify_certificate(
        &self,
        typed: &str,
        meta: &RequestMeta,
    ) -> Result<Option<CertificateCheck>> {
        let Some(code) = normalise_code(typed) else {
            return Ok(None);
        };
        let Some(e) = enrolments::Entity::find()
            .filter(enrolments::Column::CertificateCode.eq(&code))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(check) = self.certificate_of(&e).await? else {
            return Ok(None);
        };
        audit::append(
            &self.db,
            NewEntry::anonymous(AuditAction::CertificateVerify, meta).entity("enrolment", e.id),
        )
        .await?;
        Ok(Some(check))
    }
}

impl Store {
    /// What a completed enrolment's certificate says (`None` before completion).
    async fn certificate_of(&self, e: &enrolments::Model) -> Result<Option<CertificateCheck>> {
        let (Some(on), Some(code)) = (e.completed_on, e.certificate_code.clone()) else {
            return Ok(None);
        };
        let s = course_sessions::Entity::find_by_id(e.session_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let c = courses::Entity::find_by_id(s.course_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let v = volunteers::Entity::find_by_id(e.volunteer_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Some(CertificateCheck {
            name: name_of(&v),
            course_th: c.title_th,
            course_en: c.title_en,
            completed_on: on,
            code,
        }))
    }
}

fn name_of(v: &volunteers::Model) -> String {
    display_name(v.prefix.as_deref(), &v.first_name, &v.last_name)
}
