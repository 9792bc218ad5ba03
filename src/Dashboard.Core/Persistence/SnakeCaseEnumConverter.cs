using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Dashboard.Core.Persistence;

/// <summary>Stores an enum as its snake_case name, so the database reads like Airflow's.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => value.ToSnakeCase(),
    name => SnakeCase.ParseSnakeCase<TEnum>(name))
    where TEnum : struct, Enum;
