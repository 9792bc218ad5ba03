using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Dashboard.Core.Persistence;

public static class SnakeCaseNamingConvention
{
    /// <summary>
    /// Names every table, column and key in snake_case unless a configuration named it already,
    /// so hand-written SQL and the migrations read like ordinary PostgreSQL.
    /// </summary>
    public static void UseSnakeCaseNames(this ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && entity.FindAnnotation(RelationalAnnotationNames.TableName) is null)
            {
                entity.SetTableName(SnakeCase.From(table));
            }

            foreach (var property in entity.GetProperties())
            {
                if (property.FindAnnotation(RelationalAnnotationNames.ColumnName) is null)
                {
                    property.SetColumnName(SnakeCase.From(property.Name));
                }
            }

            entity.FindPrimaryKey()?.SetName($"pk_{entity.GetTableName()}");

            foreach (var index in entity.GetIndexes())
            {
                if (index.FindAnnotation(RelationalAnnotationNames.Name) is null)
                {
                    index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join("_", index.Properties.Select(p => p.GetColumnName()))}");
                }
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                if (foreignKey.FindAnnotation(RelationalAnnotationNames.Name) is null)
                {
                    var columns = string.Join("_", foreignKey.Properties.Select(p => p.GetColumnName()));
                    foreignKey.SetConstraintName($"fk_{entity.GetTableName()}_{columns}");
                }
            }
        }
    }
}
