-- ops/bench-audit-seed.sql: adds :events auditor reads to the event store, shaped exactly as the service
-- records them (src/TimeBank/Auditing/AccessLog): one ledger_data_read event per access_log_entry stream,
-- with its inline access-log document. Recorded instants run from now on, 250 ms apart, so the events
-- span several days and the daily digests close. The async daemon then chains them like any other.
--
--   psql -v events=1000000 -f ops/bench-audit-seed.sql
\set ON_ERROR_STOP on
begin;
create temp table seed on commit drop as
select i,
       gen_random_uuid() as stream,
       gen_random_uuid() as event,
       now() + i * interval '250 milliseconds' as at
from generate_series(1, :events) i;

create temp table seed_data on commit drop as
select i, stream, event, at,
       jsonb_build_object(
         'readId', stream, 'readerKeyId', 'ops-bench', 'readerName', 'ops/bench auditor', 'readerRole', 'auditor',
         'path', '/api/audit/events', 'query', '?after=' || i || '&limit=500', 'accountId', null, 'status', 200,
         'readAt', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as data
from seed;

insert into timebank.mt_streams (id, type, version, timestamp, created, tenant_id)
select stream, 'access_log_entry', 1, at, at, '*DEFAULT*' from seed_data order by i;

insert into timebank.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                                correlation_id, causation_id, headers, user_name, is_archived)
select nextval('timebank.mt_events_sequence'), event, stream, 1, data, 'ledger_data_read', at, '*DEFAULT*',
       'TimeBank.Auditing.AccessLog.LedgerDataRead, TimeBank', md5(event::text), 'http:ops-bench',
       '{"actor-key-id": "ops-bench", "actor-role": "auditor"}'::jsonb, 'ops-bench', false
from (select * from seed_data order by i) s;

insert into timebank.mt_doc_accesslogentry (id, data, mt_last_modified, mt_dotnet_type, mt_version)
select stream, data || jsonb_build_object('id', stream, 'readAtUnixMs', (extract(epoch from date_trunc('second', at)) * 1000)::bigint),
       at, 'TimeBank.Auditing.AccessLog.AccessLogEntry', 1
from seed_data;
commit;
