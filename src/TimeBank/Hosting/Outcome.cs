using Microsoft.AspNetCore.Mvc;

namespace TimeBank.Hosting;

/// <summary>What a command handler decided: a result with its status, or a problem (nothing written).</summary>
public sealed record Outcome<T>(int Status, T? Value, ProblemDetails? Problem) where T : class
{
    public static Outcome<T> Created(T value) => new(StatusCodes.Status201Created, value, null);
    public static Outcome<T> Ok(T value) => new(StatusCodes.Status200OK, value, null);

    public static implicit operator Outcome<T>(ProblemDetails problem) =>
        new(problem.Status ?? StatusCodes.Status400BadRequest, null, problem);

    public IResult ToResult(Func<T, string>? location = null) => Problem is not null
        ? Results.Problem(Problem)
        : Status == StatusCodes.Status201Created && location is not null
            ? Results.Created(location(Value!), Value)
            : Results.Json(Value, statusCode: Status);
}
