using System.Runtime.InteropServices;
using Dashboard.Bench;

const string Usage = """
    Usage: dotnet run -c Release --project bench/Dashboard.Bench -- scheduler [--repeats N] [--profile]
           dotnet run -c Release --project bench/Dashboard.Bench -- grid [--repeats N] [--pages N] [--changes N]
           dotnet run -c Release --project bench/Dashboard.Bench -- clear [--repeats N]
           dotnet run -c Release --project bench/Dashboard.Bench -- backfill [--repeats N]
           dotnet run -c Release --project bench/Dashboard.Bench -- graph [--repeats N]

      scheduler    task-instance throughput of the real scheduler and executor loops with 1, 2 and 4
                   runs in flight, against raw process-spawn and raw SQL baselines measured in the same run
      --repeats N  measurements per scenario, the median is reported (default 5)
      --profile    also count the engine's database commands per task instance, by statement

      grid         the grid page at 1,000 tasks × 25 and 100 runs and 5,000 tasks × 100 runs: load times in
                   Chromium, first-render bytes per cell, live changes, memory per open page, scrolling
                   5,000 rows and the model build, each against a baseline measured in the same run
      --repeats N  page loads and model builds per measurement, the median is reported (default 9)
      --pages N    browser pages open at once for the memory measurement (default 10)
      --changes N  single committed cell changes timed from commit to the browser (default 41)

      clear        clearing a task with its downstream over 365 daily runs (10,220 task instances) end to end
                   through the clear service, against one raw SQL UPDATE of the same rows measured in the same run
      --repeats N  measurements of each, the median is reported (default 15)

      backfill     creating a ten-year daily backfill of a 20-task DAG (3,650 runs, 73,000 task instances) end to end
                   through the backfill service, against a raw bulk insert of the same rows measured in the same run
      --repeats N  measurements of each, the median is reported (default 9)

      graph        the Graph view of a generated 1,000-task DAG in groups: server layout time, cold and cached,
                   and in Chromium the Graph page's first paint and readiness against the Grid page's
      --repeats N  measurements of each, the median is reported (default 9)
    """;

Func<CancellationToken, Task<int>>? benchmark = args switch
{
    ["scheduler", .. var rest] when SchedulerBenchmarkOptions.Parse(rest) is { } options => ct => SchedulerBenchmark.RunAsync(options, ct),
    ["grid", .. var rest] when GridBenchmarkOptions.Parse(rest) is { } options => ct => GridBenchmark.RunAsync(options, ct),
    ["clear", .. var rest] when RepeatsOptions.Parse(rest, defaultRepeats: 15) is { } options => ct => ClearBenchmark.RunAsync(options, ct),
    ["backfill", .. var rest] when RepeatsOptions.Parse(rest, defaultRepeats: 9) is { } options => ct => BackfillBenchmark.RunAsync(options, ct),
    ["graph", .. var rest] when RepeatsOptions.Parse(rest, defaultRepeats: 9) is { } options => ct => GraphBenchmark.RunAsync(options, ct),
    _ => null,
};
if (benchmark is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

// Ctrl+C and SIGTERM cancel the benchmark instead of killing the process, so the throw-away
// PostgreSQL cluster is stopped and its directory removed on the way out.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

try
{
    return await benchmark(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Interrupted; the throw-away cluster was stopped and removed.");
    return 130;
}
catch (Exception e)
{
    // A benchmark that cannot finish says why and exits with 70, after its sandbox was cleaned up on the way out.
    Console.Error.WriteLine($"The benchmark could not finish: {e.GetType().Name}: {e.Message}");
    Console.Error.WriteLine(e.StackTrace);
    return 70;
}

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
