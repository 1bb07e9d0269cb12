using System;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace TaskFlow.Runtime.Tests;

/// <summary>
/// The local broker's management API (scripts/rabbitmq.sh enables it on 127.0.0.1:15672). Its lists lag a few seconds
/// behind the broker (collect_statistics_interval, 5 s by default).
/// </summary>
internal static class BrokerManagement
{
    public static HttpClient Client()
    {
        var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:15672/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return http;
    }

    /// <summary>The broker's names of the connections whose client-provided name matches <paramref name="clientName"/>.</summary>
    public static async Task<string[]> ConnectionNamesAsync(HttpClient http, Func<string, bool> clientName)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("api/connections?columns=name,client_properties"));
        return document.RootElement.EnumerateArray()
            .Where(c => c.TryGetProperty("client_properties", out var p) && p.TryGetProperty("connection_name", out var n) && n.GetString() is { } name && clientName(name))
            .Select(c => c.GetProperty("name").GetString()!)
            .ToArray();
    }
}
