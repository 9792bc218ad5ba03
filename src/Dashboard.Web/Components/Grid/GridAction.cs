namespace Dashboard.Web.Components.Grid;

/// <summary>What a person can do to selected cells or a run from the grid: the shift+C, shift+S and shift+F actions.</summary>
public enum GridAction
{
    Clear,
    MarkSuccess,
    MarkFailed,
}
