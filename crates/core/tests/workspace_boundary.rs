//! The database is the boundary between workspaces. A client of workspace A holds A's connection
//! code (its login role, password and workspace key) and may run any SQL it likes. These tests
//! are that attacker: connected as A's role with raw SQL of their own, they try to reach
//! workspace B every way the schema offers, each table and function taken from the catalogue so
//! that a table or function added later is attacked too. Every attempt must see nothing of B,
//! change nothing of B, or be refused.

mod common;

use std::collections::BTreeMap;

use base64::Engine;
use common::{
    assert_each_refused, assert_no_privilege, data_up_to_now, fake_providers, new_meta,
    new_pancake, sql_state, SharedServer,
};
use integrations_core::admin::IssuedAccess;
use integrations_core::crypto::{MasterPublicKey, WorkspaceKey};
use integrations_core::workspace::ConnectionCode;
use integrations_core::{Core, CoreConfig, DatabaseTarget, Session};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Connection, PgConnection, Row};
use uuid::Uuid;

const PASSWORD: &str = "mật khẩu 123";

/// Two workspaces on one server, each with data in every table.
struct World {
    server: SharedServer,
    core: Core,
    _dir: tempfile::TempDir,
    a: Side,
    b: Side,
    _fakes: (
        integrations_fake_servers::FakePancake,
        integrations_fake_servers::FakeMeta,
    ),
}

struct Side {
    access: IssuedAccess,
    code: ConnectionCode,
    session: Session,
    email: String,
    name: String,
}

