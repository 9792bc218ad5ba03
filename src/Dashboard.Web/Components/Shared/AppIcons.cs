namespace Dashboard.Web.Components.Shared;

/// <summary>
/// The app's icons as CSS classes, each named as the Material icon of MudBlazor's it draws. Any
/// MudBlazor icon parameter takes them: an icon that is not SVG markup is drawn as a span with its
/// class, and <see cref="Hosting.IconStylesheet"/> paints each class with that icon as a CSS mask,
/// from a stylesheet the browser caches. SVG markup would cross the wire on every page twice (in the
/// prerendered HTML and in the circuit's first render, once more for each component that passes the
/// icon on): the app bar's and the navigation's icons alone were 40 KB of every page's first render.
/// </summary>
public static class AppIcons
{
    public static class Filled
    {
        public const string AccountCircle = "app-icon filled-account-circle";

        public const string AccountTree = "app-icon filled-account-tree";

        public const string Add = "app-icon filled-add";

        public const string AdminPanelSettings = "app-icon filled-admin-panel-settings";

        public const string AlarmOff = "app-icon filled-alarm-off";

        public const string ArrowDownward = "app-icon filled-arrow-downward";

        public const string ArrowDropDown = "app-icon filled-arrow-drop-down";

        public const string ArrowUpward = "app-icon filled-arrow-upward";

        public const string BrightnessAuto = "app-icon filled-brightness-auto";

        public const string Cable = "app-icon filled-cable";

        public const string CalendarMonth = "app-icon filled-calendar-month";

        public const string Cancel = "app-icon filled-cancel";

        public const string Check = "app-icon filled-check";

        public const string CheckCircle = "app-icon filled-check-circle";

        public const string ChevronLeft = "app-icon filled-chevron-left";

        public const string ChevronRight = "app-icon filled-chevron-right";

        public const string Close = "app-icon filled-close";

        public const string Code = "app-icon filled-code";

        public const string DarkMode = "app-icon filled-dark-mode";

        public const string DataObject = "app-icon filled-data-object";

        public const string Delete = "app-icon filled-delete";

        public const string Description = "app-icon filled-description";

        public const string Download = "app-icon filled-download";

        public const string East = "app-icon filled-east";

        public const string Edit = "app-icon filled-edit";

        public const string Error = "app-icon filled-error";

        /// <summary>An expanded group's toggle in the grid, drawn by js/grid.js.</summary>
        public const string ExpandMore = "app-icon filled-expand-more";

        public const string FilterList = "app-icon filled-filter-list";

        public const string FitScreen = "app-icon filled-fit-screen";

        public const string Flag = "app-icon filled-flag";

        public const string FormatListBulleted = "app-icon filled-format-list-bulleted";

        public const string Group = "app-icon filled-group";

        public const string HeartBroken = "app-icon filled-heart-broken";

        public const string History = "app-icon filled-history";

        public const string HourglassTop = "app-icon filled-hourglass-top";

        public const string Info = "app-icon filled-info";

        public const string Key = "app-icon filled-key";

        public const string Keyboard = "app-icon filled-keyboard";

        public const string LastPage = "app-icon filled-last-page";

        public const string LightMode = "app-icon filled-light-mode";

        public const string Lock = "app-icon filled-lock";

        public const string Logout = "app-icon filled-logout";

        public const string Menu = "app-icon filled-menu";

        public const string NetworkCheck = "app-icon filled-network-check";

        public const string NoteAdd = "app-icon filled-note-add";

        public const string NotificationsActive = "app-icon filled-notifications-active";

        public const string OpenInNew = "app-icon filled-open-in-new";

        public const string Password = "app-icon filled-password";

        public const string Pause = "app-icon filled-pause";

        public const string Person = "app-icon filled-person";

        public const string PersonAdd = "app-icon filled-person-add";

        public const string PersonOff = "app-icon filled-person-off";

        public const string PlayArrow = "app-icon filled-play-arrow";

        public const string Policy = "app-icon filled-policy";

        public const string Refresh = "app-icon filled-refresh";

        public const string Replay = "app-icon filled-replay";

        public const string RestartAlt = "app-icon filled-restart-alt";

        public const string Save = "app-icon filled-save";

        public const string Schedule = "app-icon filled-schedule";

        public const string Search = "app-icon filled-search";

        public const string Send = "app-icon filled-send";

        public const string SkipNext = "app-icon filled-skip-next";

        public const string SouthEast = "app-icon filled-south-east";

        public const string Timeline = "app-icon filled-timeline";

        public const string TouchApp = "app-icon filled-touch-app";

        public const string UnfoldLess = "app-icon filled-unfold-less";

        public const string UnfoldMore = "app-icon filled-unfold-more";

        public const string Upload = "app-icon filled-upload";

        public const string ViewList = "app-icon filled-view-list";

        public const string ViewModule = "app-icon filled-view-module";

        public const string ViewTimeline = "app-icon filled-view-timeline";

        public const string Warning = "app-icon filled-warning";

        public const string ZoomIn = "app-icon filled-zoom-in";

        public const string ZoomOut = "app-icon filled-zoom-out";
    }

    public static class Outlined
    {
        public const string AccountTree = "app-icon outlined-account-tree";

        public const string Cable = "app-icon outlined-cable";

        public const string DataObject = "app-icon outlined-data-object";

        public const string Description = "app-icon outlined-description";

        public const string ErrorOutline = "app-icon outlined-error-outline";

        public const string History = "app-icon outlined-history";

        public const string HourglassEmpty = "app-icon outlined-hourglass-empty";

        public const string Inbox = "app-icon outlined-inbox";

        public const string Lock = "app-icon outlined-lock";

        public const string NotificationsOff = "app-icon outlined-notifications-off";

        public const string PlayCircle = "app-icon outlined-play-circle";

        public const string Policy = "app-icon outlined-policy";

        public const string SearchOff = "app-icon outlined-search-off";

        public const string Terminal = "app-icon outlined-terminal";

        public const string Timeline = "app-icon outlined-timeline";

        public const string TravelExplore = "app-icon outlined-travel-explore";

        public const string ViewTimeline = "app-icon outlined-view-timeline";
    }
}
