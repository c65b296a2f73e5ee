-- PostgreSQL's migration 0026 checks closed periods once per statement.
-- SQLite has no statement-level triggers: its row trigger of 0014 stays,
-- and this version only keeps both backends' schema versions in step.
SELECT 1;
