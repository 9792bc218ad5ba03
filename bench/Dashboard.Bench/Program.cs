using System.Runtime.InteropServices;
using Dashboard.Bench;

const string Usage = """
    Usage: dotnet run -c Release --project bench/Dashboard.Bench -- scheduler [--repeats N] [--profile]

      scheduler    task-instance throughput of the real scheduler and executor loops with 1, 2 and 4
                   runs in flight, against raw process-spawn and raw SQL baselines measured in the same run
      --repeats N  measurements per scenario, the median is reported (default 5)
      --profile    also count the engine's database commands per task instance, by statement
    """;

if (args is not ["scheduler", .. var rest] || SchedulerBenchmarkOptions.Parse(rest) is not { } options)
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
    return await SchedulerBenchmark.RunAsync(options, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Interrupted; the throw-away cluster was stopped and removed.");
    return 130;
}

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
