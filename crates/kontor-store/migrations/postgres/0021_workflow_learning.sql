-- Booking proposals learn from a supplier's latest posted invoices: read
-- them newest first from an index instead of sorting all of them.
CREATE INDEX incoming_invoices_partner_posted ON incoming_invoices(company_id, partner_id, state, created_at);
