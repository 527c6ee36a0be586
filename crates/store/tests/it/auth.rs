use chrono::Duration;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Operation, Role, TokenPurpose};
use ruamjai_store::StoreError;
use ruamjai_store::auth::{NewUser, SetupPurpose};
use ruamjai_store::testing::{PASSWORD, code, user_with_role};

use crate::{TestDb, both};

both!(
    sessions_carry_current_grants,
    revoked_role_stops_working_on_next_request,
    failed_logins_are_throttled_and_audited,
    first_admin_setup_link_works_once,
    api_tokens_authenticate_until_revoked,
    area_admin_creates_users_only_inside_own_area,
    disabled_account_loses_its_sessions,
);

fn meta(ip: &str) -> RequestMeta {
    RequestMeta {
        request_id: Some("t".into()),
        ip: Some(ip.into()),
    }
}

async fn sessions_carry_current_grants(db: TestDb) {
    let s = &db.store;
    let (u, _) = user_with_role(s, "op@example.org", Role::Operator, Some("550101")).await;
    let logged = s
        .authenticate(" OP@example.org ", PASSWORD, &meta("10.0.0.1"))
        .await
        .unwrap();
    assert_eq!(logged.id, u.id);
    let secret = s.create_session(u.id, Duration::hours(1)).await.unwrap();
    let (who, actor) = s.session_actor(&secret).await.unwrap().unwrap();
    assert_eq!(who.id, u.id);
    assert!(actor.can(Operation::ViewPersons, &code("55010101")));
    assert!(s.session_actor("not-a-session").await.unwrap().is_none());
    let expired = s.create_session(u.id, Duration::seconds(-1)).await.unwrap();
    assert!(s.session_actor(&expired).await.unwrap().is_none());
    // Housekeeping removes the expired session only.
    assert_eq!(s.purge_expired().await.unwrap(), 1);
    assert!(s.session_actor(&secret).await.unwrap().is_some());
    s.delete_session(&secret, &meta("10.0.0.1")).await.unwrap();
    assert!(s.session_actor(&secret).await.unwrap().is_none());
}

async fn revoked_role_stops_working_on_next_request(db: TestDb) {
    let s = &db.store;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (u, _) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let secret = s.create_session(u.id, Duration::hours(1)).await.unwrap();
    let (_, actor) = s.session_actor(&secret).await.unwrap().unwrap();
    s.area_detail(&actor, &code("5501")).await.unwrap();
    let grant_id = actor.grants[0].id;
    // Nobody revokes their own roles (the last admin would lock everyone out).
    assert!(matches!(
        s.revoke_grant(&actor, u.id, grant_id, &meta("10.0.0.9"))
            .await,
        Err(StoreError::Forbidden)
    ));
    s.revoke_grant(&admin, u.id, grant_id, &meta("10.0.0.9"))
        .await
        .unwrap();
    // Same session, next request: the grant is gone.
    let (_, actor) = s.session_actor(&secret).await.unwrap().unwrap();
    assert!(actor.grants.is_empty());
    assert!(matches!(
        s.area_detail(&actor, &code("5501")).await,
        Err(StoreError::NotFound)
    ));
    // Granting back works the same way.
    s.grant_role(
        &admin,
        u.id,
        Role::Viewer,
        Some(code("5502")),
        &meta("10.0.0.9"),
    )
    .await
    .unwrap();
    let (_, actor) = s.session_actor(&secret).await.unwrap().unwrap();
    assert!(actor.can(Operation::ViewAreas, &code("5502")));
    assert!(!actor.can(Operation::ViewAreas, &code("5501")));
    let actions: Vec<String> = s
        .list_audit(&admin, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"role.revoke".to_owned()));
}

