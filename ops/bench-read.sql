-- pgbench script for ops/bench: the floor cost of one document read, a prepared primary-key select of a ~300-byte
-- jsonb row. Table: ops/bench-read-setup.sql.
\set id random(1, 10000)
SELECT data FROM bench_documents WHERE id = :id;
