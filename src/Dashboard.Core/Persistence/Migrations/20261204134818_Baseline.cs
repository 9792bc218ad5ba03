using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// Changes nothing: the migrations before it were written by hand as SQL, without a model snapshot,
/// and this one carries the snapshot of the model they build (its Designer file and
/// <see cref="DashboardDbContextModelSnapshot"/>), so that <c>dotnet ef migrations add</c> writes
/// only what changed since. MigrationDriftTests checks that the SQL and the model still agree.
/// </summary>
public partial class Baseline : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
    }
}
