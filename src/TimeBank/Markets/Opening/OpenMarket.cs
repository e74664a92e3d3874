using System.ComponentModel.DataAnnotations;
using TimeBank.People;

namespace TimeBank.Markets.Opening;

/// <summary>A love market (爱心超市) and the community it serves.</summary>
public sealed record OpenMarketRequest([property: Required] string? Name, [property: Required] string? District, [property: Required] string? Street, [property: Required] string? Community);

public sealed record OpenMarket(Guid MarketId, string Name, string District, string Street, string Community);

public static class OpenMarketEndpoint
{
    public static ProblemDetails Validate(OpenMarketRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100) errors["name"] = ["A name of 1 to 100 characters is required."];
        PersonFields.AddressParts(errors, request.District, request.Street, request.Community);
        return Problems.Validate(errors);
    }

    /// <summary>Opens a love market (admin). Kiosk keys are then issued for it with POST /api/api-keys {role: kiosk, marketId}.</summary>
    [WolverinePost("/api/markets", OperationId = "OpenMarket")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<MarketView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(OpenMarketRequest request, IMessageBus bus, HttpContext context)
    {
        var command = new OpenMarket(Guid.CreateVersion7(), request.Name!.Trim(), request.District!.Trim(), request.Street!.Trim(),
            request.Community!.Trim());
        var outcome = await bus.InvokeForRequestAsync(command, context);
        return outcome.ToResult<MarketView>(m => $"/api/markets/{m.Id}");
    }
}

public static class GetMarketEndpoint
{
    /// <summary>One love market. A kiosk key reads only its own market.</summary>
    [WolverineGet("/api/markets/{id}", OperationId = "GetMarket")]
    [Authorize(Roles = Roles.Anyone)]
    [ProducesResponseType<MarketView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();
        var market = await session.LoadAsync<Market>(id, context.RequestAborted);
        return market is null ? Problems.NotFound("Market", id).ToResult() : Results.Ok(MarketView.Of(market));
    }
}

public static class OpenMarketHandler
{
    public static Outcome Handle(OpenMarket command, IDocumentSession session, IClock clock)
    {
        var opened = Decide(command, clock.GetCurrentInstant());
        session.Events.StartStream<Market>(opened.MarketId, opened);
        return Outcome.New(MarketView.Of(new Market().Apply(opened)));
    }

    public static MarketOpened Decide(OpenMarket command, Instant now) =>
        new(command.MarketId, command.Name, command.District, command.Street, command.Community, now);
}
