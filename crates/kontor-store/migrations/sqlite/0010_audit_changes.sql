-- Before/after digests and the field diff of a change (JSON, see
-- docs/audit.md); part of the entry's hash when present.
ALTER TABLE audit_events ADD COLUMN change TEXT;
-- The trail of one object, and of one company over time.
CREATE INDEX audit_events_object ON audit_events(company_id, object_type, subject, seq);
CREATE INDEX audit_events_company_time ON audit_events(company_id, at);
