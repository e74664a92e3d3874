using TimeBank.Ledger.Redeeming;
using TimeBank.Ledger.Transferring;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.Hosting;

/// <summary>
/// Error lines that repeat an exception the caller of the work handles: Marten's for a failed statement (it also prints the
/// statement's parameter values, which may be personal data) and Wolverine's for a failed invocation of the writes that race
/// on account streams from several nodes (deposit and transfer batches, holds). A lost race is re-run; a race lost at every
/// retry is a 409, logged as a warning; any other failure reaches the request's problem handler, which logs it once with its
/// correlation id (a failed batch is first retried request by request, with a warning). The scheduled hold expiry has no
/// caller: a race it loses is re-run too, and once it fails for good Wolverine logs its move to the dead-letter queue, with
/// the exception, as an error of its runtime's category (<see cref="DeadLetters"/>).
/// With several nodes writing to the same accounts, those lines were thousands a minute, nearly all of them retried races.
/// They are left out unless the category's level is configured.
/// </summary>
public static class RepeatedErrorLines
{
    public const string MartenStatements = "Marten.IDocumentStore";

    public const string DeadLetters = "Wolverine.Runtime.WolverineRuntime";

    public static readonly string[] Categories = [MartenStatements, typeof(RecordServices).FullName!, typeof(MakeTransfers).FullName!,
        typeof(RequestRedemption).FullName!, typeof(ExpireRedemption).FullName!];

    public static ILoggingBuilder LeaveOutRepeatedErrors(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var floor = Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var level) ? level : LogLevel.Information;
        foreach (var category in Categories.Where(c => configuration[$"Logging:LogLevel:{c}"] is null))
            logging.AddFilter(category, l => l >= floor && l != LogLevel.Error);
        return logging;
    }
}
