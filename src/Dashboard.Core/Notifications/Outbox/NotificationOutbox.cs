using Dashboard.Core.Persistence;
using Npgsql;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Notifications.Outbox;

/// <summary>
/// Writes events into the <c>notification</c> table inside the caller's transaction (or statement),
/// one row per channel the event's DAG routes it to, or the settings' defaults where the DAG names
/// none. A change that rolls back takes its rows with it; the delivery worker sends the rest.
/// </summary>
public static class NotificationOutbox
{
    /// <summary>
    /// An INSERT (for a CTE, or a statement of its own) of the events <paramref name="events"/>
    /// selects, in the order <c>(kind text, dag_id text, payload jsonb)</c>. Needs the parameters
    /// <c>@now</c> and <see cref="DefaultsParameter"/>. Each event gets one new id, shared by its channels.
    /// </summary>
    public static string EnqueueSql(string events) => $"""
        INSERT INTO notification (event_id, kind, channel, dag_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
        SELECT e.event_id, e.kind, c.channel, e.dag_id, e.payload, 'pending', 0, @now, @now, @now
        FROM (SELECT gen_random_uuid() AS event_id, ev.kind, ev.dag_id, ev.payload FROM ({events}) AS ev(kind, dag_id, payload)) e
        LEFT JOIN dag d ON d.dag_id = e.dag_id
        CROSS JOIN LATERAL json_array_elements_text(
            coalesce(d.notifications -> e.kind, @notification_defaults::json -> e.kind, '[]'::json)) AS c(channel)
        ON CONFLICT (event_id, channel) DO NOTHING
        """;

    public static NpgsqlParameter DefaultsParameter(NotificationRoutes routes) => P("notification_defaults", routes.DefaultsJson);

    /// <summary>
    /// The payload of a task instance's event, from columns <c>ti</c> (dag_id, task_id, try_number,
    /// state) and <c>r</c> (its run) of the caller's query.
    /// </summary>
    public const string TaskPayloadSql =
        "jsonb_build_object('dag_id', ti.dag_id, 'run_id', r.run_id, 'task_id', ti.task_id, 'try_number', ti.try_number, " +
        "'state', ti.state, 'logical_date', r.logical_date, 'occurred_at', @now)";

    /// <summary>Enqueues events that no state change's statement carries (an import error), in the caller's transaction.</summary>
    /// <returns>How many deliveries were enqueued.</returns>
    public static async Task<int> EnqueueAsync(
        DashboardDbContext db, NotificationRoutes routes, IReadOnlyCollection<OutboxEvent> events, DateTimeOffset now, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        return await db.ExecuteAsync(
            EnqueueSql("SELECT * FROM unnest(@kinds, @dags, @payloads::jsonb[]) AS x(kind, dag_id, payload)"), ct,
            P("kinds", events.Select(e => NotificationEvents.Kind(e.Event)).ToArray()),
            P("dags", events.Select(e => e.DagId).ToArray()),
            P("payloads", events.Select(e => e.PayloadJson).ToArray()),
            P("now", now),
            DefaultsParameter(routes));
    }
}

/// <summary>One event for <see cref="NotificationOutbox.EnqueueAsync"/>: its kind, its DAG (routes come from it) and what to say, as a JSON object.</summary>
public sealed record OutboxEvent(NotificationEvent Event, string? DagId, string PayloadJson);
