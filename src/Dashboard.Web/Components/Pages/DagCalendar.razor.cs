using System.Globalization;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Calendar;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Dialogs;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The Calendar tab: a year of days (or, for schedules that run several times a day, a month of
/// hours) coloured by their runs, with the dates the schedule expected and that have no run.
/// A click opens the day's run (or its list); dragging across days, or a click then a shift-click,
/// opens the Backfill form for that range. Live through a <see cref="LiveView"/>.
/// </summary>
public sealed partial class DagCalendar
{
    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames[..12];

    private DagHeader? _dag;
    private RunCalendar? _calendar;
    private bool _loaded;
    private CalendarCell? _day;
    private IReadOnlyList<CalendarRun> _dayRuns = [];
    private LiveView _live = null!;

    /// <summary>The day a shift-click extends a range from: the last one clicked.</summary>
    private string? _anchor;

    /// <summary>The range whose Backfill form is open, drawn as selected meanwhile.</summary>
    private (DateTimeOffset From, DateTimeOffset To)? _selection;

    private string? _note;
    private ElementReference _root;
    private bool _attaching;
    private IJSObjectReference? _module;
    private IJSObjectReference? _listeners;
    private DotNetObjectReference<DagCalendar>? _self;

    [Parameter]
    public string DagId { get; set; } = "";

    [SupplyParameterFromQuery(Name = "year")]
    public string? Year { get; set; }

    /// <summary>For an hourly calendar: the month shown, as 2026-11.</summary>
    [SupplyParameterFromQuery(Name = "month")]
    public string? Month { get; set; }

    /// <summary>The day (2026-11-03) or hour (2026-11-03T14) whose runs the side panel lists.</summary>
    [SupplyParameterFromQuery(Name = "day")]
    public string? Day { get; set; }

    /// <summary>The run whose panel is open.</summary>
    [SupplyParameterFromQuery(Name = "run")]
    public string? Run { get; set; }

    private bool HasPanel => Run is not null || _day is not null;

    private string PeriodNoun => _calendar?.Scale == CalendarScale.Hours ? "month" : "year";

    private string PeriodTitle => _calendar is { Month: { } month } c
        ? new DateOnly(c.Year, month, 1).ToString("MMMM yyyy", CultureInfo.InvariantCulture)
        : _calendar?.Year.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>Why the range selection cannot open the Backfill form here, or null when it can.</summary>
    private string? WhyNotBackfill =>
        Operator.WhyNot(Permission.Backfill, _dag?.EditAccess)
        ?? (_dag is { IsActive: false } ? "The DAG's file is gone: it cannot be backfilled."
            : _calendar is { Scheduled: false } ? "A DAG without a schedule has no intervals to backfill."
            : null);

    private string Hint
    {
        get
        {
            var (one, many) = _calendar?.Scale == CalendarScale.Hours ? ("an hour", "hours") : ("a day", "days");
            return WhyNotBackfill is { } why
                ? $"Click {one} to see its runs. {why}"
                : $"Click {one} to see its runs. Drag across {many}, or click one and shift-click another, to backfill that range.";
        }
    }

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId);
        }

        await _live.ReloadAsync();
    }

    private async Task LoadAsync()
    {
        var (year, month) = Period();
        var dag = await Dags.HeaderAsync(DagId);
        var calendar = dag is null ? null : await Calendar.LoadAsync(DagId, year, month);
        var day = calendar?.Cells.FirstOrDefault(c => c.Key == Day);
        _dayRuns = day is null ? [] : await Calendar.RunsAsync(DagId, day.Start, day.End);
        (_dag, _calendar, _day, _loaded) = (dag, calendar, day, true);
    }

    /// <summary>
    /// The year and month in the URL; this year (in the DAG's zone, near enough) when absent,
    /// unreadable or outside the years a schedule can have (a year 1 or 9999 calendar would run its
    /// intervals off the calendar's ends).
    /// </summary>
    private (int Year, int? Month) Period()
    {
        if (DateOnly.TryParseExact(Month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && Shown(month.Year))
        {
            return (month.Year, month.Month);
        }

        return (int.TryParse(Year, CultureInfo.InvariantCulture, out var year) && Shown(year) ? year : Time.GetUtcNow().Year, null);
    }

    private static bool Shown(int year) => year is >= FirstYear and <= LastYear;

    private const int FirstYear = 1900;
    private const int LastYear = 2999;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_attaching && _calendar is not null && RendererInfo.IsInteractive)
        {
            _attaching = true;
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/calendar.js");
            _self = DotNetObjectReference.Create(this);
            _listeners = await _module.InvokeAsync<IJSObjectReference>("attach", _root, _self);
            // Flips data-ready, which tells automation that drags now reach the calendar.
            StateHasChanged();
        }
    }

    private async Task ClickAsync(MouseEventArgs e, CalendarCell cell)
    {
        if (e.ShiftKey && _anchor is { } anchor)
        {
            await SelectRange(anchor, cell.Key);
            return;
        }

        _anchor = cell.Key;
        var runs = await Calendar.RunsAsync(DagId, cell.Start, cell.End);
        Show(cell.Key, runs.Count == 1 ? runs[0].RunId : null);
    }

    /// <summary>Opens the Backfill form for the days (or hours) from one cell to another, in either order.</summary>
    [JSInvokable]
    public async Task SelectRange(string fromKey, string toKey)
    {
        _note = null;
        var cells = _calendar?.Cells.Where(c => c.Key == fromKey || c.Key == toKey).OrderBy(c => c.Start).ToList() ?? [];
        if (_dag is null || cells.Count == 0)
        {
            return;
        }

        if (WhyNotBackfill is { } why)
        {
            _note = why;
            StateHasChanged();
            return;
        }

        var (first, last) = (cells[0], cells[^1]);
        var now = Time.GetUtcNow();
        // Logical dates are inclusive at both ends; intervals that have not ended yet are never backfilled.
        var to = Min(last.End.AddTicks(-1), now);
        if (to < first.Start)
        {
            _note = "These dates are still to come: there is nothing to backfill yet.";
            StateHasChanged();
            return;
        }

        _anchor = last.Key;
        _selection = (first.Start, last.End);
        StateHasChanged();
        try
        {
            await BackfillDialog.ShowAsync(Dialogs, _dag, new BackfillRange(first.Start, to, Describe(first, last)));
        }
        finally
        {
            // The new runs arrive through the live view: the chosen dates turn queued as the backfill creates them.
            _selection = null;
            StateHasChanged();
        }
    }

    private string Describe(CalendarCell first, CalendarCell last)
    {
        var zone = _calendar?.Timezone ?? "UTC";
        var what = first.Hour is null ? "days" : "hours";
        return first.Key == last.Key
            ? $"The {what[..^1]} {CellTitle(first)} in {zone}, as chosen on the calendar."
            : $"The {what} {CellTitle(first)} to {CellTitle(last)} in {zone}, as chosen on the calendar.";
    }

    private void Show(string? day, string? run) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["day"] = day, ["run"] = run }));

    /// <summary>Back from a run to its day's list when the day holds several; otherwise the panel closes.</summary>
    private void ClosePanel() => Show(Run is not null && _dayRuns.Count > 1 ? Day : null, null);

    private string RunLink(CalendarCell day, string runId) =>
        Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["day"] = day.Key, ["run"] = runId });

    private string PeriodLink(int step)
    {
        var parameters = new Dictionary<string, object?> { ["day"] = null, ["run"] = null };
        if (_calendar is { Month: { } month } c)
        {
            var shown = new DateOnly(c.Year, month, 1).AddMonths(step);
            (parameters["month"], parameters["year"]) = (shown.ToString("yyyy-MM", CultureInfo.InvariantCulture), null);
        }
        else
        {
            (parameters["year"], parameters["month"]) = (((_calendar?.Year ?? Time.GetUtcNow().Year) + step).ToString(CultureInfo.InvariantCulture), null);
        }

        return Navigation.GetUriWithQueryParameters(parameters);
    }

    private string CellClass(CalendarCell cell)
    {
        var classes = $"cal-cell outcome-{cell.Outcome.ToString().ToLowerInvariant()}";
        if (cell.Start > Time.GetUtcNow())
        {
            classes += " future";
        }

        if ((_selection is { } range && cell.Start >= range.From && cell.Start < range.To) || cell.Key == _day?.Key)
        {
            classes += " selected";
        }

        return classes;
    }

    private static string CellTitle(CalendarCell cell) =>
        cell.Hour is { } hour ? $"{cell.Day:yyyy-MM-dd} {hour:00}:00" : cell.Day.ToString("yyyy-MM-dd (ddd)", CultureInfo.InvariantCulture);

    /// <summary>"2026-03-02 (Mon): 2 runs (1 failed, 1 success), 1 missing".</summary>
    private static string Tooltip(CalendarCell cell)
    {
        var parts = new List<string>();
        if (cell.Runs > 0)
        {
            var states = new[] { ("failed", cell.Failed), ("running", cell.Running), ("queued", cell.Queued), ("success", cell.Success) }
                .Where(s => s.Item2 > 0).Select(s => $"{s.Item2} {s.Item1}");
            parts.Add($"{States.Count(cell.Runs, "run")} ({string.Join(", ", states)})");
        }

        if (cell.Missing > 0)
        {
            parts.Add($"{cell.Missing} missing");
        }

        return $"{CellTitle(cell)}: {(parts.Count == 0 ? "no run" : string.Join(", ", parts))}";
    }

    /// <summary>Monday is the first row, as in ISO weeks.</summary>
    private static int Weekday(DateOnly day) => ((int)day.DayOfWeek + 6) % 7;

    /// <summary>The column of the week <paramref name="day"/> falls in, counted from the week of 1 January.</summary>
    private static int WeekOf(RunCalendar calendar, DateOnly day) =>
        (Weekday(new DateOnly(calendar.Year, 1, 1)) + day.DayNumber - new DateOnly(calendar.Year, 1, 1).DayNumber) / 7;

    private static int Weeks(RunCalendar calendar) => WeekOf(calendar, new DateOnly(calendar.Year, 12, 31)) + 1;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public async ValueTask DisposeAsync()
    {
        _live.Dispose();
        await BrowserModule.ReleaseAsync(_listeners, _module);

        _self?.Dispose();
    }
}