async fn world() -> World {
    let server = SharedServer::new().await;
    let (pancake, meta, providers) = fake_providers(data_up_to_now()).await;
    // The server side: the schema owner's connection and the master key, as the worker has.
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::standalone(dir.path().to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(server.url.clone()),
    };
    config.master_key = Some(SecretString::from(server.master.to_base64().to_string()));
    let core = config.open(providers).await.unwrap();
    assert_eq!(core.check_link().await, integrations_core::LinkMode::Online);

    let mut sides = Vec::new();
    for (name, email, shop) in [
        ("Cửa hàng A", "chu.a@shop.vn", "one-shop:a"),
        ("Bí mật B", "chu.b@bimat.vn", "one-shop:b"),
    ] {
        let access = server.workspace(name, email).await;
        let code = ConnectionCode::parse(&access.code).unwrap();
        let session = core
            .sign_in(email, &SecretString::from(PASSWORD))
            .await
            .unwrap()
            .session;
        seed(&core, &session, shop).await;
        sides.push(Side {
            access,
            code,
            session,
            email: email.to_owned(),
            name: name.to_owned(),
        });
    }
    let b = sides.pop().unwrap();
    let a = sides.pop().unwrap();
    let world = World {
        server,
        core,
        _dir: dir,
        a,
        b,
        _fakes: (pancake, meta),
    };
    // Rows only a workspace's own role writes: its sign-in throttle.
    for side in [&world.a, &world.b] {
        let mut conn = world.connect(side).await;
        sqlx::query(
            "INSERT INTO login_throttle (email_hash, failures, last_failure_at) \
             VALUES ($1, 3, now())",
        )
        .bind(format!("hash-of-{}", side.email))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    world
}

/// An integration of each provider, synced (orders, variations, stock, ads, insights, runs,
/// cursors, jobs, the token's expiry, alerts under thresholds of its own), a campaign assigned
/// to the shop, and one deleted (a tombstone).
async fn seed(core: &Core, session: &Session, shop_key: &str) {
    // A ROAS floor no shop reaches: the syncs below leave an alert.
    let thresholds = integrations_core::alerts::AlertSettings {
        roas_floor_percent: 100_000,
        ..Default::default()
    };
    core.set_alert_settings(session, thresholds).await.unwrap();
    let shop = core
        .create_integration(session, new_pancake("Shop thời trang", "6036602", shop_key))
        .await
        .unwrap();
    let ads = core
        .create_integration(
            session,
            new_meta("Quảng cáo", "act_1234567890", "meta-one-account:x"),
        )
        .await
        .unwrap();
    for id in [shop.id, ads.id] {
        core.enable_integration(session, id).await.unwrap();
        core.sync_integration(session, id, "seed").await.unwrap();
    }
    // The synced ad account's first campaign, its spend to the shop.
    use integrations_core::analytics::assignment::{
        AssignmentChoice, CampaignAssignment, StoreShare,
    };
    let campaign = core.list_campaigns(session).await.unwrap()[0]
        .campaign_id
        .clone();
    core.assign_campaign(
        session,
        CampaignAssignment {
            campaign_id: campaign,
            adset_id: None,
            choice: AssignmentChoice::Stores {
                shares: vec![StoreShare {
                    store: shop.id,
                    basis_points: 10_000,
                }],
            },
            expected_version: Some(0),
        },
    )
    .await
    .unwrap();
    // The shop receives webhooks: its endpoint, and one delivery taken by the server.
    core.webhook_setup(session, shop.id).await.unwrap();
    let pending = match core.authenticate_webhook(shop.id, None).await.unwrap() {
        Err(integrations_core::WebhookRejection::Unauthorized(pending)) => pending,
        other => panic!("the endpoint exists: {other:?}"),
    };
    let delivery = serde_json::json!({"id": 900001, "shop_id": 6036602, "status": 1,
                                      "updated_at": "2026-03-01T10:00:00Z"});
    core.take_webhook_delivery(pending, delivery.to_string().as_bytes())
        .await
        .unwrap();
    let doomed = core
        .create_integration(session, new_pancake("Sắp xoá", "42", "one-shop:doomed"))
        .await
        .unwrap();
    core.delete_integration(session, doomed.id).await.unwrap();
}

impl World {
    async fn connect(&self, side: &Side) -> PgConnection {
        PgConnection::connect_with(&side.code.connect_options().unwrap())
            .await
            .unwrap()
    }

    /// The schema owner's view, across workspaces.
    async fn owner(&self) -> PgConnection {
        common::databases::owner_connection(&self.server.url).await
    }

    /// What must never show through A's role: B's identity, and the server's secrets (the
    /// master key, B's role password and workspace key).
    fn b_markers(&self) -> Vec<String> {
        vec![
            self.b.session.tenant_id().to_string(),
            self.b.email.clone(),
            self.b.name.clone(),
            self.b.access.role.clone(),
            self.server.master.to_base64().to_string(),
            self.b.code.password.expose_secret().to_owned(),
            base64::engine::general_purpose::STANDARD
                .encode(self.b.code.workspace_key.expose_bytes()),
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(self.b.code.workspace_key.expose_bytes()),
        ]
    }

    /// Drops the server's database and roles, once the test's `connections` to it are closed
    /// (a database in use cannot be dropped).
    async fn cleanup(self, connections: impl IntoIterator<Item = PgConnection>) {
        connections.into_iter().for_each(drop);
        let World { server, core, .. } = self;
        drop(core);
        server.cleanup().await;
    }
}

/// The world, and a connection as A's role.
async fn world_and_a() -> (World, PgConnection) {
    let world = world().await;
    let a = world.connect(&world.a).await;
    (world, a)
}

/// Sets `variable` to `value` for the rest of the session, as any client may.
async fn set_session_wide(conn: &mut PgConnection, variable: &str, value: &str) {
    sqlx::query("SELECT set_config($1, $2, false)")
        .bind(variable)
        .bind(value)
        .execute(conn)
        .await
        .unwrap();
}

/// Every table of the schema, from the catalogue.
async fn tables(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
         AND tablename NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

/// The column a table's rows are a workspace's by.
async fn tenant_column(conn: &mut PgConnection, table: &str) -> Option<&'static str> {
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = $1",
    )
    .bind(table)
    .fetch_all(conn)
    .await
    .unwrap();
    let has = |name: &str| columns.iter().any(|column| column == name);
    if has("tenant_id") {
        Some("tenant_id")
    } else if table == "tenants" {
        Some("id")
    } else if has("scope") {
        Some("scope")
    } else {
        None
    }
}

/// Reads every table as A and fails if anything of B shows. Returns how many rows A saw per
/// table (refused tables absent), so callers can check that A still sees its own.
async fn sweep(conn: &mut PgConnection, world: &World, when: &str) -> BTreeMap<String, i64> {
    let mut seen = BTreeMap::new();
    let markers = world.b_markers();
    for table in tables(conn).await {
        let read = sqlx::query(&format!(
            "SELECT count(*) AS n, coalesce(string_agg(t::text, E'\\n'), '') AS rows FROM \"{table}\" t"
        ))
        .fetch_one(&mut *conn)
        .await;
        match read {
            Ok(row) => {
                let text: String = row.get("rows");
                for marker in &markers {
                    assert!(
                        !text.contains(marker.as_str()),
                        "{when}: A read B's {marker:?} in {table}:\n{text}"
                    );
                }
                seen.insert(table, row.get::<i64, _>("n"));
            }
            Err(err) => assert_no_privilege(
                &err,
                &format!("{when}: reading {table} failed otherwise than by refusal"),
            ),
        }
    }
    seen
}

