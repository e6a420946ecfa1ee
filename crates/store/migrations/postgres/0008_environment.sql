-- Which environment a database was created for: production, or the
-- simulation environment for integrators (ciao serve --simulation). One row,
-- written in the transaction that creates the database; a database that
-- existed before this version counts as production. Production refuses a
-- simulation database and the simulation refuses a production one.
-- The simulation also keeps when its seed was loaded, and the instant of its
-- last "end of the day now" (ciao simulation sweep), before which the INs of
-- that day count as left open.
CREATE TABLE ciao_environment (
    id            SMALLINT PRIMARY KEY CHECK (id = 1),
    environment   TEXT NOT NULL CHECK (environment IN ('production', 'simulation')),
    created_at    BIGINT NOT NULL,
    seeded_at     BIGINT,
    day_closed_at BIGINT
);
