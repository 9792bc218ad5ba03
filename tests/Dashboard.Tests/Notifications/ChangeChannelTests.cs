using Dashboard.Core.Notifications;

namespace Dashboard.Tests.Notifications;

public sealed class ChangeChannelTests
{
    [Theory]
    [InlineData("etl|42", "etl", 42L)]
    [InlineData("etl|0", "etl", 0L)]      // the DAG itself
    [InlineData("|0", null, 0L)]          // not about one DAG
    [InlineData("a|b|7", "a|b", 7L)]      // a bar in a dag id is the dag id's
    public void A_payload_names_a_dag_or_none_and_a_run(string payload, string? dagId, long runId) =>
        Assert.Equal((dagId, runId), ChangeChannel.Parse(payload));

    [Theory]
    [InlineData("")]
    [InlineData("etl")]
    [InlineData("etl|")]
    [InlineData("etl|run")]
    [InlineData("etl|-1")]
    [InlineData("etl| 4")]
    public void A_payload_in_another_format_is_refused(string payload) => Assert.Null(ChangeChannel.Parse(payload));
}
