using Marten;
using Marten.Services;
using Npgsql;
using TimeBank.Hosting;
using Wolverine;

namespace TimeBank.Tests;

/// <summary>
/// A race made to happen: a handler runs on <see cref="Session"/>, whose logger starts another writer right after the
/// first read that <c>after</c> matches (the SQL of one command, or of a batch's commands) and gives it a few seconds to
/// finish before the handler goes on. A writer the handler's own transaction holds back finishes once it commits.
/// </summary>
public sealed class Race
{
    private readonly Func<IReadOnlyList<string>, bool> _after;
    private readonly Func<Task> _otherWriter;
    private Task _other = Task.CompletedTask;
    private bool _raced;

    public Race(IDocumentStore store, Func<IReadOnlyList<string>, bool> after, Func<Task> otherWriter)
    {
        (_after, _otherWriter) = (after, otherWriter);
        Session = store.LightweightSession();
        Session.Logger = new SessionLogger(command => Read([command.CommandText]),
            batch => Read(batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText).ToList()));
    }

    /// <summary>A race after the first read of <paramref name="table"/>.</summary>
    public static Race AfterReading(IDocumentStore store, string table, Func<Task> otherWriter) =>
        new(store, sql => sql.Any(s => s.Contains(table)), otherWriter);

    public IDocumentSession Session { get; }

    /// <summary>The other writer's task, once it was started.</summary>
    public Task OtherWriter => _other;

    /// <summary>The envelope a request of <paramref name="role"/> arrives in, stamped on the session as the middleware does.</summary>
    public Envelope As(string role)
    {
        var envelope = new Envelope { Headers = { [Audit.ActorKeyIdHeader] = $"racing-{role}", [Audit.ActorRoleHeader] = role } };
        Audit.Stamp(Session, envelope);
        return envelope;
    }

    private void Read(IReadOnlyList<string> sql)
    {
        if (_raced || !_after(sql)) return;
        _raced = true;
        _other = Task.Run(_otherWriter);
        Task.WhenAny(_other, Task.Delay(TimeSpan.FromSeconds(3))).GetAwaiter().GetResult();
    }

    public sealed class SessionLogger(Action<NpgsqlCommand>? onCommand = null, Action<NpgsqlBatch>? onBatch = null) : IMartenSessionLogger
    {
        public void LogSuccess(NpgsqlCommand command) => onCommand?.Invoke(command);
        public void LogSuccess(NpgsqlBatch batch) => onBatch?.Invoke(batch);
        public void LogFailure(NpgsqlCommand command, Exception ex) { }
        public void LogFailure(NpgsqlBatch batch, Exception ex) { }
        public void LogFailure(Exception ex, string message) { }
        public void RecordSavedChanges(IDocumentSession session, IChangeSet commit) { }
        public void OnBeforeExecute(NpgsqlCommand command) { }
        public void OnBeforeExecute(NpgsqlBatch batch) { }
    }
}
