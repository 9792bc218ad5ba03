using System.Diagnostics;

namespace Dashboard.Scheduler.Execution.Containment;

/// <summary>
/// The launcher of a try without a subreaper: bash in a session of its own (<c>setsid</c>), which
/// first moves itself into the try's cgroup if there is one, runs the command, and starts a watcher
/// that kills the cgroup (or else the session's process group) once the executor's pipe closes.
/// </summary>
internal static class SessionWrapper
{
    // $1 is the command, $2 the try's cgroup (empty when there is none). The wrapper enters the
    // cgroup before it starts anything, so nothing escapes it. fd 3 keeps the executor's pipe for
    // the watcher, because bash gives background jobs /dev/null as stdin.
    private const string Script = """
        if [ -n "$2" ]; then
          echo $$ > "$2/cgroup.procs" || { echo "Could not enter the try's cgroup $2" >&2; exit 125; }
        fi
        exec 3<&0
        bash -c "$1" </dev/null 3<&- &
        child=$!
        { cat <&3 >/dev/null 2>&1; if [ -n "$2" ]; then echo 1 > "$2/cgroup.kill"; else kill -KILL 0; fi; } >/dev/null 2>&1 &
        exec 3<&-
        wait "$child"
        """;

    public static ProcessStartInfo StartInfo(string command, string cgroup, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("setsid");
        foreach (var argument in new[] { "bash", "-c", Script, "dashboard-task", command, cgroup })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }
}

/// <summary>The last resort: a try is its session's process group, which a daemon that starts its own session leaves.</summary>
internal sealed class SessionContainment : TaskContainment
{
    public override TryContainer Open(Core.Transitions.ClaimedTry attempt) => new SessionTry();

    private sealed class SessionTry : TryContainer
    {
        public override ProcessStartInfo StartInfo(string command, IReadOnlyDictionary<string, string> environment) =>
            SessionWrapper.StartInfo(command, "", environment);

        // setsid made the launcher its process group's leader.
        public override void Kill(int launcher) => ProcessSignals.Kill(-launcher);
    }
}
