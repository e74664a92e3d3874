-- Tables for ops/bench-append.sql, in their own database so that they never touch the service's.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_events, bench_streams;
CREATE TABLE bench_streams (
  id         integer PRIMARY KEY,
  version    integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bench_events (
  seq_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id integer NOT NULL,
  version   integer NOT NULL,
  type      text NOT NULL,
  data      jsonb NOT NULL,
  timestamp timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version)
);
-- Every stream exists up front, so each update hits a row.
INSERT INTO bench_streams (id, version) SELECT g, 0 FROM generate_series(1, 10000) AS g;
VACUUM ANALYZE bench_streams;
