namespace Dashboard.Core.Dags;

/// <summary>
/// What one DAG file may hold. Each limit keeps a hostile or mistaken file from taking memory, time
/// or pages away from every other DAG; a file over one gets an import error that names the setting
/// (in the <c>Dags</c> section) that raises it. The defaults leave room for a 10,000-task DAG.
/// </summary>
public sealed record DagFileLimits
{
    public static readonly DagFileLimits Default = new();

    /// <summary>Bytes in the file; a larger file is not read at all.</summary>
    public int MaxFileBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// YAML nodes (mappings, lists, values and keys), counting an alias as every node it repeats: an
    /// alias bomb is cut off here while it is read, before it takes any memory.
    /// </summary>
    public int MaxYamlNodes { get; init; } = 500_000;

    /// <summary>Aliases (<c>*name</c>) in the file.</summary>
    public int MaxYamlAliases { get; init; } = 10_000;

    /// <summary>How deeply mappings and lists nest, counting the file's own mapping as 1 and an alias as what it repeats.</summary>
    public int MaxYamlDepth { get; init; } = 32;

    public int MaxTasks { get; init; } = 10_000;

    /// <summary>Characters in <c>description</c>: the DAG list shows it on every row.</summary>
    public int MaxDescriptionLength { get; init; } = 4_000;

    /// <summary>Bytes of <c>params</c> as JSON: every manual run's conf starts from them.</summary>
    public int MaxParamsBytes { get; init; } = 64 * 1024;

    /// <summary>Characters in one task's <c>command</c>; Linux refuses a single argument over 128 KiB anyway.</summary>
    public int MaxCommandLength { get; init; } = 64 * 1024;

    /// <summary>Characters in one environment variable's name or value.</summary>
    public int MaxEnvValueLength { get; init; } = 32 * 1024;

    /// <summary>Tags on one DAG.</summary>
    public int MaxTags { get; init; } = 50;

    /// <summary>Characters in one tag.</summary>
    public int MaxTagLength { get; init; } = 100;
}
