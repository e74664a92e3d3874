namespace TimeBank.Hosting;

/// <summary>Where things are stored, for the few queries written in SQL: names come from Marten's own mapping.</summary>
public static class Storage
{
    public const string Schema = "timebank";

    public static string TableOf<T>(this IDocumentStore store) => store.TableOf(typeof(T));

    public static string TableOf(this IDocumentStore store, Type document) =>
        store.Options.FindOrResolveDocumentType(document).TableName.QualifiedName;
}
