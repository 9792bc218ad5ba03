using Dashboard.Core.Notifications;
using Dashboard.Testing;

namespace Dashboard.Tests.Notifications;

/// <summary>The in-process notifier on a clock the test moves: what each subscriber gets, and when.</summary>
public sealed class ChangeNotifierTests
{
    private static readonly TimeSpan Window = ChangeNotifier.DefaultWindow;

    private readonly ManualTimeProvider _time = new();
    private readonly ChangeNotifier _notifier;

    public ChangeNotifierTests() => _notifier = new ChangeNotifier(_time);

    [Fact]
    public void A_burst_within_one_window_is_one_batch_for_the_dags_subscriber()
    {
        using var changes = RecordedChanges.Subscribe(_notifier, "etl");

        for (var run = 1; run <= 100; run++)
        {
            _notifier.Publish("etl", run);
        }

        _notifier.Publish("other", 1000);
        _time.Advance(Window - TimeSpan.FromTicks(1));
        Assert.Empty(changes.Batches);

        _time.Advance(TimeSpan.FromTicks(1));
        var batch = Assert.Single(changes.Batches);
        Assert.Equal(["etl"], batch.DagIds);
        Assert.Equal(Enumerable.Range(1, 100).Select(run => (long)run), batch.RunIds.Order());
        Assert.False(batch.Unscoped || batch.Resync);
    }

    [Fact]
    public void Disposing_a_subscription_stops_its_deliveries_even_of_changes_already_waiting()
    {
        var changes = RecordedChanges.Subscribe(_notifier, "etl");
        _notifier.Publish("etl", 1);

        changes.Dispose();
        _notifier.Publish("etl", 2);
        _notifier.PublishResync();
        _time.Advance(Window * 4);

        Assert.Empty(changes.Batches);
        Assert.Equal(0, _notifier.SubscriberCount);
    }

    [Fact]
    public void The_callback_never_overlaps_itself_and_changes_during_it_come_in_the_next_batch()
    {
        var batches = new List<ChangeBatch>();
        var (running, mostAtOnce) = (0, 0);
        var firstMayFinish = new TaskCompletionSource();
        using var subscription = _notifier.Subscribe("etl", async batch =>
        {
            mostAtOnce = Math.Max(mostAtOnce, ++running);
            batches.Add(batch);
            if (batches.Count == 1)
            {
                await firstMayFinish.Task;
            }

            running--;
        });

        _notifier.Publish("etl", 1);
        _time.Advance(Window);
        Assert.Equal(1, running); // the first callback is still busy

        _notifier.Publish("etl", 2);
        _notifier.Publish("etl", 3);
        _time.Advance(Window * 4);
        Assert.Single(batches);

        // The busy callback returns; what came meanwhile has waited a window already, so it goes at once.
        firstMayFinish.SetResult();
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(2, batches.Count);
        Assert.Equal([1L], batches[0].RunIds);
        Assert.Equal([2L, 3L], batches[1].RunIds.Order());
        Assert.Equal(1, mostAtOnce);
    }

    [Fact]
    public void A_change_during_a_short_callback_still_waits_its_own_window()
    {
        var batches = new List<ChangeBatch>();
        var firstMayFinish = new TaskCompletionSource();
        using var subscription = _notifier.Subscribe("etl", async batch =>
        {
            batches.Add(batch);
            if (batches.Count == 1)
            {
                await firstMayFinish.Task;
            }
        });

        _notifier.Publish("etl", 1);
        _time.Advance(Window);
        _notifier.Publish("etl", 2);
        firstMayFinish.SetResult();

        // A burst that starts while the page refreshes is still coalesced: one window from its first change.
        _time.Advance(Window - TimeSpan.FromTicks(1));
        Assert.Single(batches);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal([2L], batches[1].RunIds);
    }

    [Fact]
    public void A_throwing_callback_breaks_neither_the_other_subscribers_nor_its_own_later_batches()
    {
        var throwingCalls = 0;
        var faultingCalls = 0;
        using var throwing = _notifier.Subscribe("etl", _ =>
        {
            throwingCalls++;
            throw new InvalidOperationException("The page's query failed.");
        });
        using var faulting = _notifier.Subscribe("etl", _ =>
        {
            faultingCalls++;
            return Task.FromException(new InvalidOperationException("The page's query failed."));
        });
        using var healthy = RecordedChanges.Subscribe(_notifier, "etl");

        _notifier.Publish("etl", 1);
        _time.Advance(Window);
        _notifier.Publish("etl", 2);
        _time.Advance(Window);

        Assert.Equal((2, 2), (throwingCalls, faultingCalls));
        Assert.Equal([[1L], [2L]], healthy.Batches.Select(b => b.RunIds.ToArray()));
    }

    [Fact]
    public void A_change_not_about_one_dag_reaches_only_the_all_dag_subscribers()
    {
        using var everything = RecordedChanges.Subscribe(_notifier, dagId: null);
        using var oneDag = RecordedChanges.Subscribe(_notifier, "etl");

        _notifier.Publish(dagId: null, runId: 0);
        _time.Advance(Window);

        var batch = Assert.Single(everything.Batches);
        Assert.True(batch.Unscoped);
        Assert.Empty(batch.DagIds);
        Assert.False(batch.Touches("etl"));
        Assert.Empty(oneDag.Batches);
    }

    [Fact]
    public void A_resync_reaches_every_subscriber_and_touches_every_dag()
    {
        using var everything = RecordedChanges.Subscribe(_notifier, dagId: null);
        using var oneDag = RecordedChanges.Subscribe(_notifier, "etl");

        _notifier.PublishResync();
        _time.Advance(Window);

        Assert.True(Assert.Single(everything.Batches).Resync);
        Assert.True(Assert.Single(oneDag.Batches).Touches("etl"));
    }
}
