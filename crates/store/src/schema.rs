//! Diesel table definitions, matching the SQL in the top-level `migrations/` folder.
//!
//! Kept in the shape `diesel print-schema` writes (see the root `diesel.toml`).

// @generated automatically by Diesel CLI.

diesel::table! {
    /// Per-run records of the rescan scheduler.
    scheduler_runs (id) {
        /// Row id.
        id -> Integer,
        /// When the run started (RFC 3339).
        started_at -> Text,
        /// When it finished (RFC 3339); null while running.
        finished_at -> Nullable<Text>,
        /// What started it (`schedule`, `manual`, `startup`...).
        trigger -> Text,
        /// Series looked up.
        series_scanned -> Integer,
        /// Missing episodes found.
        missing_found -> Integer,
        /// Episodes added to the queue.
        episodes_queued -> Integer,
        /// Error of a failed run.
        error -> Nullable<Text>,
    }
}

diesel::table! {
    /// The persistent download queue.
    download_queue (id) {
        /// Item UUID as text.
        id -> Text,
        /// Series key.
        #[sql_name = "serie_id"]
        series_id -> Text,
        /// Series folder.
        #[sql_name = "serie_folder"]
        series_folder -> Text,
        /// Series display name.
        #[sql_name = "serie_name"]
        series_name -> Text,
        /// Season (0 = movies).
        season -> Integer,
        /// Episode number.
        episode -> Integer,
        /// Episode title.
        title -> Nullable<Text>,
        /// Lower-case status name.
        status -> Text,
        /// Processing rank: 0 HIGH, 1 NORMAL, 2 LOW.
        priority -> Integer,
        /// Position within the priority.
        position -> BigInt,
        /// When queued (RFC 3339).
        added_at -> Text,
        /// When the last attempt started.
        started_at -> Nullable<Text>,
        /// When completed.
        completed_at -> Nullable<Text>,
        /// Last progress as JSON.
        progress_json -> Nullable<Text>,
        /// Last failure.
        error -> Nullable<Text>,
        /// Automatic retries used.
        retry_count -> Integer,
        /// Media URL of the last attempt.
        source_url -> Nullable<Text>,
        /// Bytes written by completed downloads.
        downloaded_bytes -> BigInt,
        /// Backoff: not retried before this time.
        not_before -> Nullable<Text>,
        /// Why, for which site and until when a pending item waits (JSON), or null.
        waiting_json -> Nullable<Text>,
    }
}

diesel::table! {
    /// Episodes of the library's series.
    episodes (id) {
        /// Row id.
        id -> Integer,
        /// Owning series (cascade delete).
        series_id -> Integer,
        /// Season (0 = movies).
        season -> Integer,
        /// Episode number.
        episode -> Integer,
        /// German title.
        title_de -> Nullable<Text>,
        /// English title.
        title_en -> Nullable<Text>,
        /// Whether a file exists on disk.
        is_downloaded -> Bool,
        /// File path relative to the series folder.
        file_path -> Nullable<Text>,
        /// Languages the catalogue offered at the last scan (wire names, comma-separated);
        /// NULL when unknown.
        languages_offered -> Nullable<Text>,
        /// Language of the file the service downloaded; NULL for a file it did not write.
        language -> Nullable<Text>,
    }
}

diesel::table! {
    /// The download history: completed, failed, upgraded and deleted episodes.
    download_history (id) {
        /// Row id (insertion order).
        id -> Integer,
        /// `completed`, `failed`, `upgraded` or `deleted`.
        event -> Text,
        /// When it happened (RFC 3339).
        at -> Text,
        /// Series key.
        series_key -> Text,
        /// Series display name.
        series_name -> Text,
        /// Season (0 = movies).
        season -> Integer,
        /// Episode number.
        episode -> Integer,
        /// Language name, when known.
        language -> Nullable<Text>,
        /// Hoster name, when known.
        hoster -> Nullable<Text>,
        /// The episode file.
        file_path -> Nullable<Text>,
        /// File size in bytes.
        size_bytes -> Nullable<BigInt>,
        /// Why a download failed.
        error -> Nullable<Text>,
    }
}

