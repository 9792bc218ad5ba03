using Dashboard.Core.Notifications;
using Dashboard.Testing;
using Dashboard.Web.Components.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// What keeps a page equal to the database, on a clock the test moves and with loads the test
/// finishes by hand. As on a component's dispatcher, nothing here runs at the same time as anything
/// else: the test's own calls and the timers' callbacks take turns.
/// </summary>
public sealed class LiveViewTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly ChangeNotifier _notifier;
    private readonly List<TaskCompletionSource> _loads = [];
    private readonly LiveView _live;
    private int _running;
    private int _mostAtOnce;
    private int _renders;

    public LiveViewTests()
    {
        _notifier = new ChangeNotifier(_time);
        _live = new LiveViews(_notifier, _time, NullLogger<LiveView>.Instance).Create(work => work(), LoadAsync, () => _renders++);
    }

    private async Task LoadAsync()
    {
        _mostAtOnce = Math.Max(_mostAtOnce, ++_running);
        var load = new TaskCompletionSource();
        _loads.Add(load);
        try
        {
            await load.Task;
        }
        finally
        {
            _running--;
        }
    }

    [Fact]
    public void Requests_while_a_load_runs_are_served_by_one_more_load_that_starts_after_it()
    {
        var first = _live.ReloadAsync();
        var second = _live.ReloadAsync();
        var third = _live.ReloadAsync();

        Assert.Single(_loads);
        _loads[0].SetResult();
        Assert.Equal(2, _loads.Count); // one more load for both requests made meanwhile, not two
        Assert.False(first.IsCompleted || second.IsCompleted || third.IsCompleted);

        _loads[1].SetResult();
        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully && third.IsCompletedSuccessfully);
        Assert.Equal((2, 1, 2), (_loads.Count, _mostAtOnce, _renders));
    }

    [Fact]
    public void A_request_after_the_loads_ended_starts_a_new_one()
    {
        _ = _live.ReloadAsync();
        _loads[0].SetResult();

        var next = _live.ReloadAsync();

        Assert.Equal(2, _loads.Count);
        _loads[1].SetResult();
        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_change_to_the_followed_dag_reloads_after_the_window_and_one_to_another_dag_does_not()
    {
        _live.Follow("etl");

        _notifier.Publish("other", 1);
        _notifier.Publish("etl", 2);
        _time.Advance(ChangeNotifier.DefaultWindow - TimeSpan.FromTicks(1));
        Assert.Empty(_loads);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Single(_loads);
    }

    [Fact]
    public void A_change_during_a_load_is_read_by_a_load_that_starts_after_it()
    {
        _live.Follow("etl");
        _ = _live.ReloadAsync(); // say, the first load of the page

        _notifier.Publish("etl", 1);
        _time.Advance(ChangeNotifier.DefaultWindow);
        Assert.Single(_loads);

        _loads[0].SetResult();
        Assert.Equal(2, _loads.Count);
        _loads[1].SetResult();
        Assert.Equal(1, _mostAtOnce);
    }

    [Fact]
    public void Changes_the_filter_says_do_not_concern_the_view_are_ignored_but_a_resync_never_is()
    {
        _live.Follow("etl", batch => batch.RunIds.Contains(7));

        _notifier.Publish("etl", 8);
        _time.Advance(ChangeNotifier.DefaultWindow);
        Assert.Empty(_loads);

        _notifier.PublishResync();
        _time.Advance(ChangeNotifier.DefaultWindow);
        Assert.Single(_loads);
        _loads[0].SetResult();

        _notifier.Publish("etl", 7);
        _time.Advance(ChangeNotifier.DefaultWindow);
        Assert.Equal(2, _loads.Count);
    }

    [Fact]
    public void A_failed_load_keeps_the_view_says_so_and_is_retried_with_back_off_until_it_succeeds()
    {
        _ = _live.ReloadAsync();
        _loads[0].SetException(new NpgsqlException("the server went away"));
        Assert.IsType<NpgsqlException>(_live.Failure);
        Assert.Equal(1, _renders); // the page renders its "not up to date" notice

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _loads.Count);
        _loads[1].SetException(new NpgsqlException("still away"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _loads.Count); // the second retry waits twice as long
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, _loads.Count);

        _loads[2].SetResult();
        Assert.Null(_live.Failure);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, _loads.Count); // no more retries once a load succeeded
    }

    [Fact]
    public void A_moment_that_falls_due_reloads_then_and_a_later_moment_replaces_it()
    {
        _live.ReloadAt(_time.GetUtcNow().AddMinutes(10));
        _live.ReloadAt(_time.GetUtcNow().AddMinutes(2));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Single(_loads);
        _loads[0].SetResult();

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Single(_loads);
    }

    [Fact]
    public void Nothing_loads_or_renders_once_disposed()
    {
        _live.Follow("etl");
        _live.ReloadAt(_time.GetUtcNow().AddSeconds(1));
        _live.Dispose();

        _notifier.Publish("etl", 1);
        _time.Advance(TimeSpan.FromMinutes(1));
        _ = _live.ReloadAsync();

        Assert.Empty(_loads);
        Assert.Equal(0, _renders);
    }

    public void Dispose() => _live.Dispose();
}
