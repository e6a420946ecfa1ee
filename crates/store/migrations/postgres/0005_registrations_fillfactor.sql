-- A registration is updated about once (pending -> valid/invalid) by the
-- validation. Free room in each page lets that update stay on the page
-- (a HOT update) instead of inserting into every index of the register.
ALTER TABLE registrations SET (fillfactor = 80);