/// How many rows of B each table holds, as the owner sees them.
async fn b_counts(world: &World) -> BTreeMap<String, i64> {
    let mut owner = world.owner().await;
    let mut counts = BTreeMap::new();
    for table in tables(&mut owner).await {
        if let Some(column) = tenant_column(&mut owner, &table).await {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1"
            ))
            .bind(world.b.session.tenant_id())
            .fetch_one(&mut owner)
            .await
            .unwrap();
            counts.insert(table, n);
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_has_row_level_security_forced_and_a_tenant_policy() {
    let server = SharedServer::new().await;
    let mut owner = PgConnection::connect(&server.url).await.unwrap();
    let mut missing = Vec::new();
    for table in tables(&mut owner).await {
        let row = sqlx::query(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, \
                    (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' \
                       AND p.tablename = c.relname) AS policies, \
                    (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' \
                       AND p.tablename = c.relname AND p.qual LIKE '%app_current_tenant()%' \
                       AND p.with_check LIKE '%app_current_tenant()%') AS tenant_policies \
             FROM pg_class c WHERE c.oid = ('public.' || quote_ident($1))::regclass",
        )
        .bind(&table)
        .fetch_one(&mut owner)
        .await
        .unwrap();
        let column = tenant_column(&mut owner, &table).await;
        // Tables with policies of their own, reviewed in 0005 and attacked below.
        let reviewed = ["workspace_access", "login_throttle", "server_identity"];
        let isolated = row.get::<bool, _>("relrowsecurity")
            && row.get::<bool, _>("relforcerowsecurity")
            && row.get::<i64, _>("policies") > 0
            && (column != Some("tenant_id")
                || row.get::<i64, _>("tenant_policies") > 0
                || reviewed.contains(&table.as_str()));
        if !isolated {
            missing.push(table);
        }
    }
    assert!(
        missing.is_empty(),
        "These tables are not isolated per workspace: {missing:?}.\n\
         A workspace's role could read or change every workspace's rows in them. In the \
         migration that creates such a table, after CREATE TABLE, add:\n\
         \n    SELECT app_isolate_tenant_table('<table>');\n\n\
         (row-level security enabled and forced, and the policy keyed on the connected role; \
         see migrations/postgres/0005_workspace_roles.sql). A table with no tenant_id column \
         needs policies of its own, reviewed like those on login_throttle and server_identity \
         there."
    );
    drop(owner);
    server.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_role_reads_nothing_of_another_workspace_whatever_it_sets() {
    let (world, mut a) = world_and_a().await;
    let plain = sweep(&mut a, &world, "plain").await;
    assert!(
        plain["integrations"] >= 2,
        "A must still see its own: {plain:?}"
    );
    assert_eq!(plain["tenants"], 1);
    assert_eq!(plain["workspace_access"], 1);

    // Every app.* variable the schema reads (from function bodies and policies), set to each of
    // the values that opened a door before: B's id, "on", B's email, B's refresh token hash.
    let mut owner = world.owner().await;
    let variables: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT m[1] FROM ( \
             SELECT prosrc AS text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = 'public' \
             UNION ALL SELECT coalesce(qual, '') || coalesce(with_check, '') FROM pg_policies \
         ) s, regexp_matches(s.text, '(app\\.[a-z_]+)', 'g') m ORDER BY 1",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert!(
        [
            "app.all_tenants",
            "app.login_email",
            "app.refresh_token_hash",
            "app.tenant_id"
        ]
        .iter()
        .all(|name| variables.iter().any(|found| found == name)),
        "{variables:?}"
    );
    let b_token: String =
        sqlx::query_scalar("SELECT token_hash FROM refresh_tokens WHERE tenant_id = $1 LIMIT 1")
            .bind(world.b.session.tenant_id())
            .fetch_one(&mut owner)
            .await
            .unwrap();
    let values = [
        world.b.session.tenant_id().to_string(),
        "on".to_owned(),
        world.b.email.clone(),
        b_token,
    ];
    for value in &values {
        for variable in &variables {
            set_session_wide(&mut a, variable, value).await;
        }
        let seen = sweep(&mut a, &world, &format!("every app.* = {value}")).await;
        assert_eq!(seen, plain, "setting variables changed what A sees");
    }
    world.cleanup([a, owner]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_role_cannot_become_another_role() {
    let (world, mut a) = world_and_a().await;
    let prefix = &world.server.database;
    let owner_role = "integrations_test";
    for target in [
        world.b.access.role.clone(),
        format!("{prefix}_server"),
        owner_role.to_owned(),
        "postgres".to_owned(),
    ] {
        assert_each_refused(
            &mut a,
            &[
                format!("SET ROLE \"{target}\""),
                format!("SET SESSION AUTHORIZATION \"{target}\""),
                format!("SET LOCAL ROLE \"{target}\""),
            ],
        )
        .await;
    }
    // The group it belongs to may be set, and changes nothing: the policies ask who logged in.
    let plain = sweep(&mut a, &world, "plain").await;
    sqlx::query(&format!("SET ROLE \"{prefix}_workspace\""))
        .execute(&mut a)
        .await
        .unwrap();
    let as_group = sweep(&mut a, &world, "SET ROLE group").await;
    assert_eq!(as_group, plain);
    sqlx::query("RESET ROLE").execute(&mut a).await.unwrap();

    // No new roles, no change to any role or to the role → workspace mapping, no schema.
    for statement in [
        "CREATE ROLE intruder LOGIN PASSWORD 'x'".to_owned(),
        format!("ALTER ROLE \"{}\" PASSWORD 'x'", world.b.access.role),
        format!("ALTER ROLE \"{}\" NOLOGIN", world.b.access.role),
        format!("GRANT \"{prefix}_server\" TO \"{}\"", world.a.access.role),
        format!("GRANT \"{}\" TO \"{}\"", world.b.access.role, world.a.access.role),
        format!(
            "UPDATE workspace_access SET tenant_id = '{}'",
            world.b.session.tenant_id()
        ),
        format!(
            "UPDATE workspace_access SET role_name = '{}'",
            world.b.access.role
        ),
        format!(
            "INSERT INTO workspace_access (tenant_id, role_name, key_id, escrowed_key) \
             VALUES ('{}', '{}', 'x', 'x')",
            world.b.session.tenant_id(),
            world.a.access.role
        ),
        "DELETE FROM workspace_access".to_owned(),
        "UPDATE server_identity SET master_public_key = 'x'".to_owned(),
        "DELETE FROM server_identity".to_owned(),
        "CREATE TABLE stolen (x int)".to_owned(),
        "CREATE FUNCTION public.app_current_tenant() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'"
            .to_owned(),
        "CREATE OR REPLACE FUNCTION app_trusted_session() RETURNS boolean LANGUAGE sql AS 'SELECT true'"
            .to_owned(),
        "ALTER TABLE integrations DISABLE ROW LEVEL SECURITY".to_owned(),
        "ALTER TABLE integrations NO FORCE ROW LEVEL SECURITY".to_owned(),
        "DROP POLICY tenant_isolation ON integrations".to_owned(),
        "CREATE POLICY open_door ON integrations USING (true)".to_owned(),
        "SELECT app_isolate_tenant_table('integrations')".to_owned(),
    ] {
        let err = sqlx::query(&statement).execute(&mut a).await.unwrap_err();
        assert!(
            matches!(sql_state(&err).as_deref(), Some("42501") | Some("42P01")),
            "{statement}: {err}"
        );
    }
    // Role passwords (the server role's, B's) and the server's files are the superuser's.
    assert_each_refused(
        &mut a,
        &[
            "SELECT rolpassword FROM pg_authid",
            "SELECT * FROM pg_read_file('postgresql.conf')",
            "SELECT * FROM pg_ls_dir('.')",
            "COPY integrations TO PROGRAM 'true'",
        ],
    )
    .await;
    // Turning row security off does not bypass it: queries are refused instead.
    sqlx::query("SET row_security = off")
        .execute(&mut a)
        .await
        .unwrap();
    let err = sqlx::query("SELECT count(*) FROM integrations")
        .fetch_one(&mut a)
        .await
        .unwrap_err();
    assert_eq!(sql_state(&err).as_deref(), Some("42501"), "{err}");
    world.cleanup([a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_role_cannot_insert_update_or_delete_another_workspaces_rows() {
    let world = world().await;
    let before = b_counts(&world).await;
    assert!(
        before.values().all(|n| *n > 0),
        "the fixture must give B rows in every workspace table: {before:?}"
    );
    let mut a = world.connect(&world.a).await;
    let b = world.b.session.tenant_id();
    let mut owner = world.owner().await;
    let all_tables = tables(&mut owner).await;
    // Once as is, once with every door the settings used to open held wide.
    for doors in [false, true] {
        if doors {
            for (variable, value) in [
                ("app.tenant_id", b.to_string()),
                ("app.all_tenants", "on".to_owned()),
                ("app.login_email", world.b.email.clone()),
            ] {
                set_session_wide(&mut a, variable, &value).await;
            }
        }
        for table in &all_tables {
            let table = table.clone();
            let Some(column) = tenant_column(&mut owner, &table).await else {
                assert_each_refused(
                    &mut a,
                    &[
                        format!("UPDATE \"{table}\" SET singleton = singleton"),
                        format!("DELETE FROM \"{table}\""),
                        format!("INSERT INTO \"{table}\" DEFAULT VALUES"),
                    ],
                )
                .await;
                continue;
            };
            // A row that is B's: refused by the policy's WITH CHECK (or by a missing privilege)
            // before any other constraint is looked at.
            let insert = sqlx::query(&format!(
                "INSERT INTO \"{table}\" SELECT * FROM jsonb_populate_record(NULL::\"{table}\", \
             jsonb_build_object('{column}', $1::uuid))"
            ))
            .bind(b)
            .execute(&mut a)
            .await
            .unwrap_err();
            assert_no_privilege(&insert, &format!("insert into {table}"));
            // B's rows are out of reach; A's own cannot be moved to B.
            for statement in [
                format!(
                    "UPDATE \"{table}\" SET \"{column}\" = \"{column}\" WHERE \"{column}\" = $1"
                ),
                format!("DELETE FROM \"{table}\" WHERE \"{column}\" = $1"),
                format!("DELETE FROM \"{table}\" WHERE \"{column}\" <> $1"),
            ] {
                match sqlx::query(&statement).bind(b).execute(&mut a).await {
                    Ok(done) if statement.contains("<>") => {
                        // Deleting "everything but B" deletes only A's own rows, if anything.
                        let _ = done;
                    }
                    Ok(done) => assert_eq!(done.rows_affected(), 0, "{statement} on {table}"),
                    Err(err) => assert_no_privilege(&err, &statement),
                }
            }
            let mut tx = a.begin().await.unwrap();
            match sqlx::query(&format!("UPDATE \"{table}\" SET \"{column}\" = $1"))
                .bind(b)
                .execute(&mut *tx)
                .await
            {
                Ok(done) => assert_eq!(done.rows_affected(), 0, "moving A's rows of {table} to B"),
                Err(err) => assert_no_privilege(&err, &table),
            }
            tx.rollback().await.unwrap();
        }
    }
    assert_eq!(b_counts(&world).await, before, "B's rows changed");
    world.cleanup([a, owner]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_a_workspace_role_can_call_answers_for_its_own_workspace_only() {
    let (world, mut a) = world_and_a().await;
    let functions = sqlx::query(
        "SELECT p.oid::regprocedure::text AS signature, p.proname::text AS name, \
                p.prorettype::regtype::text AS returns, p.prosecdef AS definer, \
                coalesce(array_to_string(p.proargtypes::regtype[], ','), '') AS args \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut a)
    .await
    .unwrap();
    assert!(
        functions.len() >= 8,
        "found only {} functions",
        functions.len()
    );
    let b = world.b.session.tenant_id();
    let mut called = 0;
    for function in functions {
        let signature: String = function.get("signature");
        // No function runs with its owner's rights: nothing to check the caller inside of. A
        // SECURITY DEFINER function added later must check the caller's workspace and be
        // reviewed here.
        assert!(
            !function.get::<bool, _>("definer"),
            "{signature} is SECURITY DEFINER: it must check the caller's workspace, and this \
             test must learn how to prove it"
        );
        if function.get::<String, _>("returns") == "trigger" {
            continue; // Cannot be called; the write attacks above run every trigger.
        }
        let args: String = function.get("args");
        let values: Vec<String> = args
            .split(',')
            .filter(|arg| !arg.is_empty())
            .map(|arg| match arg {
                "uuid" => format!("'{b}'::uuid"),
                "text" => format!("'{b}'::text"),
                "regclass" => "'integrations'::regclass".to_owned(),
                other => format!("NULL::{other}"),
            })
            .collect();
        let call = format!(
            "SELECT coalesce(to_jsonb({}({}))::text, '') AS answer",
            function.get::<String, _>("name"),
            values.join(", ")
        );
        match sqlx::query(&call).fetch_one(&mut a).await {
            Ok(row) => {
                let answer: String = row.get("answer");
                assert!(!answer.contains(&b.to_string()), "{call} answered {answer}");
                called += 1;
            }
            Err(err) => assert_no_privilege(&err, &call),
        }
    }
    assert!(called >= 4, "called only {called}");
    let own: Uuid = sqlx::query_scalar("SELECT app_current_tenant()")
        .fetch_one(&mut a)
        .await
        .unwrap();
    assert_eq!(own, world.a.session.tenant_id());
    let everything: bool = sqlx::query_scalar("SELECT app_all_tenants()")
        .fetch_one(&mut a)
        .await
        .unwrap();
    assert!(!everything);
    world.cleanup([a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_s_wrapped_keys_stay_shut_to_everything_a_s_client_holds() {
    let (world, mut a) = world_and_a().await;
    let b = world.b.session.tenant_id();
    // Through A's role, B's keys are not even visible.
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant_keys WHERE tenant_id = $1")
        .bind(b)
        .fetch_one(&mut a)
        .await
        .unwrap();
    assert_eq!(visible, 0);
    let public_key: String = sqlx::query_scalar("SELECT master_public_key FROM server_identity")
        .fetch_one(&mut a)
        .await
        .unwrap();
    let _public = MasterPublicKey::from_base64(&public_key).unwrap();

    // Suppose they leaked anyway (a stolen backup): everything of B's that is wrapped.
    let mut owner = world.owner().await;
    let keys = sqlx::query(
        "SELECT version, wrapped_key, workspace_wrapped_key FROM tenant_keys WHERE tenant_id = $1",
    )
    .bind(b)
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert!(!keys.is_empty());
    let escrowed: String =
        sqlx::query_scalar("SELECT escrowed_key FROM workspace_access WHERE tenant_id = $1")
            .bind(b)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    // Everything A's client holds that is a key: its workspace key, and keys made from its
    // password (someone might try it as a key).
    let a_key = world.a.code.workspace_key.clone();
    let from_password =
        WorkspaceKey::from_bytes(&sha2_of(world.a.code.password.expose_secret())).unwrap();
    for row in &keys {
        let version = row.get::<i32, _>("version") as u32;
        let wrapped: Vec<String> = vec![
            row.get("wrapped_key"),
            row.get::<Option<String>, _>("workspace_wrapped_key")
                .unwrap(),
            escrowed.clone(),
        ];
        for candidate in [&a_key, &from_password] {
            for text in &wrapped {
                for tenant in [b, world.a.session.tenant_id()] {
                    assert!(
                        candidate.unwrap(tenant, version, text).is_err(),
                        "A's keys opened one of B's wrapped keys"
                    );
                }
            }
        }
    }
    // B's own key does open them: the attempt above was a real one.
    let b_key = &world.b.code.workspace_key;
    for row in &keys {
        let version = row.get::<i32, _>("version") as u32;
        let wrapped: String = row
            .get::<Option<String>, _>("workspace_wrapped_key")
            .unwrap();
        assert!(b_key.unwrap(b, version, &wrapped).is_ok());
    }
    // Statistics do not show B's values either.
    sqlx::query("ANALYZE").execute(&mut owner).await.unwrap();
    let stats: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' \
         AND tablename NOT IN ('server_identity')",
    )
    .fetch_one(&mut a)
    .await
    .unwrap();
    assert_eq!(
        stats, 0,
        "pg_stats shows values of row-level-secured tables"
    );
    world.cleanup([a, owner]).await;
}

fn sha2_of(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}
