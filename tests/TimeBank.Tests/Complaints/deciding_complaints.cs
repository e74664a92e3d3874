using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Complaints;
using TimeBank.Complaints.Deciding;
using TimeBank.Complaints.Filing;
using TimeBank.Ledger;
using TimeBank.ServiceRecords;

namespace TimeBank.Tests.Complaints;

/// <summary>Filing, acknowledging and resolving complaints as pure functions.</summary>
public sealed class deciding_complaints
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Caller Reviewer = new("reviewer-key", "审核", Roles.Reviewer);
    private static readonly ServiceRecord Record = new() { Id = Guid.NewGuid(), VolunteerId = Guid.NewGuid(), CreditedMinutes = 60, PlatformKeyId = "p" };

    private static Complaint Filed(Guid? record = null) => new Complaint().Apply(new ComplaintFiled(Guid.NewGuid(), "TS20261124-ABCDEF",
        new ComplaintSubject(record, record is null ? Guid.NewGuid() : null, null), ComplaintCategory.FalseRecord, "d", "王小红", "c", "女儿", "p", Now));

    [Fact]
    public void a_complaint_about_something_unknown_is_refused_and_a_known_one_gets_a_dated_reference()
    {
        var command = new FileComplaint(new ComplaintSubject(null, null, Guid.NewGuid()), ComplaintCategory.Other, "d", "王", "13912345678", "女儿");
        FileComplaintHandler.Decide(command, Guid.NewGuid(), false, "c", Reviewer, Now).Refusal.ShouldBeOfType<UnknownReferences>()
            .Fields.Keys.ShouldBe(["about.organisationId"]);
        var id = Guid.Parse("01a23456-7890-7abc-8def-0123456789ab");
        FileComplaintHandler.Decide(command, id, true, "c", Reviewer, Now).Events.Reference.ShouldBe("TS20261124-6789AB");
    }

    [Fact]
    public void only_an_open_complaint_is_acknowledged()
    {
        var open = Filed();
        var acknowledged = AcknowledgeComplaintHandler.Decide(open, Reviewer, Now).ShouldNotBeNull();
        AcknowledgeComplaintHandler.Decide(open.Apply(acknowledged), Reviewer, Now).ShouldBeNull();
    }

    [Fact]
    public void an_upheld_complaint_reverses_its_record_through_the_reversals_own_decision()
    {
        var complaint = Filed(Record.Id);
        var funded = new Account { Id = Record.VolunteerId, BalanceMinutes = 60 };
        var (resolved, reversed) = ResolveComplaintHandler.Decide(new ResolveComplaint(complaint.Id, ComplaintOutcome.Upheld, "核实", true), complaint, Record,
            funded, Reviewer, Now).Events;
        (resolved.ReversedRecordId, reversed!.Minutes, reversed.ReversedBy).ShouldBe((Record.Id, 60, "reviewer-key"));
        ResolveComplaintHandler.Decide(new ResolveComplaint(complaint.Id, ComplaintOutcome.Upheld, "核实", true), complaint, Record,
            funded with { BalanceMinutes = 10 }, Reviewer, Now).Refusal.ShouldBeOfType<NotEnoughMinutes>();
        ResolveComplaintHandler.Decide(new ResolveComplaint(complaint.Id, ComplaintOutcome.Upheld, "核实", true), Filed(), null, null, Reviewer, Now)
            .Refusal.ShouldBeOfType<UnknownReferences>();
        var (dismissed, none) = ResolveComplaintHandler.Decide(new ResolveComplaint(complaint.Id, ComplaintOutcome.Dismissed, "证据不足", false), complaint, null,
            null, Reviewer, Now).Events;
        (dismissed.Outcome, none).ShouldBe((ComplaintOutcome.Dismissed, null));
        ResolveComplaintHandler.Decide(new ResolveComplaint(complaint.Id, ComplaintOutcome.Dismissed, "x", false), complaint.Apply(dismissed), null, null,
            Reviewer, Now).Refusal.ShouldBeOfType<ComplaintResolvedAlready>();
    }
}
