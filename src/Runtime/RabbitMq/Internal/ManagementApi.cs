using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// The few calls of the RabbitMQ management HTTP API that operations need (the queues of the virtual host with their
/// figures), signed in with the AMQP credentials of <see cref="RabbitMqOptions"/>.
/// </summary>
internal sealed class ManagementApi : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly HttpClient _http;
    private readonly string _virtualHost;

    public ManagementApi(RabbitMqOptions options)
    {
        BaseUri = UriOf(options);
        var factory = BrokerEndpoints.Factory(options);
        _virtualHost = factory.VirtualHost;
        _http = new HttpClient { BaseAddress = BaseUri, Timeout = RequestTimeout };
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(factory.UserName + ":" + factory.Password));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
    }

    /// <summary>The API's root (<see cref="RabbitMqOptions.ManagementUri"/> or derived from the broker's host).</summary>
    public Uri BaseUri { get; }

    /// <summary><see cref="RabbitMqOptions.ManagementUri"/>, else <c>http://{host}:15672/</c> (<c>https://{host}:15671/</c> with TLS) of the first endpoint.</summary>
    public static Uri UriOf(RabbitMqOptions options)
    {
        if (options.ManagementUri is { } configured)
        {
            return configured.AbsoluteUri.EndsWith('/') ? configured : new Uri(configured.AbsoluteUri + "/");
        }

        var host = options.ConnectionUri.Host;
        if (options.Endpoints.Count > 0 && BrokerEndpoints.TryParse(options.Endpoints[0], out var first, out _))
        {
            host = first;
        }

        var tls = options.Tls.Enabled || options.ConnectionUri.Scheme == "amqps";
        return new UriBuilder(tls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp, host, tls ? 15671 : 15672, "/").Uri;
    }

    /// <summary>Every queue of the virtual host with its figures.</summary>
    /// <exception cref="HttpRequestException">The API could not be reached or refused the request.</exception>
    public async Task<List<ManagedQueue>> GetQueuesAsync(CancellationToken cancellationToken)
    {
        var path = "api/queues/" + Uri.EscapeDataString(_virtualHost)
            + "?columns=name,type,arguments,messages_ready,messages_unacknowledged,consumers,head_message_timestamp,"
            + "message_stats.publish_details.rate,message_stats.deliver_get_details.rate";
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase} from {BaseUri}{path.Split('?')[0]}", null, response.StatusCode);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var queues = new List<ManagedQueue>();
            foreach (var queue in document.RootElement.EnumerateArray())
            {
                string? deadLetterExchange = null;
                if (queue.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object
                    && arguments.TryGetProperty("x-dead-letter-exchange", out var dlx) && dlx.ValueKind == JsonValueKind.String)
                {
                    deadLetterExchange = dlx.GetString();
                }

                DateTimeOffset? head = null;
                if (queue.TryGetProperty("head_message_timestamp", out var timestamp) && timestamp.ValueKind == JsonValueKind.Number)
                {
                    head = DateTimeOffset.FromUnixTimeSeconds(timestamp.GetInt64());
                }

                double? publish = null;
                double? deliver = null;
                if (queue.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object)
                {
                    publish = Rate(stats, "publish_details");
                    deliver = Rate(stats, "deliver_get_details");
                }

                queues.Add(new ManagedQueue(
                    queue.GetProperty("name").GetString()!,
                    queue.TryGetProperty("type", out var type) ? type.GetString() : null,
                    Long(queue, "messages_ready"),
                    Long(queue, "messages_unacknowledged"),
                    Long(queue, "consumers"),
                    publish ?? 0,
                    deliver ?? 0,
                    head,
                    deadLetterExchange));
            }

            return queues;
        }
    }

    public void Dispose() => _http.Dispose();

    private static long Long(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static double? Rate(JsonElement stats, string name) =>
        stats.TryGetProperty(name, out var details) && details.ValueKind == JsonValueKind.Object
        && details.TryGetProperty("rate", out var rate) && rate.ValueKind == JsonValueKind.Number
            ? Math.Round(rate.GetDouble(), 2, MidpointRounding.AwayFromZero)
            : null;

    public override string ToString() => BaseUri.ToString();
}
