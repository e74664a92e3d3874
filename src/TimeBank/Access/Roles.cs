namespace TimeBank.Access;

public static class Roles
{
    public const string Admin = "admin";
    public const string Platform = "platform";
    public const string Kiosk = "kiosk";
    public const string Auditor = "auditor";

    /// <summary>Decides complaints (and, later, integrity flags); moves minutes only through those decisions.</summary>
    public const string Reviewer = "reviewer";

    /// <summary>Community and street staff: the care files, visits, actions and alerts of the districts its key is scoped to.</summary>
    public const string CareWorker = "care-worker";

    /// <summary>Programme coordinators: read the statistics of the districts its key is scoped to; write nothing.</summary>
    public const string Coordinator = "coordinator";

    /// <summary>A school (综合素质评价, 实践学分): reads its own organisation's practice records; the key names the organisation.</summary>
    public const string School = "school";

    public static readonly string[] All = [Admin, Platform, Kiosk, Auditor, Reviewer, CareWorker, Coordinator, School];

    /// <summary>Roles whose keys are scoped to districts (a key of theirs names at least one).</summary>
    public static readonly string[] DistrictScoped = [CareWorker, Coordinator];

    /// <summary>Role lists for [Authorize(Roles = ...)]: who may call what.</summary>
    public const string Writers = Admin + "," + Platform;
    public const string PeopleReaders = Admin + "," + Platform + "," + Auditor;
    /// <summary>A kiosk reads a member's points and minutes through the member look-up of its market, never a statement.</summary>
    public const string AccountReaders = Admin + "," + Platform + "," + Auditor;
    public const string LedgerReaders = Admin + "," + Auditor;
    public const string Anyone = Admin + "," + Platform + "," + Kiosk + "," + Auditor;

    /// <summary>Love-market counters: a kiosk key acts only on the market it is scoped to.</summary>
    public const string MarketStaff = Admin + "," + Kiosk;
    public const string MarketReaders = Admin + "," + Kiosk + "," + Auditor;

    /// <summary>Complaints: filed by platforms (and admins), decided by reviewers (and admins), read by auditors too.</summary>
    public const string ComplaintDeciders = Admin + "," + Reviewer;
    public const string ComplaintReaders = Admin + "," + Reviewer + "," + Auditor + "," + Platform;

    /// <summary>Care visits (探访关爱): platforms and care workers record, auditors read; kiosks nothing.</summary>
    public const string CareWriters = Admin + "," + Platform + "," + CareWorker;
    public const string CareReaders = Admin + "," + Platform + "," + CareWorker + "," + Auditor;

    /// <summary>Monthly visit coverage and the overdue list: the care readers, and coordinators in their districts.</summary>
    public const string CoverageReaders = CareReaders + "," + Coordinator;

    /// <summary>The month's unmet needs: people readers, and coordinators in their districts.</summary>
    public const string ShortageReaders = PeopleReaders + "," + Coordinator;

    /// <summary>The programme's figures: admins and auditors everywhere, coordinators in their districts.</summary>
    public const string StatisticsReaders = Admin + "," + Auditor + "," + Coordinator;
}

/// <summary>A field or parameter that names a role: the contract lists them.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class RoleNameAttribute() : Hosting.OneOfAttribute([.. Roles.All]);
