using Dashboard.Core.Connections;

namespace Dashboard.Tests.Connections;

/// <summary>Airflow's connection URI, as DASHBOARD_CONN_ID and the command line's --conn-uri take it, and the masking of what a try could see.</summary>
public sealed class ConnectionUriTests
{
    [Fact]
    public void A_uri_with_every_part_percent_encoded_reads_back_as_its_fields()
    {
        var fields = ConnectionUri.Parse("postgresql://etl%40corp:p%40ss+w%3Ard@db.example.com:6432/trips%20db?sslmode=require&application_name=dash+board");

        Assert.Equal(new ConnectionFields("postgres", "db.example.com", 6432, "trips db", "etl@corp", "p@ss+w:rd",
            """{"sslmode":"require","application_name":"dash board"}"""), fields);
    }

    [Fact]
    public void The_extra_as_json_survives_a_round_trip_and_the_password_is_left_out_unless_asked_for()
    {
        var fields = new ConnectionFields("google_cloud_platform", "h", null, null, "me", "s3cr3t/+", """{"scope":["a","b"],"n":1}""");

        Assert.Equal(fields, ConnectionUri.Parse(ConnectionUri.Format(fields, includePassword: true)));
        Assert.Equal("google-cloud-platform://me@h?__extra__=%7B%22scope%22%3A%5B%22a%22%2C%22b%22%5D%2C%22n%22%3A1%7D",
            ConnectionUri.Format(fields, includePassword: false));
        Assert.Equal(new ConnectionFields("http", "api.example.com"), ConnectionUri.Parse("http://api.example.com"));
    }

    [Theory]
    [InlineData("db.example.com:5432", "a connection URI starts with its type and '://', as in postgres://login:password@host:5432/database")]
    [InlineData("postgres://u:secret@h:99999/db", "the port of a connection URI must be a number from 1 to 65535")]
    [InlineData("postgres://u:secret@h:port/db", "the port of a connection URI must be a number from 1 to 65535")]
    [InlineData("pg sql://h", "'pg sql' is not a connection type: use letters, digits and '_'")]
    [InlineData("http://h?__extra__=%5B1%5D", "__extra__ must be a JSON object")]
    public void A_malformed_uri_is_refused_without_quoting_it(string uri, string message)
    {
        var error = Assert.Throws<FormatException>(() => ConnectionUri.Parse(uri));
        Assert.Equal(message, error.Message);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_masker_hides_each_secret_as_written_url_encoded_and_json_escaped_but_not_values_too_short_to_mask()
    {
        var masker = new SecretMasker(["pa ss\"word/1", "abc", "token-123", "token-123456"]);

        Assert.Equal("*** *** *** *** abc", masker.Apply("pa ss\"word/1 pa%20ss%22word%2F1 pa ss\\u0022word/1 token-123456 abc"));
        Assert.Equal("***", masker.Apply("token-123"));
        Assert.Same("nothing secret", SecretMasker.None.Apply("nothing secret"));
    }

    [Fact]
    public void Sensitive_fields_of_an_extra_are_redacted_at_any_depth_and_variables_named_like_secrets_are_secret()
    {
        var extra = System.Text.Json.Nodes.JsonNode.Parse("""{"sslmode": "require", "auth": {"api_key": "k1", "user": "u"}, "private_key": {"pem": "----"}}""")!.AsObject();

        Assert.Equal("""{"sslmode":"require","auth":{"api_key":"***","user":"u"},"private_key":"***"}""", SensitiveNames.Redact(extra).ToJsonString());
        Assert.Equal(["k1", "----"], SensitiveNames.SensitiveStrings(extra));
        Assert.True(SensitiveNames.IsSensitive("STRIPE_API_KEY"));
        Assert.False(SensitiveNames.IsSensitive("bucket"));
    }
}