async fn failed_logins_are_throttled_and_audited(db: TestDb) {
    let s = &db.store;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    user_with_role(s, "x@example.org", Role::Viewer, Some("55")).await;
    for _ in 0..5 {
        let e = s
            .authenticate("x@example.org", "wrong password!", &meta("10.0.0.2"))
            .await;
        assert!(matches!(e, Err(StoreError::BadCredentials)));
    }
    // Even the right password is refused while throttled.
    let e = s
        .authenticate("x@example.org", PASSWORD, &meta("10.0.0.3"))
        .await;
    assert!(matches!(e, Err(StoreError::Throttled)), "{e:?}");
    // Another account is unaffected.
    s.authenticate("admin@example.org", PASSWORD, &meta("10.0.0.2"))
        .await
        .unwrap();
    // Unknown accounts fail the same way as wrong passwords.
    assert!(matches!(
        s.authenticate("nobody@example.org", PASSWORD, &meta("10.0.0.4"))
            .await,
        Err(StoreError::BadCredentials)
    ));
    let log = s.list_audit(&admin, None, 100).await.unwrap();
    let failed = log
        .iter()
        .filter(|e| e.action == "auth.login_failed")
        .count();
    assert_eq!(failed, 7);
    assert!(
        log.iter()
            .any(|e| e.action == "auth.login" && e.ip.as_deref() == Some("10.0.0.2"))
    );
    // No e-mail address is copied into the audit detail.
    assert!(
        log.iter()
            .all(|e| !e.detail.as_deref().unwrap_or("").contains("nobody"))
    );
}

