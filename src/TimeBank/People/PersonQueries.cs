using System.Linq.Expressions;

namespace TimeBank.People;

/// <summary>
/// Conditions on a person's members, built on the document type itself: Marten translates the members of the
/// document, not those of the <see cref="IPerson"/> interface a generic query would name.
/// </summary>
public static class PersonQueries
{
    public static Expression<Func<T, bool>> Is<T>(string member, object value) where T : IPerson =>
        Lambda<T, bool>(person => Expression.Equal(Expression.Property(person, member), Expression.Constant(value)));

    public static Expression<Func<T, bool>> StartsWith<T>(string member, string prefix) where T : IPerson =>
        Lambda<T, bool>(person => Expression.Call(Expression.Property(person, member),
            typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!, Expression.Constant(prefix)));

    /// <summary>Registered by <paramref name="keyId"/>, or one of <paramref name="granted"/> (the people who granted that key access).</summary>
    public static Expression<Func<T, bool>> ActedForBy<T>(string keyId, Guid[] granted) where T : IPerson =>
        Lambda<T, bool>(person => Expression.OrElse(
            Expression.Equal(Expression.Property(person, nameof(IPerson.RegisteredBy)), Expression.Constant(keyId)),
            Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(Guid)], Expression.Constant(granted),
                Expression.Property(person, nameof(IPerson.Id)))));

    public static Expression<Func<T, TMember>> Member<T, TMember>(string member) where T : IPerson =>
        Lambda<T, TMember>(person => Expression.Property(person, member));

    private static Expression<Func<T, TResult>> Lambda<T, TResult>(Func<ParameterExpression, Expression> body)
    {
        var person = Expression.Parameter(typeof(T), "p");
        return Expression.Lambda<Func<T, TResult>>(body(person), person);
    }
}
