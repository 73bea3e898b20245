-- DiaChain relayer store on PostgreSQL, version 1: the same records as the embedded (redb)
-- store, in tables (see packages/relayer-core/src/store/pg_store/mod.rs).
--
-- Conventions:
-- * Unsigned 64-bit numbers that may use the full range (sequence numbers, times, ids chosen by
--   others) are stored as bigint through the order-preserving map u64 -> i64 that flips the top
--   bit (`codec::key`), so that ORDER BY and ranges keep their meaning. Numbers the store makes
--   itself (batch ids, outbox ids, counters) are ordinary non-negative bigints.
-- * Whatever is health data is sealed (XChaCha20-Poly1305) by the relayer before it gets here,
--   under the patient's data key; data keys are wrapped by the master key, which never is here.
--   Records of the relayer's own secrets (uploader keys, webhook secrets, follower grants) are
--   sealed under the master key.

CREATE TABLE meta (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

-- Counters that would be slow to count (anchored and failed batches).
CREATE TABLE counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL CHECK (value >= 0)
);

CREATE TABLE data_keys (
    patient text PRIMARY KEY,
    wrapped bytea NOT NULL
);

-- One row per device that ever sent a batch: locked (FOR UPDATE) by an ingest of the device,
-- so that instances sharing the database place its batches one at a time.
CREATE TABLE devices (
    device_id text PRIMARY KEY
);

CREATE SEQUENCE batch_ids AS bigint MINVALUE 1;

CREATE TABLE batches (
    id          bigint PRIMARY KEY,                 -- ingest order (per device: sequence order)
    device_id   text   NOT NULL REFERENCES devices,
    first_seq   bigint NOT NULL,                    -- codec::key
    last_seq    bigint NOT NULL,                    -- codec::key
    day         bigint NOT NULL,                    -- UTC day of the first reading
    patient     text   NOT NULL,
    first_time  bigint NOT NULL,                    -- codec::key
    last_time   bigint NOT NULL,                    -- codec::key
    received_at bigint NOT NULL,                    -- codec::key
    state       text   NOT NULL CHECK (state IN ('pending', 'in_flight', 'anchored', 'failed')),
    tx_hash     text,                               -- in flight: the transaction
    -- In the patient's data index (the data API); false once the patient erased their data.
    indexed     boolean NOT NULL DEFAULT true,
    record      bytea  NOT NULL,                    -- the StoredBatch (JSON), as redb keeps it
    UNIQUE (device_id, first_seq)
);
CREATE INDEX batches_device_last ON batches (device_id, last_seq);
CREATE INDEX batches_pending ON batches (id) WHERE state = 'pending';
CREATE INDEX batches_in_flight ON batches (id) WHERE state = 'in_flight';
CREATE INDEX batches_patient ON batches (patient, first_time, id) WHERE indexed;
CREATE INDEX batches_received ON batches (received_at, id);

CREATE TABLE readings (
    batch_id bigint NOT NULL REFERENCES batches,
    seq      bigint NOT NULL,                       -- codec::key
    sealed   bytea  NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

-- The measured times of readings of devices sequenced by arrival (relayer-held keys).
CREATE TABLE held_times (
    device_id text    NOT NULL,
    time      bigint  NOT NULL,                     -- codec::key
    seq       bigint  NOT NULL,                     -- codec::key
    value     integer NOT NULL,                     -- millisecond | meter bit | record kind
    PRIMARY KEY (device_id, time, seq)
);

CREATE TABLE erasures (
    patient text   NOT NULL,
    n       bigint NOT NULL,
    record  bytea  NOT NULL,                        -- ErasureRecord (JSON)
    PRIMARY KEY (patient, n)
);

-- Anchoring work claimed by a relayer instance: a device's queued batches (pending and in
-- flight) are anchored by one instance at a time, in sequence order. A claim lasts while its
-- instance renews it (a heartbeat); one not renewed before `until` is taken over.
CREATE TABLE device_claims (
    device_id text        PRIMARY KEY REFERENCES devices,
    owner     text        NOT NULL,
    until     timestamptz NOT NULL
);
CREATE INDEX device_claims_owner ON device_claims (owner);

-- The relayer instances that share the database, as they last reported themselves.
CREATE TABLE instances (
    id         text        PRIMARY KEY,
    started_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);

