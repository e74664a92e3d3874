using System.Text.Json;
using Shouldly;

namespace TimeBank.Tests.People;

public sealed class describing_people_api(AppFixture fixture) : ApiTest(fixture)
{
    [Theory]
    [InlineData("/api/volunteers", "post", "RegisterVolunteer", new[] { "201", "400", "409" })]
    [InlineData("/api/elders", "post", "RegisterElder", new[] { "201", "400", "409" })]
    [InlineData("/api/volunteers/{id}", "get", "GetVolunteer", new[] { "200", "404" })]
    [InlineData("/api/elders/{id}", "get", "GetElder", new[] { "200", "404" })]
    public async Task swagger_describes_each_people_operation(string path, string method, string operationId, string[] statuses)
    {
        var result = await Host.Scenario(s => s.Get.Url("/swagger/v1/swagger.json"));
        using var document = JsonDocument.Parse(await result.ReadAsTextAsync());

        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method);
        operation.GetProperty("operationId").GetString().ShouldBe(operationId);
        operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldContain("People");
        var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        foreach (var status in statuses) responses.ShouldContain(status);
    }
}
