//! The [`Store`]: an r2d2 pool of SQLite connections with the embedded migrations applied.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::StoreError;

/// The SQL migrations of the top-level `migrations/` folder, embedded at build time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Connections in the pool of a file database.
const POOL_SIZE: u32 = 8;

/// Statements run on every new pooled connection.
const CONNECTION_PRAGMAS: &str =
    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";

/// Type of a pooled connection.
pub(crate) type Conn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// Connection settings as SQLite reports them.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Pragmas {
    /// Journal mode of the file: `wal` for file databases, `memory` in memory.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub journal_mode: String,
    /// Whether foreign keys (and so cascading deletes) are enforced.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub foreign_keys: bool,
    /// How long a connection waits for a lock, in milliseconds.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub busy_timeout_ms: i64,
    /// `synchronous` level: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub synchronous: i64,
}

/// Runs [`CONNECTION_PRAGMAS`] on each connection the pool opens.
#[derive(Debug, Clone, Default)]
struct ConnectionPragmas {
    /// Counts the statements every pooled connection runs.
    statements: Arc<AtomicU64>,
    /// Counts the finished writes (and commits) of every pooled connection.
    writes: Arc<AtomicU64>,
}

/// Whether a statement that just finished changed the database or made a change visible:
/// `INSERT`, `UPDATE`, `DELETE`, `REPLACE`, or the end of a transaction (`COMMIT`, `END`,
/// `RELEASE`). Only the first characters of the statement are rendered.
fn is_write(query: &dyn std::fmt::Display) -> bool {
    /// Keeps the first few characters of what is written into it, then stops the rendering.
    struct Head {
        text: [u8; 8],
        len: usize,
    }
    impl std::fmt::Write for Head {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for b in s.bytes() {
                if self.len == 0 && b.is_ascii_whitespace() {
                    continue;
                }
                if self.len == self.text.len() {
                    return Err(std::fmt::Error);
                }
                self.text[self.len] = b.to_ascii_uppercase();
                self.len += 1;
            }
            Ok(())
        }
    }
    let mut head = Head {
        text: [0; 8],
        len: 0,
    };
    let _ = std::fmt::write(&mut head, format_args!("{query}"));
    let head = &head.text[..head.len];
    [
        &b"INSERT"[..],
        b"UPDATE",
        b"DELETE",
        b"REPLACE",
        b"COMMIT",
        b"END",
        b"RELEASE",
    ]
    .iter()
    .any(|w| head.starts_with(w))
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for ConnectionPragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(CONNECTION_PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)?;
        let statements = self.statements.clone();
        let writes = self.writes.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => {
                statements.fetch_add(1, Ordering::Relaxed);
            }
            // Counted when the statement has finished, so a reader that saw the old count
            // cannot have read the new data under it.
            InstrumentationEvent::FinishQuery { query, .. } if is_write(query) => {
                writes.fetch_add(1, Ordering::Release);
            }
            _ => {}
        });
        Ok(())
    }
}

/// The application's database: cheap to clone, shareable between threads.
///
/// Every repository method takes one pooled connection for the length of the call and never
/// a second one, so even the single-connection in-memory store cannot deadlock.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    statements: Arc<AtomicU64>,
    writes: Arc<AtomicU64>,
    rows: Arc<AtomicU64>,
}

impl Store {
    /// How many SQL statements the store's connections have run so far (for tests that check
    /// that a request costs a bounded number of statements, whatever the library's size).
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// A number that grows with every write the store's connections finish (and every commit):
    /// an answer computed from the store while this number stayed the same is still current.
    /// Lets callers cache what they read without knowing every writer.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// How many series and episode rows the library listings have read so far.
    pub fn listing_rows_read(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// Counts rows a listing read.
    pub(crate) fn count_rows(&self, n: usize) {
        self.rows
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.pool.state();
        f.debug_struct("Store")
            .field("connections", &state.connections)
            .field("idle_connections", &state.idle_connections)
            .finish()
    }
}

impl Store {
    /// Opens (creating when needed) the SQLite database at `db_path`, switches it to WAL,
    /// applies pending migrations and builds a pool of up to 8 connections.
    ///
    /// The folder holding the file is created when missing.
    pub fn open(db_path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let url = database_url(db_path)?;
        let mut conn = SqliteConnection::establish(&url).map_err(|e| StoreError::Open {
            path: db_path.to_path_buf(),
            reason: e.to_string(),
        })?;
        // WAL is a property of the file: set once here, outside any transaction.
        conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
            .map_err(|e| StoreError::Open {
                path: db_path.to_path_buf(),
                reason: format!("setting WAL journal mode: {e}"),
            })?;
        migrate(&mut conn, &db_path.display().to_string())?;
        drop(conn);

        let pragmas = ConnectionPragmas::default();
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .connection_customizer(Box::new(pragmas.clone()))
            .build(ConnectionManager::<SqliteConnection>::new(url))
            .map_err(|source| StoreError::Pool {
                what: format!("opening the pool for {}", db_path.display()),
                source,
            })?;
        log::debug!("database {} ready", db_path.display());
        Ok(Store {
            pool,
            statements: pragmas.statements,
            writes: pragmas.writes,
            rows: Arc::default(),
        })
    }

    /// A fresh, migrated database held in memory (one connection that is never recycled);
    /// for tests and tools.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        // Every `:memory:` connection is its own database: exactly one connection, kept forever.
        let pragmas = ConnectionPragmas::default();
        let pool = Pool::builder()
            .max_size(1)
            .min_idle(Some(1))
            .max_lifetime(None)
            .idle_timeout(None)
            .connection_customizer(Box::new(pragmas.clone()))
            .build(ConnectionManager::<SqliteConnection>::new(":memory:"))
            .map_err(|source| StoreError::Pool {
                what: "opening an in-memory database".into(),
                source,
            })?;
        let store = Store {
            pool,
            statements: pragmas.statements,
            writes: pragmas.writes,
            rows: Arc::default(),
        };
        let mut conn = store.conn("migrating the in-memory database")?;
        migrate(&mut conn, ":memory:")?;
        drop(conn);
        Ok(store)
    }

