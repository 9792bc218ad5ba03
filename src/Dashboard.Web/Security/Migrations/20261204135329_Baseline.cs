using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Web.Security.Migrations;

/// <summary>
/// Changes nothing: the migration before it was written by hand as SQL, without a model snapshot,
/// and this one carries the snapshot of the model it builds (its Designer file and
/// <see cref="SecurityDbContextModelSnapshot"/>), so that <c>dotnet ef migrations add</c> writes
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