-- Records owed to the chain.
CREATE TABLE outbox (
    id        bigint PRIMARY KEY,
    state     text   NOT NULL CHECK (state IN ('queued', 'in_flight', 'recorded', 'failed')),
    queued_at bigint NOT NULL,
    record    bytea  NOT NULL,                      -- OutboxItem (JSON)
    -- A queued or in-flight item being sent by an instance, until a lease runs out.
    claimed_by    text,
    claimed_until timestamptz
);
CREATE SEQUENCE outbox_ids AS bigint MINVALUE 1;
CREATE INDEX outbox_queued ON outbox (id) WHERE state = 'queued';
CREATE INDEX outbox_in_flight ON outbox (id) WHERE state = 'in_flight';

-- Nightscout uploaders (sealed under the master key) and their token hashes. Ids listed in
-- the embedded store's (byte) order: COLLATE "C".
CREATE TABLE uploaders (
    device_id text COLLATE "C" PRIMARY KEY,
    sealed    bytea NOT NULL
);
CREATE TABLE uploader_tokens (
    token_hash bytea PRIMARY KEY,
    device_id  text NOT NULL
);
CREATE INDEX uploader_tokens_device ON uploader_tokens (device_id);
-- What an uploader's uploads left out, sealed under the patient's data key.
CREATE TABLE uploader_skips (
    patient   text  NOT NULL,
    device_id text  NOT NULL,
    sealed    bytea NOT NULL,
    PRIMARY KEY (patient, device_id)
);

-- Nightscout followers (sealed under the master key) and their token hashes.
CREATE TABLE followers (
    id      text COLLATE "C" PRIMARY KEY,
    patient text  NOT NULL,
    sealed  bytea NOT NULL
);
CREATE INDEX followers_patient ON followers (patient, id);
CREATE TABLE follower_tokens (
    hash        bytea PRIMARY KEY,
    follower_id text  NOT NULL
);

-- Nightscout documents (treatments, device statuses, profiles), sealed under the patient's key
-- (the document number is in the seal's associated data). Numbered from 0 by one sequence, as
-- the embedded store numbers them.
CREATE SEQUENCE ns_doc_numbers AS bigint MINVALUE 0 START 0;
CREATE TABLE ns_docs (
    patient     text     NOT NULL,
    collection  smallint NOT NULL,                  -- NsCollection::code
    n           bigint   NOT NULL,                  -- document number
    identifier  text     NOT NULL,
    time_ms     bigint   NOT NULL,                  -- codec::key
    modified_ms bigint   NOT NULL,                  -- codec::key
    sealed      bytea    NOT NULL,
    PRIMARY KEY (patient, collection, n),
    UNIQUE (patient, collection, identifier)
);
CREATE INDEX ns_docs_time ON ns_docs (patient, collection, time_ms, n);
CREATE INDEX ns_docs_modified ON ns_docs (patient, collection, modified_ms, n);

-- Alerts.
CREATE TABLE alert_settings (
    patient text  PRIMARY KEY,
    record  bytea NOT NULL                          -- AlertSettings (JSON)
);
-- Alert numbers: one sequence from 1 for every patient, as the embedded store numbers them (a
-- patient's numbers never start again, even after an erasure).
CREATE SEQUENCE alert_numbers AS bigint MINVALUE 1;
CREATE TABLE alerts (
    patient  text     NOT NULL,
    n        bigint   NOT NULL,                     -- alert number (Alert::seq)
    alert_id text     NOT NULL,
    kind     smallint NOT NULL,                     -- AlertKind::code
    sealed   bytea    NOT NULL,                     -- the alert, under the patient's data key
    PRIMARY KEY (patient, n),
    UNIQUE (patient, alert_id)
);
CREATE INDEX alerts_kind ON alerts (patient, kind, n);
CREATE TABLE webhooks (
    id      text COLLATE "C" PRIMARY KEY,
    patient text  NOT NULL,
    sealed  bytea NOT NULL                          -- WebhookRecord, under the master key
);
CREATE INDEX webhooks_patient ON webhooks (patient, id);
-- Alerts owed to webhooks, numbered from 0 (Delivery::no) as the embedded store numbers them.
-- A delivery being attempted by an instance is claimed until a lease runs out.
CREATE SEQUENCE delivery_numbers AS bigint MINVALUE 0 START 0;
CREATE TABLE deliveries (
    n             bigint PRIMARY KEY,               -- Delivery::no
    due_ms        bigint NOT NULL,                  -- codec::key
    patient       text   NOT NULL,
    record        bytea  NOT NULL,                  -- Delivery (JSON)
    claimed_by    text,
    claimed_until timestamptz
);
CREATE INDEX deliveries_due ON deliveries (due_ms, n);
CREATE INDEX deliveries_patient ON deliveries (patient);
