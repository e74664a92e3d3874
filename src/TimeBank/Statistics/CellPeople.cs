using Weasel.Postgresql.Tables;

namespace TimeBank.Statistics;

/// <summary>
/// The distinct people of each <see cref="MonthlyCell"/> (its active volunteers and elders served), one row each, beside
/// the cell rather than inside it: a cell document is rewritten with every page of the ledger it touches, and with a
/// community's people in it that grew with the community (80 KB at 3,000 volunteers). A person is written once a month per
/// cell; a page only asks the primary key about people the month has already met.
/// </summary>
public static class CellPeople
{
    public const string Table = $"{Hosting.Storage.Schema}.statistics_cell_people";
    private const string Volunteer = "volunteer";
    private const string Elder = "elder";

    public static void AddTable(StoreOptions opts)
    {
        var table = new Table(Table);
        table.AddColumn<string>("cell_id").AsPrimaryKey();
        table.AddColumn<string>("role").AsPrimaryKey();
        table.AddColumn<Guid>("person_id").AsPrimaryKey();
        table.AddColumn<string>("age_band").NotNull();
        opts.Storage.ExtendedSchemaObjects.Add(table);
    }

    /// <summary>
    /// Moves the people the fold put in <paramref name="cells"/> into the table, in the page's transaction, and empties the
    /// documents' sets (cells folded before this table existed hand theirs over the first time a page touches them). The
    /// first age band a month records for a volunteer stays.
    /// </summary>
    public static void MoveToTable(IDocumentOperations operations, IEnumerable<MonthlyCell> cells)
    {
        var (cellIds, roles, people, bands) = (new List<string>(), new List<string>(), new List<Guid>(), new List<string>());
        void Add(MonthlyCell cell, string role, Guid person, string band)
        {
            cellIds.Add(cell.Id);
            roles.Add(role);
            people.Add(person);
            bands.Add(band);
        }
        foreach (var cell in cells)
        {
            foreach (var (volunteer, band) in cell.ActiveVolunteers) Add(cell, Volunteer, volunteer, band);
            foreach (var elder in cell.EldersServed) Add(cell, Elder, elder, "");
            cell.ActiveVolunteers.Clear();
            cell.EldersServed.Clear();
        }
        if (cellIds.Count == 0) return;
        operations.QueueSqlCommand(
            $"insert into {Table} (cell_id, role, person_id, age_band) select * from unnest(?::text[], ?::text[], ?::uuid[], ?::text[]) on conflict do nothing",
            cellIds.ToArray(), roles.ToArray(), people.ToArray(), bands.ToArray());
    }

    /// <summary>Puts each cell's people from the table into its sets, beside any it still holds itself, for <see cref="Figures.Of"/>.</summary>
    public static async Task<IReadOnlyList<MonthlyCell>> FillAsync(IQuerySession session, IReadOnlyList<MonthlyCell> cells, CancellationToken cancellation)
    {
        if (cells.Count == 0) return cells;
        var byId = cells.ToDictionary(c => c.Id);
        var rows = await session.AdvancedSql.QueryAsync<Row>(
            $"select jsonb_build_object('cellId', cell_id, 'role', role, 'personId', person_id, 'ageBand', age_band) from {Table} where cell_id = any(?)",
            cancellation, (object)byId.Keys.ToArray());
        foreach (var row in rows)
        {
            var cell = byId[row.CellId];
            if (row.Role == Volunteer) cell.ActiveVolunteers.TryAdd(row.PersonId, row.AgeBand);
            else cell.EldersServed.Add(row.PersonId);
        }
        return cells;
    }

    private sealed record Row(string CellId, string Role, Guid PersonId, string AgeBand);
}