diesel::table! {
    /// Login attempts for the lockout.
    login_attempts (id) {
        /// Row id (insertion order).
        id -> Integer,
        /// Client address.
        client -> Text,
        /// Whether the password was right.
        success -> Bool,
        /// When (RFC 3339).
        at -> Text,
    }
}

diesel::table! {
    /// Revoked token ids.
    revoked_tokens (jti) {
        /// Token id.
        jti -> Text,
        /// When the token expires (RFC 3339).
        expires_at -> Text,
    }
}

diesel::table! {
    /// Series of the library.
    series (id) {
        /// Row id.
        id -> Integer,
        /// Catalogue slug (unique).
        key -> Text,
        /// Display name (sorts case-insensitively).
        name -> Text,
        /// Catalogue id.
        site -> Text,
        /// Folder name.
        folder -> Text,
        /// First year.
        year -> Nullable<Integer>,
        /// Catalogue description.
        description -> Nullable<Text>,
        /// IMDb id.
        imdb_id -> Nullable<Text>,
        /// Cover URL.
        cover_url -> Nullable<Text>,
        /// When added (RFC 3339).
        added_at -> Text,
        /// When last compared with the catalogue.
        last_scanned_at -> Nullable<Text>,
        /// Error of the last failed look-up.
        last_scan_error -> Nullable<Text>,
        /// The series page as the site last served it.
        catalogue_url -> Nullable<Text>,
        /// The name as listings sort it (Unicode lower case).
        sort_name -> Text,
        /// Episodes on the catalogue and not on disk.
        missing_count -> Integer,
        /// Episode files on disk.
        present_count -> Integer,
        /// The catalogue page gives an end year (the run has ended).
        ended -> Bool,
        /// The `ETag` the series page was last served with.
        page_etag -> Nullable<Text>,
        /// The `Last-Modified` the series page was last served with.
        page_last_modified -> Nullable<Text>,
        /// When the next re-check of a changed rescan is planned (RFC 3339).
        next_check_at -> Nullable<Text>,
        /// Automatic runs queue its missing episodes.
        monitored -> Bool,
        /// Accepted languages, best first, wire names joined by commas; null: the global order.
        languages -> Nullable<Text>,
        /// The language at which no upgrade is sought; null: the first accepted language.
        cutoff -> Nullable<Text>,
        /// Episodes below the cutoff are downloaded again when a better language appears.
        upgrade -> Bool,
    }
}

diesel::table! {
    /// Hoster extraction attempts of the download resolver (the last day).
    hoster_attempts (id) {
        /// Row id.
        id -> Integer,
        /// Hoster name.
        hoster -> Text,
        /// When the attempt ended (RFC 3339).
        at -> Text,
        /// `success`, `failure` or `video_unavailable`.
        outcome -> Text,
        /// Why it failed.
        error -> Nullable<Text>,
    }
}

diesel::table! {
    /// The notification outbox: one row per notification and target.
    notification_outbox (id) {
        /// Row id.
        id -> Integer,
        /// Target name.
        target -> Text,
        /// Event wire name.
        event -> Text,
        /// The notification as JSON.
        payload -> Text,
        /// When it was added (RFC 3339).
        created_at -> Text,
        /// pending | delivered | failed | summarized.
        status -> Text,
        /// Tries made.
        attempts -> Integer,
        /// Not tried before (RFC 3339).
        next_attempt_at -> Text,
        /// Held back by quiet hours.
        held -> Bool,
        /// When it was last tried (RFC 3339).
        last_attempt_at -> Nullable<Text>,
        /// Error of the last try.
        last_error -> Nullable<Text>,
        /// When it finished (RFC 3339).
        finished_at -> Nullable<Text>,
    }
}

diesel::table! {
    /// Key/value settings.
    settings (key) {
        /// Setting name.
        key -> Text,
        /// Value.
        value -> Text,
        /// When last set (RFC 3339).
        updated_at -> Text,
    }
}

diesel::joinable!(episodes -> series (series_id));

diesel::allow_tables_to_appear_in_same_query!(
    download_history,
    download_queue,
    episodes,
    hoster_attempts,
    login_attempts,
    notification_outbox,
    revoked_tokens,
    scheduler_runs,
    series,
    settings,
);
