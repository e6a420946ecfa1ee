-- Validation replaces a registration's searchable remarks: find them by registration.
CREATE INDEX registration_remarks_registration ON registration_remarks (registration_id);
