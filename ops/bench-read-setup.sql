-- Table for ops/bench-read.sql, in the pgbench database: 10,000 rows of a ~300-byte jsonb document, like an
-- account's projected balance that GET /api/accounts/{id} reads.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_documents;
CREATE TABLE bench_documents (
  id   integer PRIMARY KEY,
  data jsonb NOT NULL
);
INSERT INTO bench_documents (id, data)
SELECT g, jsonb_build_object(
  'id', '0196d7f2-6c1e-7a55-9a0e-' || lpad(g::text, 12, '0'), 'holder', 'Volunteer', 'balanceMinutes', g % 900,
  'heldMinutes', 0, 'servedMinutes', g % 1200, 'issuedMinutes', g % 1200, 'redeemedMinutes', 0, 'pointsBalance', g % 150,
  'issuedPoints', g % 200, 'spentPoints', g % 50, 'openHolds', '{}'::jsonb, 'version', g % 40)
FROM generate_series(1, 10000) AS g;
VACUUM ANALYZE bench_documents;
