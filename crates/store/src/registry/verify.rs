//! Consent (PDPA) and community verification (attest, dispute, resolve).

use chrono::{DateTime, NaiveDate, Utc};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::registry::{
    AttestationRole, ConsentPurpose, LawfulBasis, PersonStatus, Verification,
};
use ruamjai_domain::{FieldError, Invalid};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use super::entity::{attestations, consents, persons};
use super::{PersonSummary, village_of};
use crate::areas::scope_condition;
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};

/// A consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// Id.
    pub id: i64,
    /// Purpose.
    pub purpose: ConsentPurpose,
    /// Lawful basis.
    pub basis: LawfulBasis,
    /// Who consented (the person, or a named guardian).
    pub given_by: String,
    /// When.
    pub given_on: NaiveDate,
    /// Withdrawn on.
    pub withdrawn_on: Option<NaiveDate>,
    /// Why withdrawn.
    pub withdrawn_reason: Option<String>,
}

impl Consent {
    /// True while not withdrawn.
    pub fn is_active(&self) -> bool {
        self.withdrawn_on.is_none()
    }
}

/// A consent as typed.
#[derive(Debug, Clone)]
pub struct ConsentInput {
    /// Purpose.
    pub purpose: ConsentPurpose,
    /// Lawful basis.
    pub basis: LawfulBasis,
    /// Who consented.
    pub given_by: String,
    /// When.
    pub given_on: NaiveDate,
}

/// One attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attestation {
    /// As which role.
    pub role: AttestationRole,
    /// The signer's name.
    pub signer_name: String,
    /// The account that recorded it.
    pub user_id: Option<i64>,
    /// When.
    pub attested_at: DateTime<Utc>,
    /// Note.
    pub note: Option<String>,
}

pub(super) async fn consents_of(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Consent>> {
    Ok(consents::Entity::find()
        .filter(consents::Column::PersonId.eq(id))
        .order_by_desc(consents::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Consent {
                id: m.id,
                purpose: ConsentPurpose::parse(&m.purpose)?,
                basis: LawfulBasis::parse(&m.basis)?,
                given_by: m.given_by,
                given_on: m.given_on,
                withdrawn_on: m.withdrawn_on,
                withdrawn_reason: m.withdrawn_reason,
            })
        })
        .collect())
}

pub(super) async fn attestations_of(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<Attestation>> {
    let mut v: Vec<Attestation> = attestations::Entity::find()
        .filter(attestations::Column::PersonId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Attestation {
                role: AttestationRole::parse(&m.role)?,
                signer_name: m.signer_name,
                user_id: m.user_id,
                attested_at: m.attested_at,
                note: m.note,
            })
        })
        .collect();
    v.sort_by_key(|a| a.role);
    Ok(v)
}

fn clean_text(field: &'static str, s: &str, max: usize, required: bool) -> Result<Option<String>> {
    let t = s.trim();
    if t.is_empty() {
        return if required {
            Err(FieldError::new(field, "required").into())
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, "too_long").into());
    }
    Ok(Some(t.to_owned()))
}

impl Store {
    /// Recompute and store a person's verification state from attestations and dispute.
    async fn restate(conn: &impl ConnectionTrait, p: &persons::Model) -> Result<Verification> {
        let roles: Vec<AttestationRole> = attestations_of(conn, p.id)
            .await?
            .into_iter()
            .map(|a| a.role)
            .collect();
        let state = Verification::from_attestations(&roles, p.dispute_note.is_some());
        persons::Entity::update_many()
            .col_expr(
                persons::Column::Verification,
                sea_orm::sea_query::Expr::value(state.as_str()),
            )
            .filter(persons::Column::Id.eq(p.id))
            .exec(conn)
            .await?;
        Ok(state)
    }

    async fn attestable_person(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<persons::Model> {
        let m = self.visible_person(conn, actor, id).await?;
        if actor.can(Operation::AttestPersons, &village_of(&m)) {
            Ok(m)
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Attest a person as village head, assistant or health volunteer. Each role attests once
    /// (a second attestation in the same role is refused); when all three have, the record is
    /// certified. Returns the new state.
    pub async fn attest(
        &self,
        actor: &Actor,
        person_id: i64,
        role: AttestationRole,
        signer_name: &str,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<Verification> {
        let signer = clean_text("signer_name", signer_name, 200, true)?.unwrap_or_default();
        let note = clean_text("note", note, 500, false)?;
        let txn = self.db.begin().await?;
        let p = self.attestable_person(&txn, actor, person_id).await?;
        let res = attestations::ActiveModel {
            person_id: Set(person_id),
            role: Set(role.as_str().into()),
            signer_name: Set(signer),
            user_id: Set(Some(actor.user_id)),
            attested_at: Set(Utc::now()),
            note: Set(note),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        match res {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(FieldError::new("role", "already_attested").into());
            }
            Err(e) => return Err(e.into()),
        }
        let state = Self::restate(&txn, &p).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::Attest, meta)
                .entity("person", person_id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "role": role.as_str(), "state": state.as_str() })),
        )
        .await?;
        txn.commit().await?;
        Ok(state)
    }

