//! Schema migrations, tracked in `PRAGMA user_version`. One entry per change;
//! an entry is never edited once released, only followed by a new one.

use rusqlite::{Connection, TransactionBehavior};

/// Identifies a file as this CRM's database (`PRAGMA application_id`, "CRM1").
pub const APPLICATION_ID: i32 = 0x4352_4D31;

/// The migrations in order; `user_version` N means the first N have run.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
CREATE TABLE device (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL,
    seq         INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    currency    TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    role        TEXT NOT NULL DEFAULT 'rep',
    team        TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;

CREATE TABLE accounts (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'company',
    industry    TEXT,
    region      TEXT,
    address     TEXT,
    phone       TEXT,
    email       TEXT,
    website     TEXT,
    size        TEXT,
    lifecycle   TEXT NOT NULL DEFAULT 'prospect',
    tags        TEXT NOT NULL DEFAULT '[]',
    owner_id    BLOB REFERENCES users(id),
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX accounts_by_name ON accounts (name COLLATE NOCASE);
CREATE INDEX accounts_by_owner ON accounts (owner_id);

CREATE TABLE contacts (
    id          BLOB PRIMARY KEY,
    account_id  BLOB NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    title       TEXT,
    emails      TEXT NOT NULL DEFAULT '[]',
    phones      TEXT NOT NULL DEFAULT '[]',
    preferred_channel TEXT,
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX contacts_by_account ON contacts (account_id);

CREATE TABLE leads (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    company     TEXT,
    title       TEXT,
    email       TEXT,
    phone       TEXT,
    source      TEXT,
    status      TEXT NOT NULL DEFAULT 'new',
    score       INTEGER,
    owner_id    BLOB REFERENCES users(id),
    disqualify_reason TEXT,
    notes       TEXT,
    converted_account_id     BLOB REFERENCES accounts(id),
    converted_contact_id     BLOB REFERENCES contacts(id),
    converted_opportunity_id BLOB REFERENCES opportunities(id),
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX leads_by_owner ON leads (owner_id);

CREATE TABLE pipeline_stages (
    key         TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    probability INTEGER NOT NULL,
    closed      INTEGER NOT NULL,
    won         INTEGER NOT NULL
) STRICT;
INSERT INTO pipeline_stages VALUES
    ('qualification', 1, 10, 0, 0),
    ('needs-analysis', 2, 20, 0, 0),
    ('proposal', 3, 50, 0, 0),
    ('negotiation', 4, 75, 0, 0),
    ('won', 5, 100, 1, 1),
    ('lost', 6, 0, 1, 0);

CREATE TABLE opportunities (
    id          BLOB PRIMARY KEY,
    account_id  BLOB NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT 'qualification',
    amount      INTEGER NOT NULL DEFAULT 0,
    currency    TEXT NOT NULL,
    probability INTEGER,
    close_date  TEXT,
    owner_id    BLOB REFERENCES users(id),
    lost_reason TEXT,
    lead_id     BLOB REFERENCES leads(id),
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX opportunities_by_account ON opportunities (account_id);
CREATE INDEX opportunities_by_stage ON opportunities (stage);
CREATE INDEX opportunities_by_owner ON opportunities (owner_id);

CREATE TABLE interactions (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL DEFAULT 'note',
    direction   TEXT,
    occurred_at INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT,
    outcome     TEXT,
    account_id  BLOB REFERENCES accounts(id),
    contact_id  BLOB REFERENCES contacts(id),
    opportunity_id BLOB REFERENCES opportunities(id),
    lead_id     BLOB REFERENCES leads(id),
    author_id   BLOB REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX interactions_timeline ON interactions (account_id, occurred_at DESC, id);
CREATE INDEX interactions_by_contact ON interactions (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX interactions_by_opportunity ON interactions (opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX interactions_by_lead ON interactions (lead_id) WHERE lead_id IS NOT NULL;

CREATE TABLE tasks (
    id          BLOB PRIMARY KEY,
    title       TEXT NOT NULL,
    due_date    TEXT,
    assignee_id BLOB REFERENCES users(id),
    account_id  BLOB REFERENCES accounts(id),
    contact_id  BLOB REFERENCES contacts(id),
    opportunity_id BLOB REFERENCES opportunities(id),
    lead_id     BLOB REFERENCES leads(id),
    done_at     INTEGER,
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX tasks_open_by_due ON tasks (due_date) WHERE done_at IS NULL AND deleted_at IS NULL;
CREATE INDEX tasks_by_account ON tasks (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX tasks_by_assignee ON tasks (assignee_id);
CREATE INDEX tasks_by_lead ON tasks (lead_id) WHERE lead_id IS NOT NULL;

-- The transactional outbox: one row per local write, deleted only once the
-- server has given its verdict on it.
CREATE TABLE outbox (
    device_seq  INTEGER PRIMARY KEY,
    op_id       BLOB NOT NULL UNIQUE,
    entity      TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    kind        TEXT NOT NULL,
    fields      TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    author_id   BLOB NOT NULL,
    schema_version INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- Who changed which field, when, from what to what. Kept locally for every
-- write made here or pulled from the server.
CREATE TABLE field_history (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    field       TEXT NOT NULL,
    old         TEXT,
    new         TEXT,
    op          TEXT NOT NULL,
    changed_by  BLOB,
    changed_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL
) STRICT;
CREATE INDEX field_history_by_record ON field_history (record_id, id);

-- Full-text indexes. Contentless (the text lives in the tables above), with
-- deletes allowed; rowid is the indexed row's rowid. Text goes in through
-- crm_domain::search::index_text, which makes each CJK character a token.
CREATE VIRTUAL TABLE accounts_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE contacts_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE leads_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE opportunities_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE interactions_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
-- Index segments are merged in the background (crate::Maintenance), not
-- inside the edit that happens to fill a level.
INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('automerge', 0);
INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('automerge', 0);
INSERT INTO leads_fts (leads_fts, rank) VALUES ('automerge', 0);
INSERT INTO opportunities_fts (opportunities_fts, rank) VALUES ('automerge', 0);
INSERT INTO interactions_fts (interactions_fts, rank) VALUES ('automerge', 0);
"#,
    // 2: sync with a team server: conflicts (a synced entity), the server
    // this laptop syncs with, and the ops it refused.
    r#"
CREATE TABLE conflicts (
    id          BLOB PRIMARY KEY,
    entity      TEXT NOT NULL,
    record_id   BLOB,
    field       TEXT NOT NULL,
    base        TEXT,
    mine        TEXT,
    theirs      TEXT,
    mine_by     BLOB,
    theirs_by   BLOB,
    mine_hlc    TEXT,
    theirs_hlc  TEXT,
    resolution  TEXT,
    resolved_by BLOB,
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX conflicts_open ON conflicts (record_id) WHERE resolution IS NULL;

CREATE TABLE sync_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    server_url  TEXT NOT NULL,
    email       TEXT NOT NULL,
    token       TEXT,
    cursor      INTEGER NOT NULL DEFAULT 0,
    -- 1 while a first sync loads in bulk: the search index is built at its end.
    initial_load INTEGER NOT NULL DEFAULT 0,
    last_sync_at INTEGER,
    last_error  TEXT
) STRICT;

CREATE TABLE rejected_ops (
    op_id       BLOB PRIMARY KEY,
    device_seq  INTEGER NOT NULL,
    entity      TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    kind        TEXT NOT NULL,
    fields      TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    author_id   BLOB NOT NULL,
    schema_version INTEGER NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    rejected_at INTEGER NOT NULL
) STRICT;
"#,
    // 3: duplicate detection and repeatable imports. These tables hold local,
    // derived data that never syncs.
    r#"
-- Normalised keys of accounts, contacts and leads (crate::duplicates): two
-- records of one kind sharing a key look like the same customer or person.
CREATE TABLE duplicate_keys (
    entity      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    row         INTEGER NOT NULL,
    record_id   BLOB NOT NULL,
    PRIMARY KEY (entity, kind, key, row)
) STRICT, WITHOUT ROWID;
CREATE INDEX duplicate_keys_by_row ON duplicate_keys (entity, row);
CREATE INDEX duplicate_keys_by_record ON duplicate_keys (record_id);

-- The version (hlc) of each row the keys were computed from. Every write
-- (an edit, sync, the demo loader) gives the row a new hlc, so the rows whose
-- hlc differs are the ones to recompute before a lookup. Triggers on the
-- record tables would do it too, but a trigger makes SQLite open a statement
-- savepoint for every insert, and FTS5 flushes its pending index at each one:
-- an import took twice as long.
CREATE TABLE duplicate_keyed (
    entity      TEXT NOT NULL,
    row         INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    PRIMARY KEY (entity, row)
) STRICT, WITHOUT ROWID;

-- The rows of import files already imported, by a fingerprint of their
-- content, so running the same file again imports nothing twice.
CREATE TABLE import_fingerprints (
    entity      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (entity, fingerprint)
) STRICT, WITHOUT ROWID;
"#,
    // 4: demo data is marked, so it never meets a team server; the lead list
    // pages newest first without sorting every lead for each page.
    r#"
ALTER TABLE device ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
CREATE INDEX leads_newest ON leads (created_at DESC, id) WHERE deleted_at IS NULL;
"#,
    // 5: synced schema 2: exchange rates, the account's tier; which version
    // the team server speaks, and which one this laptop last pulled at (a
    // laptop updated since pulls again to take the kinds it skipped).
    r#"
CREATE TABLE exchange_rates (
    id            BLOB PRIMARY KEY,
    day           TEXT NOT NULL,
    from_currency TEXT NOT NULL,
    to_currency   TEXT NOT NULL,
    rate          TEXT NOT NULL,
    source        TEXT,
    created_at    INTEGER NOT NULL,
    created_by    BLOB,
    updated_at    INTEGER NOT NULL,
    hlc           TEXT NOT NULL,
    deleted_at    INTEGER,
    deleted_by    BLOB
) STRICT;
CREATE INDEX exchange_rates_by_pair ON exchange_rates (from_currency, to_currency, day)
    WHERE deleted_at IS NULL;
ALTER TABLE accounts ADD COLUMN tier TEXT;
ALTER TABLE sync_state ADD COLUMN server_schema INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sync_state ADD COLUMN pulled_schema INTEGER NOT NULL DEFAULT 1;
-- A record's queued and held changes, found without reading the whole queue
-- (pulled records keep their queued fields; held changes keep their order).
CREATE INDEX outbox_by_record ON outbox (record_id, device_seq);
CREATE INDEX rejected_by_record ON rejected_ops (record_id);
"#,
    // 6: duplicate keys kept in row order, the order they are computed in:
    // a whole book's keys (after a first sync or the demo) are appended
    // instead of scattered over three b-trees. Derived data: recomputed.
    r#"
DROP TABLE duplicate_keys;
DELETE FROM duplicate_keyed;
CREATE TABLE duplicate_keys (
    entity      TEXT NOT NULL,
    row         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    PRIMARY KEY (entity, row, kind, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX duplicate_keys_by_key ON duplicate_keys (entity, kind, key, row, record_id);
"#,
    // 7: what a refusal's translation needs (the field and the limit of a
    // value too large), as the server's verdict gave it.
    r#"
ALTER TABLE rejected_ops ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
"#,
    // 8: the pipeline board: a column's page is read in its order (soonest
    // to close, undated last, then name and id) instead of sorting the whole
    // stage for every page, and the totals per stage and currency come from
    // an index that holds what they add up (50,000 deals: 66 ms to 9 ms).
    r#"
CREATE INDEX opportunities_board
    ON opportunities (stage, close_date IS NULL, close_date, name, id)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_totals
    ON opportunities (stage, currency, owner_id, probability, amount)
    WHERE deleted_at IS NULL;
"#,
    // 9: synced schema 3: planned activities (a task's kind of activity, when
    // it starts, where, with whom); an account's history by kind (the
    // timeline's filter, a page at a time whatever the account's size).
    r#"
ALTER TABLE tasks ADD COLUMN activity TEXT;
ALTER TABLE tasks ADD COLUMN starts_at INTEGER;
ALTER TABLE tasks ADD COLUMN place TEXT;
ALTER TABLE tasks ADD COLUMN attendees TEXT;
CREATE INDEX interactions_timeline_by_kind ON interactions (account_id, kind, occurred_at DESC, id);
"#,
    // 10: synced schema 4: sales documents (the catalogue, price lists,
    // quotes, orders, payments and their lines and allocations, each a kind
    // of its own; an account's price list and payment terms) and the
    // numbering of this device's documents.
    r#"
CREATE TABLE products (
    id          BLOB PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    unit TEXT,
    category TEXT,
    tax_rate TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX products_by_code ON products (code) WHERE deleted_at IS NULL;
CREATE TABLE price_lists (
    id          BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE TABLE prices (
    id          BLOB PRIMARY KEY,
    price_list_id BLOB NOT NULL,
    product_id BLOB NOT NULL,
    min_quantity TEXT,
    unit_price INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX prices_by_product ON prices (price_list_id, product_id) WHERE deleted_at IS NULL;
CREATE TABLE quotes (
    id          BLOB PRIMARY KEY,
    number TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    revises_id BLOB,
    account_id BLOB NOT NULL,
    contact_id BLOB,
    opportunity_id BLOB,
    price_list_id BLOB NOT NULL,
    currency TEXT NOT NULL,
    issued_on TEXT,
    valid_until TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    sent_at INTEGER,
    reject_reason TEXT,
    owner_id BLOB,
    terms TEXT,
    notes TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX quotes_by_account ON quotes (account_id, issued_on DESC) WHERE deleted_at IS NULL;
CREATE INDEX quotes_by_number ON quotes (number, revision);
CREATE TABLE quote_lines (
    id          BLOB PRIMARY KEY,
    quote_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    product_id BLOB,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit TEXT,
    unit_price INTEGER NOT NULL,
    discount_percent TEXT,
    discount_amount INTEGER,
    tax_rate TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX quote_lines_by_quote ON quote_lines (quote_id, position) WHERE deleted_at IS NULL;
CREATE TABLE orders (
    id          BLOB PRIMARY KEY,
    number TEXT,
    account_id BLOB NOT NULL,
    contact_id BLOB,
    quote_id BLOB,
    opportunity_id BLOB,
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    ordered_on TEXT NOT NULL,
    payment_terms_days INTEGER,
    due_date TEXT,
    owner_id BLOB,
    notes TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX orders_by_account ON orders (account_id, ordered_on DESC) WHERE deleted_at IS NULL;
-- A quote's order (a quote is shown with it; an order is made from it once).
CREATE INDEX orders_by_quote ON orders (quote_id) WHERE deleted_at IS NULL AND quote_id IS NOT NULL;
CREATE TABLE order_lines (
    id          BLOB PRIMARY KEY,
    order_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    product_id BLOB,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit TEXT,
    unit_price INTEGER NOT NULL,
    discount_percent TEXT,
    discount_amount INTEGER,
    tax_rate TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX order_lines_by_order ON order_lines (order_id, position) WHERE deleted_at IS NULL;
CREATE TABLE payments (
    id          BLOB PRIMARY KEY,
    account_id BLOB NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    received_on TEXT NOT NULL,
    method TEXT,
    reference TEXT,
    prepayment INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX payments_by_account ON payments (account_id, received_on DESC) WHERE deleted_at IS NULL;
CREATE TABLE payment_allocations (
    id          BLOB PRIMARY KEY,
    payment_id BLOB NOT NULL,
    order_id BLOB NOT NULL,
    amount INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX payment_allocations_by_order ON payment_allocations (order_id) WHERE deleted_at IS NULL;
CREATE INDEX payment_allocations_by_payment ON payment_allocations (payment_id) WHERE deleted_at IS NULL;
CREATE VIRTUAL TABLE products_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO products_fts (products_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE price_lists_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO price_lists_fts (price_lists_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE quotes_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO quotes_fts (quotes_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE quote_lines_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO quote_lines_fts (quote_lines_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE orders_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO orders_fts (orders_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE order_lines_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO order_lines_fts (order_lines_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE payments_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO payments_fts (payments_fts, rank) VALUES ('automerge', 0);
ALTER TABLE accounts ADD COLUMN price_list_id BLOB;
ALTER TABLE accounts ADD COLUMN payment_terms_days INTEGER;
CREATE TABLE companies (
    id          BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    email TEXT,
    website TEXT,
    tax_id TEXT,
    bank TEXT,
    terms TEXT,
    logo TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
-- A document number's series: this device's own, counted here (never synced).
CREATE TABLE document_numbers (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
) STRICT;
ALTER TABLE sync_state ADD COLUMN series INTEGER;
"#,
    // 11: service (synced schema 5): cases and their events, SLA
    // policies, the business calendar, knowledge-base articles, satisfaction
    // answers; an interaction's case.
    r#"
CREATE TABLE cases (
    id          BLOB PRIMARY KEY,
    number TEXT,
    account_id BLOB NOT NULL,
    contact_id BLOB,
    product_id BLOB,
    order_id BLOB,
    subject TEXT NOT NULL,
    description TEXT,
    channel TEXT,
    category TEXT,
    priority TEXT NOT NULL DEFAULT 'normal',
    status TEXT NOT NULL DEFAULT 'new',
    owner_id BLOB,
    team TEXT,
    opened_at INTEGER NOT NULL,
    resolved_at INTEGER,
    solution_article_id BLOB,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX cases_by_account ON cases (account_id, opened_at DESC) WHERE deleted_at IS NULL;
-- The queues and the escalation pass read open cases only.
CREATE INDEX cases_open ON cases (status, opened_at) WHERE deleted_at IS NULL AND status IN ('new', 'in_progress', 'waiting');
CREATE INDEX cases_by_article ON cases (solution_article_id) WHERE deleted_at IS NULL AND solution_article_id IS NOT NULL;
CREATE TABLE case_events (
    id          BLOB PRIMARY KEY,
    case_id BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT 'status',
    at INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT,
    target TEXT,
    level INTEGER,
    from_priority TEXT,
    to_priority TEXT,
    note TEXT,
    author_id BLOB,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX case_events_by_case ON case_events (case_id, at) WHERE deleted_at IS NULL;
-- What the clocks and the escalation pass read of a whole desk at once.
CREATE INDEX case_events_waiting ON case_events (case_id) WHERE to_status = 'waiting' AND deleted_at IS NULL;
CREATE INDEX case_events_escalations ON case_events (case_id, target, level) WHERE kind = 'escalation' AND deleted_at IS NULL;
CREATE TABLE sla_policies (
    id          BLOB PRIMARY KEY,
    priority TEXT NOT NULL,
    tier TEXT,
    first_response TEXT NOT NULL,
    resolution TEXT NOT NULL,
    warn_before TEXT,
    raise_to TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE TABLE calendars (
    id          BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    tz TEXT NOT NULL,
    days TEXT NOT NULL,
    hours TEXT NOT NULL,
    holidays TEXT,
    workdays TEXT,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE TABLE articles (
    id          BLOB PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    language TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    product_id BLOB,
    category TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    author_id BLOB,
    case_id BLOB,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE TABLE surveys (
    id          BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id BLOB NOT NULL,
    case_id BLOB,
    score INTEGER NOT NULL,
    comment TEXT,
    answered_at INTEGER NOT NULL,
    source TEXT,
    recorded_by BLOB,
    created_at  INTEGER NOT NULL,
    created_by  BLOB,
    updated_at  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    deleted_at  INTEGER,
    deleted_by  BLOB
) STRICT;
CREATE INDEX surveys_by_case ON surveys (case_id) WHERE deleted_at IS NULL AND case_id IS NOT NULL;
CREATE INDEX surveys_by_account ON surveys (account_id, answered_at) WHERE deleted_at IS NULL;
CREATE VIRTUAL TABLE cases_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO cases_fts (cases_fts, rank) VALUES ('automerge', 0);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 0);
ALTER TABLE interactions ADD COLUMN case_id BLOB;
CREATE INDEX interactions_by_case ON interactions (case_id, occurred_at, direction) WHERE case_id IS NOT NULL AND deleted_at IS NULL;
"#,
    // 12: how long this laptop may stay away from the team's server (the
    // server's policy, told at login and with every pull), since when it is
    // counted, an administrator's extension, the device's key for checking
    // extension codes, and the latest time this laptop has seen (a clock
    // set back does not win days).
    r#"
ALTER TABLE sync_state ADD COLUMN lease_offline_days INTEGER;
ALTER TABLE sync_state ADD COLUMN lease_grace_days INTEGER;
ALTER TABLE sync_state ADD COLUMN lease_key TEXT;
ALTER TABLE sync_state ADD COLUMN lease_since INTEGER;
ALTER TABLE sync_state ADD COLUMN lease_until INTEGER;
ALTER TABLE sync_state ADD COLUMN seen_at INTEGER;
"#,
];

/// Bring `conn` up to the newest schema, each migration in its own
/// transaction together with its `user_version` bump. Two programs may open
/// an old file at once (the app and `crm`): each step takes the write lock
/// first and looks at the version again, so the second finds the step done
/// instead of running it twice.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let known = MIGRATIONS.len() as i64;
    let version = |conn: &Connection| -> rusqlite::Result<i64> {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
    };
    while version(conn)? < known {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        // Done meanwhile by the other program (or a version this build does
        // not number, which opening refuses before coming here).
        let Some(sql) = usize::try_from(current)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
        else {
            break;
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
    Ok(())
}