async fn first_admin_setup_link_works_once(db: TestDb) {
    let s = &db.store;
    assert_eq!(s.user_count().await.unwrap(), 0);
    let secret = s
        .create_setup_token(SetupPurpose::FirstAdmin, None, Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        s.setup_token_purpose(&secret).await.unwrap().0,
        SetupPurpose::FirstAdmin
    );
    let new = NewUser {
        email: "boss@example.org".into(),
        display_name: "หัวหน้าศูนย์".into(),
        password: Some("short".into()),
        locale: "th".into(),
    };
    let err = s
        .redeem_setup_token(&secret, new.clone(), &meta("1.1.1.1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(i) if i.0[0].field == "password"),
        "{err:?}"
    );
    assert_eq!(s.user_count().await.unwrap(), 0, "nothing half-written");
    let new = NewUser {
        password: Some(PASSWORD.into()),
        ..new
    };
    let u = s
        .redeem_setup_token(&secret, new.clone(), &meta("1.1.1.1"))
        .await
        .unwrap();
    let actor = s.actor(u.id).await.unwrap();
    assert!(actor.is_admin());
    assert!(matches!(
        s.redeem_setup_token(&secret, new, &meta("1.1.1.1")).await,
        Err(StoreError::NotFound)
    ));
}

async fn api_tokens_authenticate_until_revoked(db: TestDb) {
    let s = &db.store;
    let (u, actor) = user_with_role(s, "api@example.org", Role::Staff, Some("5501")).await;
    let (other_user, other) =
        user_with_role(s, "other@example.org", Role::Staff, Some("5501")).await;
    let (tok, secret) = s
        .create_api_token(&actor, "sync phone", TokenPurpose::Api, &meta("1.1.1.1"))
        .await
        .unwrap();
    let (who, _, _) = s.token_actor(&secret).await.unwrap().unwrap();
    assert_eq!(who.id, u.id);
    assert_ne!(other_user.id, u.id);
    assert!(matches!(
        s.revoke_api_token(&other, tok.id, &meta("1.1.1.1")).await,
        Err(StoreError::NotFound)
    ));
    s.revoke_api_token(&actor, tok.id, &meta("1.1.1.1"))
        .await
        .unwrap();
    assert!(s.token_actor(&secret).await.unwrap().is_none());
    assert_eq!(s.list_api_tokens(&actor).await.unwrap().len(), 1);
}

async fn area_admin_creates_users_only_inside_own_area(db: TestDb) {
    let s = &db.store;
    let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    // Create as `a`; on rejection, the (field, code) pairs.
    let create = |email: &'static str, role: Role, area: Option<&'static str>| {
        let new = NewUser {
            email: email.into(),
            display_name: "สมศรี".into(),
            password: None,
            locale: "th".into(),
        };
        let a = a.clone();
        async move {
            match s
                .create_user(
                    Some(&a),
                    new,
                    Some((role, area.map(code))),
                    &meta("1.1.1.1"),
                )
                .await
            {
                Ok(made) => Ok(made),
                Err(StoreError::Invalid(i)) => {
                    Err(i.0.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>())
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    };
    let made = create("op1@example.org", Role::Operator, Some("550101"))
        .await
        .unwrap();
    assert!(!made.user.has_password);
    s.user_detail(&a, made.user.id).await.unwrap();
    let outside = vec![("area_code", "outside_your_area")];
    assert_eq!(
        create("op2@example.org", Role::Operator, Some("5502"))
            .await
            .unwrap_err(),
        outside
    );
    assert_eq!(
        create("op2@example.org", Role::Admin, None)
            .await
            .unwrap_err(),
        outside
    );
    assert_eq!(
        create("op2@example.org", Role::Viewer, None)
            .await
            .unwrap_err(),
        outside
    );
    assert_eq!(
        create("op1@example.org", Role::Operator, Some("550101"))
            .await
            .unwrap_err(),
        [("email", "email_taken")]
    );
    assert_eq!(
        create("not an email", Role::Operator, Some("550101"))
            .await
            .unwrap_err(),
        [("email", "invalid_email")]
    );
    assert!(s.user_by_email("op2@example.org").await.unwrap().is_none());
    // The store itself refuses an administrator bound to an area, whoever asks.
    let err = s
        .grant_role_cli(made.user.id, Role::Admin, Some(code("55")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(i) if i.0[0].code == "admin_is_national"),
        "{err:?}"
    );
}

async fn disabled_account_loses_its_sessions(db: TestDb) {
    let s = &db.store;
    let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let (u, _) = user_with_role(s, "op@example.org", Role::Operator, Some("550101")).await;
    let secret = s.create_session(u.id, Duration::hours(1)).await.unwrap();
    s.set_user_active(&a, u.id, false, &meta("1.1.1.1"))
        .await
        .unwrap();
    assert!(s.session_actor(&secret).await.unwrap().is_none());
    assert!(matches!(
        s.authenticate("op@example.org", PASSWORD, &meta("1.1.1.1"))
            .await,
        Err(StoreError::BadCredentials)
    ));
    assert!(matches!(
        s.set_user_active(&a, a.user_id, false, &meta("1.1.1.1"))
            .await,
        Err(StoreError::Forbidden)
    ));
}

mod setup_links {
    use chrono::Duration;
    use ruamjai_domain::audit::RequestMeta;
    use ruamjai_domain::auth::Role;
    use ruamjai_store::StoreError;
    use ruamjai_store::auth::{NewUser, SetupPurpose};
    use ruamjai_store::testing::user_with_role;

    use crate::{TestDb, both};

    both!(a_set_password_link_works_once_even_when_raced);

    async fn a_set_password_link_works_once_even_when_raced(db: TestDb) {
        let s = &db.store;
        let (u, _) = user_with_role(s, "new@example.org", Role::Operator, Some("550101")).await;
        let secret = s
            .create_setup_token(SetupPurpose::SetPassword, Some(u.id), Duration::days(7))
            .await
            .unwrap();
        let attempt = |pw: &'static str| {
            let (s, secret) = (s.clone(), secret.clone());
            tokio::spawn(async move {
                let new = NewUser {
                    email: String::new(),
                    display_name: String::new(),
                    password: Some(pw.into()),
                    locale: "th".into(),
                };
                s.redeem_setup_token(&secret, new, &RequestMeta::default())
                    .await
            })
        };
        let tries: Vec<_> = ["first password!", "second password", "third password!"]
            .into_iter()
            .map(attempt)
            .collect();
        let mut ok = Vec::new();
        for t in tries {
            match t.await.unwrap() {
                Ok(_) => ok.push(()),
                Err(StoreError::NotFound) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ok.len(), 1, "exactly one redemption wins");
        let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
        let log = s.list_audit(&admin, None, 50).await.unwrap();
        let set = log
            .iter()
            .filter(|e| e.action == "auth.password_set")
            .count();
        assert_eq!(set, 1);
    }
}
