-- The workflow engine (docs/workflow.md): process definitions per company
-- and version, durable instances, the event log every analysis reads,
-- human tasks, comments, notifications, review statistics per step,
-- substitutes, and the incoming invoices the first process books.
-- Rows keep their searchable keys as columns and the rest as a JSON body.

CREATE TABLE process_defs (
    company_id TEXT NOT NULL REFERENCES companies(id),
    process_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, process_key, version)
);

CREATE TABLE process_instances (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    process_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    step TEXT NOT NULL,
    body TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX process_instances_subject ON process_instances(company_id, process_key, subject);
CREATE INDEX process_instances_state ON process_instances(company_id, state, updated_at);

-- Append-only: every step start and end, decision, review, incident and
-- intervention, with its actor and whether a person or kontor acted.
CREATE TABLE process_events (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    company_id TEXT NOT NULL REFERENCES companies(id),
    instance_id TEXT NOT NULL REFERENCES process_instances(id),
    process_key TEXT NOT NULL,
    step TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT,
    actor TEXT NOT NULL,
    automated BIGINT NOT NULL CHECK (automated IN (0, 1)),
    at BIGINT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX process_events_instance ON process_events(instance_id, seq);
CREATE INDEX process_events_company ON process_events(company_id, seq);
CREATE FUNCTION process_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'process events are append-only'; END; $$;
CREATE TRIGGER process_events_append_only BEFORE UPDATE OR DELETE ON process_events
FOR EACH ROW EXECUTE FUNCTION process_events_append_only();

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    instance_id TEXT REFERENCES process_instances(id),
    state TEXT NOT NULL,
    assignee TEXT,
    candidate_role TEXT,
    due_at BIGINT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tasks_open ON tasks(company_id, state, candidate_role);
CREATE INDEX tasks_assignee ON tasks(company_id, state, assignee);
CREATE INDEX tasks_due ON tasks(state, due_at);
CREATE INDEX tasks_instance ON tasks(instance_id);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX comments_object ON comments(company_id, object_type, object_id, at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    mailed_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
CREATE INDEX notifications_unmailed ON notifications(mailed_at, user_id);

-- Mails kontor would send; kept for admins when no SMTP server is set.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);

CREATE TABLE step_stats (
    company_id TEXT NOT NULL REFERENCES companies(id),
    process_key TEXT NOT NULL,
    step TEXT NOT NULL,
    reviewed BIGINT NOT NULL,
    wrong BIGINT NOT NULL,
    PRIMARY KEY (company_id, process_key, step)
);

CREATE TABLE substitutes (
    company_id TEXT NOT NULL REFERENCES companies(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    substitute_id TEXT NOT NULL REFERENCES users(id),
    from_at BIGINT NOT NULL,
    until_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);

CREATE TABLE incoming_invoices (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    partner_id TEXT,
    number TEXT,
    issue_date TEXT,
    gross_cents BIGINT,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX incoming_invoices_document ON incoming_invoices(company_id, document_id);
CREATE INDEX incoming_invoices_number ON incoming_invoices(company_id, partner_id, number);
CREATE INDEX incoming_invoices_amount ON incoming_invoices(company_id, gross_cents, issue_date);
