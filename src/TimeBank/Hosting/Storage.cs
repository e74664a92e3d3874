namespace TimeBank.Hosting;

/// <summary>Where things are stored, for the few queries written in SQL: names come from Marten's own mapping.</summary>
public static class Storage
{
    public const string Schema = "timebank";

    public static string TableOf<T>(this IDocumentStore store) =>
        store.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
}
