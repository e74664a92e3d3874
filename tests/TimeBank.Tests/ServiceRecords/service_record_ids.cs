using System.Text.Json;
using NodaTime;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.Tests.ServiceRecords;

public sealed class service_record_ids
{
    [Fact]
    public void a_platform_record_id_always_maps_to_the_same_version_8_id()
    {
        var id = ServiceRecord.IdFor("key-1", "visit-42");

        ServiceRecord.IdFor("key-1", "visit-42").ShouldBe(id);
        id.Version.ShouldBe(8);
        // Stored records are found by this id: the name-to-id mapping must never change.
        id.ShouldBe(Guid.Parse("3de94662-c981-8215-8996-2e65fbc3220c"));
        (id.ToByteArray(bigEndian: true)[8] & 0xC0).ShouldBe(0x80);
    }

    [Theory]
    [InlineData("key-2", "visit-42")]
    [InlineData("key-1", "visit-43")]
    public void another_platform_or_record_id_maps_to_another_id(string platformKeyId, string platformRecordId) =>
        ServiceRecord.IdFor(platformKeyId, platformRecordId).ShouldNotBe(ServiceRecord.IdFor("key-1", "visit-42"));

    [Fact]
    public void the_fingerprint_covers_what_the_platform_sent_and_nothing_derived()
    {
        var sent = new RecordService("key-1", "visit-42", Guid.NewGuid(), Guid.NewGuid(), "home-visit",
            new LocalDateTime(2026, 11, 20, 9, 0), new LocalDateTime(2026, 11, 20, 10, 0), "Asia/Shanghai", null);

        Idempotency.Fingerprint(sent).ShouldBe(Idempotency.Fingerprint(sent with { }));
        Idempotency.Fingerprint(sent with { Note = "again" }).ShouldNotBe(Idempotency.Fingerprint(sent));
        JsonSerializer.SerializeToElement(sent).EnumerateObject().Select(p => p.Name).ShouldBe([
            "PlatformKeyId", "PlatformRecordId", "VolunteerId", "ElderId", "ServiceType", "StartedAt", "EndedAt", "TimeZone", "Note"]);
    }
}
