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
        var claims = reads.LoadMany<IdempotencyClaim>().ById(commands.Select(c => c.ClaimId).Distinct().ToArray());
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
            (await claims).ToDictionary(c => c.Id),
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
            if (decision.Recorded is { } recorded)
            {
                stream.AppendOne(stamp.On(recorded));
                session.Insert(decision.Claim!);
            }
            outcomes.Add(decision.Outcome);
        }
        return new RecordedServices(outcomes);
    }
}

/// <summary>
/// Decides deposits one after another, remembering what earlier deposits of the same batch did:
/// their claims, their periods and the balances they left. Points are fixed here, at the rate in force now.
/// </summary>
public sealed class DepositLedger(
    Dictionary<string, IdempotencyClaim> claims,
    Dictionary<Guid, Volunteer> volunteers,
    Dictionary<Guid, Elder> elders,
    List<ServiceRecord> credited,
    PointsOptions points,
    Instant now)
{
    private readonly Dictionary<Guid, (int Minutes, int Points)> _balances = new();

    public sealed record Decision(Outcome<ServiceRecordResult> Outcome, ServiceRecorded? Recorded = null, IdempotencyClaim? Claim = null);

    public Decision Decide(RecordService command, Account? account)
    {
        var fingerprint = Idempotency.Fingerprint(command);
        if (claims.TryGetValue(command.ClaimId, out var claim))
        {
            return new(claim.Replay<ServiceRecordResult>(fingerprint, command.PlatformRecordId));
        }

        var startsAt = command.StartsAt;
        var endsAt = command.EndsAt;
        var overlapping = credited.FirstOrDefault(r => r.VolunteerId == command.VolunteerId && r.StartsAt < endsAt && r.EndsAt > startsAt);
        ProblemDetails? refusal = ServiceRecording.Refuse(command, volunteers.GetValueOrDefault(command.VolunteerId),
            elders.GetValueOrDefault(command.ElderId), overlapping?.Id);
        if (refusal is not null) return new(refusal);

        var minutes = ServicePeriod.Minutes(startsAt, endsAt);
        var recorded = new ServiceRecorded(Guid.CreateVersion7(), command.VolunteerId, command.ElderId, command.ServiceType,
            command.StartedAt, command.EndedAt, command.TimeZone, startsAt, endsAt, minutes, points.PointsFor(command.ServiceType, minutes),
            command.PlatformKeyId, command.PlatformRecordId, command.Note, now);

        var before = _balances.TryGetValue(command.VolunteerId, out var left) ? left : (Minutes: account?.BalanceMinutes ?? 0, Points: account?.PointsBalance ?? 0);
        var balance = (Minutes: before.Minutes + recorded.Minutes, Points: before.Points + recorded.Points);
        _balances[command.VolunteerId] = balance;
        credited.Add(new ServiceRecord { Id = recorded.RecordId, VolunteerId = recorded.VolunteerId, StartsAt = startsAt, EndsAt = endsAt });

        var result = new ServiceRecordResult(recorded.RecordId, "credited", recorded.Minutes, balance.Minutes, recorded.Points, balance.Points);
        claim = IdempotencyClaim.For(command.ClaimId, fingerprint, recorded.RecordId, result, now);
        claims[claim.Id] = claim;
        return new(Outcome<ServiceRecordResult>.Created(result), recorded, claim);
    }
}
