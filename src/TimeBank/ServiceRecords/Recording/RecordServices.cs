using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.ServiceRecords.Recording;

public sealed record PendingDeposit(RecordService Command, AuditStamp Stamp);

/// <summary>Deposits that arrived together, decided and committed in one transaction (group commit).</summary>
public sealed record RecordServices(IReadOnlyList<PendingDeposit> Deposits) : IStampsEachEvent;

public sealed record RecordedServices(IReadOnlyList<Outcome<ServiceRecordResult>> Outcomes);

public static class RecordServicesHandler
{
    public static async Task<RecordedServices> Handle(RecordServices batch, IDocumentSession session, IClock clock, IOptions<PointsOptions> points)
    {
        var commands = batch.Deposits.Select(d => d.Command).ToList();
        var volunteerIds = commands.Select(c => c.VolunteerId).Distinct().ToArray();
        var earliest = commands.Min(c => c.StartsAt).ToUnixTimeMilliseconds();
        var latest = commands.Max(c => c.EndsAt).ToUnixTimeMilliseconds();
        var earliestOverlappingStart = earliest - (long)RecordServiceEndpoint.LongestService.TotalMilliseconds;

        var reads = session.CreateBatchQuery();
        var recordedBefore = reads.LoadMany<ServiceRecord>().ById(commands.Select(c => c.RecordId).Distinct().ToArray());
        var volunteers = reads.LoadMany<Volunteer>().ById(volunteerIds);
        var elders = reads.LoadMany<Elder>().ById(commands.Select(c => c.ElderId).Distinct().ToArray());
        var credited = reads.Query<ServiceRecord>()
            .Where(r => volunteerIds.Contains(r.VolunteerId)
                        && r.StartsAtUnixMs > earliestOverlappingStart && r.StartsAtUnixMs < latest
                        && r.EndsAtUnixMs > earliest && r.Status == ServiceRecordStatus.Credited)
            .ToList();
        var streams = volunteerIds.ToDictionary(id => id, id => reads.Events.FetchForWriting<Account>(id));
        await reads.Execute();

        var ledger = new DepositLedger(
            (await recordedBefore).ToDictionary(r => r.Id),
            (await volunteers).ToDictionary(v => v.Id),
            (await elders).ToDictionary(e => e.Id),
            (await credited).ToList(),
            points.Value,
            clock.GetCurrentInstant());

        var outcomes = new List<Outcome<ServiceRecordResult>>(batch.Deposits.Count);
        foreach (var (command, stamp) in batch.Deposits)
        {
            var stream = await streams[command.VolunteerId];
            var decision = ledger.Decide(command, stream.Aggregate);
            if (decision.Recorded is { } deposit)
            {
                stream.AppendOne(stamp.On(deposit));
            }
            outcomes.Add(decision.Outcome);
        }
        return new RecordedServices(outcomes);
    }
}

/// <summary>
/// Decides deposits one after another, remembering what earlier deposits of the same batch did:
/// their records, their periods and the balances they left. Points are fixed here, at the rate in force now.
/// </summary>
public sealed class DepositLedger(
    Dictionary<Guid, ServiceRecord> recorded,
    Dictionary<Guid, Volunteer> volunteers,
    Dictionary<Guid, Elder> elders,
    List<ServiceRecord> credited,
    PointsOptions points,
    Instant now)
{
    private readonly Dictionary<Guid, (int Minutes, int Points)> _balances = new();

    public sealed record Decision(Outcome<ServiceRecordResult> Outcome, ServiceRecorded? Recorded = null);

    public Decision Decide(RecordService command, Account? account)
    {
        var fingerprint = Idempotency.Fingerprint(command);
        var recordId = command.RecordId;
        if (recorded.TryGetValue(recordId, out var first))
        {
            return new(first.RequestFingerprint == fingerprint
                ? Outcome<ServiceRecordResult>.Ok(first.FirstResult)
                : Problems.IdempotencyMismatch(command.PlatformRecordId));
        }

        var startsAt = command.StartsAt;
        var endsAt = command.EndsAt;
        var overlapping = credited.FirstOrDefault(r => r.VolunteerId == command.VolunteerId && r.StartsAt < endsAt && r.EndsAt > startsAt);
        ProblemDetails? refusal = ServiceRecording.Refuse(command, volunteers.GetValueOrDefault(command.VolunteerId),
            elders.GetValueOrDefault(command.ElderId), overlapping?.Id);
        if (refusal is not null) return new(refusal);

        var minutes = ServicePeriod.Minutes(startsAt, endsAt);
        var earned = points.PointsFor(command.ServiceType, minutes);
        var before = _balances.TryGetValue(command.VolunteerId, out var left) ? left : (Minutes: account?.BalanceMinutes ?? 0, Points: account?.PointsBalance ?? 0);
        var balance = (Minutes: before.Minutes + minutes, Points: before.Points + earned);
        _balances[command.VolunteerId] = balance;

        var deposit = new ServiceRecorded(recordId, command.VolunteerId, command.ElderId, command.ServiceType,
            command.StartedAt, command.EndedAt, command.TimeZone, startsAt, endsAt, minutes, earned,
            command.PlatformKeyId, command.PlatformRecordId, command.Note, now, fingerprint, balance.Minutes, balance.Points);
        var record = new ServiceRecord
        {
            Id = recordId, VolunteerId = command.VolunteerId, StartsAt = startsAt, EndsAt = endsAt, CreditedMinutes = minutes,
            CreditedPoints = earned, RequestFingerprint = fingerprint, BalanceMinutesAfter = balance.Minutes, PointsBalanceAfter = balance.Points
        };
        credited.Add(record);
        recorded[recordId] = record;
        return new(Outcome<ServiceRecordResult>.Created(record.FirstResult), deposit);
    }
}
