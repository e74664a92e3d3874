namespace TimeBank.Hosting;

/// <summary>
/// What a write did: made something new, acted on or found something that exists (a settle, a retry), or refused.
/// Every command handler answers with one; <see cref="ToResult{T}"/> is the one place it becomes HTTP.
/// </summary>
public sealed record Outcome(object? Value, bool Created, Refusal? Refusal)
{
    public static Outcome New(object value) => new(value, true, null);

    public static Outcome Existing(object value) => new(value, false, null);

    public static implicit operator Outcome(Refusal refusal) => new(null, false, refusal);

    /// <summary>The same outcome with its value shown another way (a view of what was written).</summary>
    public Outcome Map<T>(Func<T, object> view) => Refusal is null ? this with { Value = view((T)Value!) } : this;

    public T As<T>() => Refusal is null ? (T)Value! : throw new InvalidOperationException($"Refused: {Refusal}");

    /// <summary>201 (with Location when <paramref name="location"/> is given) for something new, 200 for what was already there, a problem for a refusal.</summary>
    public IResult ToResult<T>(Func<T, string>? location = null) => this switch
    {
        { Refusal: { } refusal } => Problems.For(refusal).ToResult(),
        { Created: true, Value: T value } when location is not null => Results.Created(location(value), Value),
        { Created: true } => Results.Json(Value, statusCode: StatusCodes.Status201Created),
        _ => Results.Json(Value)
    };
}
