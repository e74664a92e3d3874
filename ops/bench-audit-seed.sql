-- ops/bench-audit-seed.sql: adds :events auditor reads to the event store, shaped exactly as the service
-- records them: each a copy of the newest event, which ops/bench makes a real auditor read through the API
-- just before (src/TimeBank/Auditing/AccessLog). Its event type, .NET type names, stream kind and the table of
-- its inline access-log document are read from that read, never written here. Recorded instants run from now
-- on, 250 ms apart, so the events span several days and the daily digests close. The async daemon then chains
-- them like any other.
--
-- The events go in by transactions of :chunk each, as any bulk import should: the daemon reads events in sequence
-- order, and sequence numbers held for long by one open transaction look to it like a gap, which it may judge dead
-- and skip (it did once with this seed as one transaction), so the projections would never get the events in it.
--
--   psql -v schema=timebank -v events=1000000 -v chunk=20000 -f ops/bench-audit-seed.sql
\set ON_ERROR_STOP on
select e.type as event_type, e.mt_dotnet_type as event_dotnet_type, e.stream_id as template_stream, s.type as stream_type
from :"schema".mt_events e join :"schema".mt_streams s on s.id = e.stream_id
order by e.seq_id desc limit 1 \gset
-- The document table that holds the read's stream id: the access log's, whatever Marten named it.
select format('%I.%I', table_schema, table_name) as document_table
from information_schema.tables
where table_schema = :'schema' and table_name like 'mt\_doc\_%'
  and (xpath('/row/c/text()', query_to_xml(
        format('select count(*) as c from %I.%I where id::text = %L', table_schema, table_name, :'template_stream'),
        false, true, '')))[1]::text::int > 0 \gset
select mt_dotnet_type as document_dotnet_type from :document_table where id::text = :'template_stream' \gset

-- Streams and documents draw no sequence numbers: they go in first, in one transaction.
begin;
create temp table seed_data as
select i, stream, event, at,
       jsonb_build_object(
         'readId', stream, 'readerKeyId', 'ops-bench', 'readerName', 'ops/bench auditor', 'readerRole', 'auditor',
         'path', '/api/audit/events', 'query', '?after=' || i || '&limit=500', 'accountId', null, 'status', 200,
         'readAt', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as data
from (select i, gen_random_uuid() as stream, gen_random_uuid() as event, now() + i * interval '250 milliseconds' as at
      from generate_series(1, :events) i) seed;
create index on seed_data (i);

insert into :"schema".mt_streams (id, type, version, timestamp, created, tenant_id)
select stream, :'stream_type', 1, at, at, '*DEFAULT*' from seed_data order by i;

insert into :document_table (id, data, mt_last_modified, mt_dotnet_type, mt_version)
select stream, data || jsonb_build_object('id', stream, 'readAtUnixMs', (extract(epoch from date_trunc('second', at)) * 1000)::bigint),
       at, :'document_dotnet_type', 1
from seed_data;
commit;

-- Then the events, each chunk its own statement and so its own transaction.
select format($insert$
  insert into %1$I.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                              correlation_id, causation_id, headers, user_name, is_archived)
  select nextval(%2$L), event, stream, 1, data, %3$L, at, '*DEFAULT*', %4$L, md5(event::text), 'http:ops-bench',
         '{"actor-key-id": "ops-bench", "actor-role": "auditor"}'::jsonb, 'ops-bench', false
  from (select * from seed_data where i between %5$s and %6$s order by i) s
  $insert$, :'schema', :'schema' || '.mt_events_sequence', :'event_type', :'event_dotnet_type', first, least(first + :chunk - 1, :events))
from generate_series(1, :events, :chunk) first \gexec
drop table seed_data;
