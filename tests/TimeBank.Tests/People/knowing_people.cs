using NodaTime;
using Shouldly;
using TimeBank.People;
using TimeBank.Tests.Care;

namespace TimeBank.Tests.People;

/// <summary>The folds read a person's facts once: people documents are written once, at registration.</summary>
public sealed class knowing_people(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task a_person_read_once_is_known_without_reading_again_and_unknown_ids_are_left_out()
    {
        var district = CareRequests.NewDistrict();
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1963, 2, 1), community: "昆明路社区", programme: "youth");
        var elder = await Host.RegisterElderAsync(Keys.Platform, district, community: "新津社区");
        var nobody = Guid.NewGuid();
        var known = new KnownPeople();

        await using (var session = Store.QuerySession())
        {
            var read = await known.ReadAsync(session, [volunteer, elder, nobody, volunteer], CancellationToken.None);
            read.Keys.ShouldBe([volunteer, elder], ignoreOrder: true);
            read[volunteer].ShouldBe(PersonFacts.Of(await session.LoadAsync<Volunteer>(volunteer)));
            (read[volunteer].IsVolunteer, read[volunteer].District, read[volunteer].Community, read[volunteer].Programme, read[volunteer].BirthDate)
                .ShouldBe((true, district, "昆明路社区", Programme.Youth, new LocalDate(1963, 2, 1)));
            read[volunteer].RegisteredBy.ShouldNotBeNullOrEmpty();
            read[elder].ShouldBe(PersonFacts.Of(await session.LoadAsync<Elder>(elder)));
            (read[elder].IsVolunteer, read[elder].District, read[elder].Community).ShouldBe((false, district, "新津社区"));
        }
        known.Count.ShouldBe(2);

        // No session: answered from what was read.
        var again = await known.ReadAsync(null!, [elder, volunteer], CancellationToken.None);
        again[volunteer].ShouldBe((await known.ReadAsync(null!, [volunteer], CancellationToken.None))[volunteer]);
        again.Count.ShouldBe(2);
    }

    [Fact]
    public async Task past_its_capacity_it_forgets_everyone_and_reads_again()
    {
        var district = CareRequests.NewDistrict();
        var first = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1963, 2, 1));
        var second = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1970, 5, 6));
        var known = new KnownPeople(capacity: 1);
        await using var session = Store.QuerySession();

        await known.ReadAsync(session, [first], CancellationToken.None);
        known.Count.ShouldBe(1);
        (await known.ReadAsync(session, [second], CancellationToken.None)).Keys.ShouldBe([second]);
        known.Count.ShouldBe(1);
        (await known.ReadAsync(session, [first], CancellationToken.None)).Keys.ShouldBe([first]);
    }
}