    /// Runs `SELECT 1` and returns how long it took (including waiting for a connection).
    pub fn ping(&self) -> Result<Duration, StoreError> {
        let start = Instant::now();
        let mut conn = self.conn("pinging the database")?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map_err(StoreError::query("pinging the database"))?;
        Ok(start.elapsed())
    }

    /// The connection settings SQLite reports on one pooled connection (for diagnostics and tests).
    pub fn pragmas(&self) -> Result<Pragmas, StoreError> {
        let what = "reading connection pragmas";
        let mut conn = self.conn(what)?;
        diesel::sql_query(
            "SELECT j.journal_mode AS journal_mode, f.foreign_keys AS foreign_keys, \
             b.timeout AS busy_timeout_ms, s.synchronous AS synchronous \
             FROM pragma_journal_mode j, pragma_foreign_keys f, pragma_busy_timeout b, \
             pragma_synchronous s",
        )
        .get_result::<Pragmas>(&mut conn)
        .map_err(StoreError::query(what))
    }

    /// A pooled connection; `what` says what it is for, for the error.
    pub(crate) fn conn(&self, what: &str) -> Result<Conn, StoreError> {
        self.pool.get().map_err(|source| StoreError::Pool {
            what: what.to_string(),
            source,
        })
    }

    /// Runs `f` on a pooled connection; `what` describes the work for errors.
    pub(crate) fn with_conn<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn(what)?;
        f(&mut conn)
    }

    /// Runs `f` inside one immediate transaction on a pooled connection: all or nothing.
    pub(crate) fn transaction<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn(what)?;
        // IMMEDIATE takes the write lock up front, so concurrent writers wait on busy_timeout
        // instead of failing on a lock upgrade.
        let conn: &mut SqliteConnection = &mut conn;
        conn.immediate_transaction(f)
    }
}

/// Applies the pending migrations on `conn`; `name` identifies the database for the error.
fn migrate(conn: &mut SqliteConnection, name: &str) -> Result<(), StoreError> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| StoreError::Migration(format!("{name}: {e}")))?;
    for version in applied {
        log::info!("applied database migration {version}");
    }
    crate::series::fill_sort_names(conn)?;
    Ok(())
}

/// The connection string for a file path. A relative path that SQLite would read as a URI
/// (`file:...`) is prefixed with `./`.
fn database_url(path: &Path) -> Result<String, StoreError> {
    let s = path.to_str().ok_or_else(|| StoreError::Open {
        path: path.to_path_buf(),
        reason: "the path is not valid UTF-8".into(),
    })?;
    if s.is_empty() {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            reason: "the path is empty".into(),
        });
    }
    if s.starts_with("file:") || s == ":memory:" {
        return Ok(format!("./{s}"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_commits_count_reads_do_not() {
        let check = |sql: &str, expected: bool| assert_eq!(is_write(&sql), expected, "{sql}");
        check("INSERT INTO series VALUES (1)", true);
        check("  update series SET x = 1", true);
        check("DELETE FROM episodes", true);
        check("REPLACE INTO settings VALUES (1)", true);
        check("COMMIT", true);
        check("RELEASE SAVEPOINT diesel_savepoint_1", true);
        check("SELECT * FROM series", false);
        check("BEGIN", false);
        check("", false);
    }

    #[test]
    fn the_write_generation_moves_with_every_write_only() {
        use aniworld_core::ports::SeriesRepo;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let before = store.write_generation();
        store.count_series().unwrap();
        store
            .list_series_page(&aniworld_core::series::SeriesQuery {
                filter: Default::default(),
                sort: Default::default(),
                offset: 0,
                limit: 20,
            })
            .unwrap();
        assert_eq!(store.write_generation(), before, "reads are not writes");
        store
            .insert_series(&aniworld_core::NewSeries {
                key: "k".into(),
                name: "K".into(),
                site: "aniworld.to".into(),
                folder: "K".into(),
                year: None,
                description: None,
                imdb_id: None,
                cover_url: None,
                catalogue_url: None,
            })
            .unwrap();
        assert!(store.write_generation() > before);
    }

    #[test]
    fn uri_like_paths_stay_files() {
        assert_eq!(database_url(Path::new("a/b.db")).unwrap(), "a/b.db");
        assert_eq!(database_url(Path::new("file:x.db")).unwrap(), "./file:x.db");
        assert_eq!(database_url(Path::new(":memory:")).unwrap(), "./:memory:");
        assert!(database_url(Path::new("")).is_err());
    }

    #[test]
    fn store_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Store>();
    }

    #[test]
    fn migrations_revert_and_reapply_cleanly() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        conn.revert_all_migrations(MIGRATIONS).unwrap();
        let tables: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
        )
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(tables, 0, "down.sql files leave tables behind");
        migrate(&mut conn, ":memory:").unwrap();
        assert!(!conn.has_pending_migration(MIGRATIONS).unwrap());
    }

    #[test]
    fn in_memory_store_is_migrated_and_answers_ping() {
        let store = Store::open_in_memory().unwrap();
        store.ping().unwrap();
        // a second call reuses the single connection: the tables are still there
        store
            .with_conn("counting", |c| {
                diesel::sql_query("SELECT count(*) FROM settings")
                    .execute(c)
                    .map_err(StoreError::query("counting settings"))
            })
            .unwrap();
    }
}
