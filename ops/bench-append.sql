-- pgbench script for ops/bench: the floor cost of one durable event append. Per transaction one
-- ~300-byte jsonb row goes into a table keyed by (stream, version), and the stream's version row is
-- bumped, as an event store does. Tables: ops/bench-append-setup.sql.
\set stream random(1, 10000)
BEGIN;
UPDATE bench_streams SET version = version + 1, updated_at = now() WHERE id = :stream RETURNING version \gset
INSERT INTO bench_events (stream_id, version, type, data)
VALUES (:stream, :version, 'service_recorded',
  '{"recordId":"0196d7f2-6c1e-7a55-9a0e-3f2b8c1d4e5f","volunteerId":"0196d7f2-6c1e-7a55-9a0e-3f2b8c1d4e60","elderId":"0196d7f2-6c1e-7a55-9a0e-3f2b8c1d4e61","serviceType":"home-visit","startedAt":"2026-11-20T09:00:00","endedAt":"2026-11-20T09:10:00","timeZone":"Asia/Shanghai","minutes":10,"platformRecordId":"bench-0000000001"}'::jsonb);
END;
