using Shouldly;
using TimeBank.Auditing.Chain;
using TimeBank.Auditing.Verifying;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

public sealed class verifying_the_chain(AppFixture fixture) : ApiTest(fixture)
{
    private const string Events = $"{StoredEvents.Schema}.mt_events";

    private Task<VerificationReport> Verify(string query = "") => Host.GetAsync<VerificationReport>(Keys.Auditor, $"/api/audit/verify{query}");

    [Fact]
    public async Task an_untampered_store_verifies_and_reports_its_head()
    {
        await Fixture.VolunteerWithBalance(90);
        await Fixture.WaitForChainAsync();

        var report = await Verify();
        report.Mismatch.ShouldBeNull();
        report.Verified.ShouldBeTrue();
        report.EventsChecked.ShouldBeGreaterThan(2);
        report.HeadHash.ShouldNotBeNullOrEmpty();

        await using var connection = await Store.OpenAsync();
        var head = await ChainStore.LoadHeadAsync(connection, CancellationToken.None);
        report.HeadSequence.ShouldBe(head.Sequence);
        report.To.ShouldBe(head.Sequence);
    }

    [Fact]
    public async Task an_edited_event_is_named_with_its_expected_and_actual_hash()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(120);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var deposit = (await connection.SequencesOfAsync(volunteer))[1];
        var link = (await ChainStore.FindLinkAsync(connection, deposit, CancellationToken.None))!;

        await connection.ExecuteAsync($"create temp table saved as select * from {Events} where seq_id = $1", deposit);
        try
        {
            await connection.ExecuteAsync($"update {Events} set data = jsonb_set(data, '{{minutes}}', '600') where seq_id = $1", deposit);

            var report = await Verify($"?from={deposit - 3}");
            report.Verified.ShouldBeFalse();
            report.Mismatch!.Sequence.ShouldBe(deposit);
            report.Mismatch.Kind.ShouldBe(MismatchKinds.Modified);
            report.Mismatch.ExpectedHash.ShouldBe(EventHashing.Hex(link.Hash));
            report.Mismatch.ActualHash.ShouldNotBe(report.Mismatch.ExpectedHash);
        }
        finally
        {
            await connection.ExecuteAsync($"update {Events} e set data = s.data from saved s where e.seq_id = s.seq_id");
        }
        (await Verify($"?from={deposit - 3}")).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task a_deleted_event_is_named()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(130);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var deposit = (await connection.SequencesOfAsync(volunteer))[1];

        await connection.ExecuteAsync($"create temp table deleted as select * from {Events} where seq_id = $1", deposit);
        try
        {
            await connection.ExecuteAsync($"delete from {Events} where seq_id = $1", deposit);

            var report = await Verify($"?from={deposit - 1}&to={deposit + 5}");
            report.Verified.ShouldBeFalse();
            report.Mismatch!.Sequence.ShouldBe(deposit);
            report.Mismatch.Kind.ShouldBe(MismatchKinds.Missing);
            report.Mismatch.ActualHash.ShouldBeNull();
        }
        finally
        {
            await connection.ExecuteAsync($"insert into {Events} select * from deleted");
        }
        (await Verify($"?from={deposit - 1}&to={deposit + 5}")).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task reordered_events_are_named()
    {
        var (first, _) = await Fixture.VolunteerWithBalance(140);
        var (second, _) = await Fixture.VolunteerWithBalance(150);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var a = (await connection.SequencesOfAsync(first))[1];
        var b = (await connection.SequencesOfAsync(second))[1];

        async Task Swap()
        {
            await connection.ExecuteAsync($"update {Events} set seq_id = -seq_id where seq_id = $1", a);
            await connection.ExecuteAsync($"update {Events} set seq_id = $1 where seq_id = $2", a, b);
            await connection.ExecuteAsync($"update {Events} set seq_id = $1 where seq_id = $2", b, -a);
        }

        await Swap();
        try
        {
            var report = await Verify($"?from={a}");
            report.Verified.ShouldBeFalse();
            report.Mismatch!.Sequence.ShouldBe(a);
            report.Mismatch.Kind.ShouldBe(MismatchKinds.Reordered);
            report.Mismatch.ChainedAtSequence.ShouldBe(b);
        }
        finally
        {
            await Swap();
        }
        (await Verify($"?from={a}")).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task swapped_data_is_named_at_the_earlier_sequence()
    {
        var (first, _) = await Fixture.VolunteerWithBalance(160);
        var (second, _) = await Fixture.VolunteerWithBalance(170);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var a = (await connection.SequencesOfAsync(first))[1];
        var b = (await connection.SequencesOfAsync(second))[1];

        const string swap = $"update {Events} e set data = o.data from {Events} o where (e.seq_id, o.seq_id) in (($1, $2), ($2, $1))";
        await connection.ExecuteAsync(swap, a, b);
        try
        {
            var report = await Verify($"?from={a - 1}&to={b}");
            report.Mismatch!.Sequence.ShouldBe(a);
            report.Mismatch.Kind.ShouldBe(MismatchKinds.Modified);
        }
        finally
        {
            await connection.ExecuteAsync(swap, a, b);
        }
        (await Verify($"?from={a - 1}&to={b}")).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task an_event_slipped_into_a_sequence_gap_is_named()
    {
        await using var connection = await Store.OpenAsync();
        // A number handed out and never used, as a rolled-back transaction leaves it; the chain goes past it.
        var gap = await connection.ScalarAsync<long>($"select nextval('{StoredEvents.Schema}.mt_events_sequence')");
        var (volunteer, _) = await Fixture.VolunteerWithBalance(180);
        await Fixture.WaitForChainAsync();
        (await ChainStore.FindLinkAsync(connection, gap, CancellationToken.None)).ShouldBeNull();
        var deposit = (await connection.SequencesOfAsync(volunteer))[1];

        await connection.ExecuteAsync(
            $"""
             insert into {Events} (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, user_name, is_archived)
             select $1, gen_random_uuid(), stream_id, 1000, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, user_name, false
             from {Events} where seq_id = $2
             """, gap, deposit);
        try
        {
            var report = await Verify($"?from={gap}&to={deposit}");
            report.Verified.ShouldBeFalse();
            report.Mismatch!.Sequence.ShouldBe(gap);
            report.Mismatch.Kind.ShouldBe(MismatchKinds.Unchained);
            report.Mismatch.ExpectedHash.ShouldBeNull();
        }
        finally
        {
            await connection.ExecuteAsync($"delete from {Events} where seq_id = $1", gap);
        }
        (await Verify($"?from={gap}&to={deposit}")).Verified.ShouldBeTrue();
    }

    [Fact]
    public async Task verify_is_for_ledger_readers_and_refuses_bad_ranges()
    {
        (await Host.GetAsync<VerificationReport>(Keys.Admin, "/api/audit/verify?from=1&to=2")).From.ShouldBe(1);
        await Host.GetAsync<object>(Keys.Platform, "/api/audit/verify", 403);
        await Host.GetAsync<object>(Keys.Kiosk, "/api/audit/verify", 403);

        var backwards = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url("/api/audit/verify?from=10&to=2");
            s.StatusCodeShouldBe(400);
        });
        (await backwards.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();
        await Host.GetAsync<object>(Keys.Auditor, "/api/audit/verify?from=first", 400);
    }
}