    /// Dispute a record (the note says what is wrong). The record shows *disputed* until
    /// resolved; the attestations are kept.
    pub async fn dispute(
        &self,
        actor: &Actor,
        person_id: i64,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let note = clean_text("dispute_note", note, 1000, true)?;
        let txn = self.db.begin().await?;
        let p = self.attestable_person(&txn, actor, person_id).await?;
        persons::Entity::update_many()
            .col_expr(
                persons::Column::DisputeNote,
                sea_orm::sea_query::Expr::value(note.clone()),
            )
            .filter(persons::Column::Id.eq(person_id))
            .exec(&txn)
            .await?;
        let mut p2 = p.clone();
        p2.dispute_note = note;
        Self::restate(&txn, &p2).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::Dispute, meta)
                .entity("person", person_id)
                .area(&village_of(&p)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Resolve a dispute (after the record was corrected or the dispute found wrong).
    pub async fn resolve_dispute(
        &self,
        actor: &Actor,
        person_id: i64,
        meta: &RequestMeta,
    ) -> Result<Verification> {
        let txn = self.db.begin().await?;
        let p = self.attestable_person(&txn, actor, person_id).await?;
        if p.dispute_note.is_none() {
            return Err(Invalid::one("dispute_note", "not_disputed").into());
        }
        persons::Entity::update_many()
            .col_expr(
                persons::Column::DisputeNote,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(persons::Column::Id.eq(person_id))
            .exec(&txn)
            .await?;
        let mut p2 = p.clone();
        p2.dispute_note = None;
        let state = Self::restate(&txn, &p2).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::DisputeResolve, meta)
                .entity("person", person_id)
                .area(&village_of(&p)),
        )
        .await?;
        txn.commit().await?;
        Ok(state)
    }

    /// The village review list: every active person of a village with their verification
    /// state, in house-number order. Audited like a search.
    pub async fn village_review(
        &self,
        actor: &Actor,
        village: &AreaCode,
        meta: &RequestMeta,
    ) -> Result<Vec<PersonSummary>> {
        if !actor.can(Operation::ViewPersons, village) {
            return Err(StoreError::NotFound);
        }
        let mut q = persons::Entity::find()
            .filter(persons::Column::VillageCode.eq(village.as_str()))
            .filter(persons::Column::Status.eq(PersonStatus::Active.as_str()));
        if let Some(c) = scope_condition(
            persons::Column::VillageCode,
            &actor.scope(Operation::ViewPersons),
        ) {
            q = q.filter(c);
        }
        let rows = q
            .order_by_asc(persons::Column::HouseholdId)
            .order_by_asc(persons::Column::Id)
            .all(&self.db)
            .await?;
        let list = self.summaries(&self.db, actor, rows).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::PersonSearch, meta)
                .area(village)
                .detail(serde_json::json!({
                    "review": true, "results": list.len(),
                    "ids": list.iter().map(|p| p.id).collect::<Vec<_>>(),
                })),
        )
        .await?;
        Ok(list)
    }

    /// Record a consent.
    pub async fn give_consent(
        &self,
        actor: &Actor,
        person_id: i64,
        c: ConsentInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let given_by = clean_text("given_by", &c.given_by, 200, true)?.unwrap_or_default();
        if c.given_on > super::today() {
            return Err(FieldError::new("given_on", "date_in_future").into());
        }
        let txn = self.db.begin().await?;
        let p = self.editable_person(&txn, actor, person_id).await?;
        let m = consents::ActiveModel {
            person_id: Set(person_id),
            purpose: Set(c.purpose.as_str().into()),
            basis: Set(c.basis.as_str().into()),
            given_by: Set(given_by),
            given_on: Set(c.given_on),
            withdrawn_on: Set(None),
            withdrawn_reason: Set(None),
            recorded_at: Set(Utc::now()),
            recorded_by: Set(Some(actor.user_id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::ConsentGive, meta)
                .entity("person", person_id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "consent": m.id, "purpose": c.purpose.as_str() })),
        )
        .await?;
        txn.commit().await?;
        Ok(m.id)
    }

    /// Withdraw a consent (kept, with the date and reason).
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        person_id: i64,
        consent_id: i64,
        on: NaiveDate,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let reason = clean_text("withdrawn_reason", reason, 500, false)?;
        let txn = self.db.begin().await?;
        let p = self.editable_person(&txn, actor, person_id).await?;
        let c = consents::Entity::find_by_id(consent_id)
            .one(&txn)
            .await?
            .filter(|c| c.person_id == person_id)
            .ok_or(StoreError::NotFound)?;
        if c.withdrawn_on.is_some() {
            return Err(FieldError::new("withdrawn_on", "already_withdrawn").into());
        }
        if on < c.given_on {
            return Err(FieldError::new("withdrawn_on", "before_given").into());
        }
        if on > super::today() {
            return Err(FieldError::new("withdrawn_on", "date_in_future").into());
        }
        let mut am: consents::ActiveModel = c.into();
        am.withdrawn_on = Set(Some(on));
        am.withdrawn_reason = Set(reason);
        am.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::ConsentWithdraw, meta)
                .entity("person", person_id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "consent": consent_id })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
