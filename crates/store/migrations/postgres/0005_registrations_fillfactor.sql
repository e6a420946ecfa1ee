-- A registration is updated about once (pending -> valid/invalid) by the
-- validation. Free room in each page lets that update stay on the page
-- (a HOT update) instead of inserting into every index of the register:
-- with half of each page free, all of them do (measured: 26% at 80).
-- The price is about twice the pages for the registrations table.
ALTER TABLE registrations SET (fillfactor = 50);
-- The queue's lease is updated once per claim: the same reasoning.
ALTER TABLE validation_queue SET (fillfactor = 50);
