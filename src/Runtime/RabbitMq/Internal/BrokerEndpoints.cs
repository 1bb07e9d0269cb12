using System;
using System.Collections.Generic;
using System.Globalization;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>The broker's address as RabbitMQ.Client wants it: the endpoints, credentials and TLS of <see cref="RabbitMqOptions"/>.</summary>
internal static class BrokerEndpoints
{
    public static bool TryParse(string text, out string host, out int port)
    {
        host = string.Empty;
        port = -1;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.EndsWith(']'))
        {
            host = text.Trim();
            return true;
        }

        host = text[..colon].Trim().Trim('[', ']');
        return host.Length > 0
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port is > 0 and <= 65535;
    }

    public static ConnectionFactory Factory(RabbitMqOptions options)
    {
        var factory = new ConnectionFactory
        {
            Uri = options.ConnectionUri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = options.RecoveryInterval,
            RequestedHeartbeat = TimeSpan.FromSeconds(30),
        };
        if (options.UserName is not null)
        {
            factory.UserName = options.UserName;
        }

        if (options.Password is not null)
        {
            factory.Password = options.Password;
        }

        return factory;
    }

    public static List<AmqpTcpEndpoint> Of(RabbitMqOptions options)
    {
        var uri = options.ConnectionUri;
        var tls = options.Tls.Enabled || uri.Scheme == "amqps";
        var hosts = new List<(string Host, int Port)>();
        if (options.Endpoints.Count == 0)
        {
            hosts.Add((uri.Host, uri.IsDefaultPort ? -1 : uri.Port));
        }
        else
        {
            foreach (var endpoint in options.Endpoints)
            {
                if (TryParse(endpoint, out var host, out var port))
                {
                    hosts.Add((host, port));
                }
            }
        }

        var endpoints = new List<AmqpTcpEndpoint>(hosts.Count);
        foreach (var (host, port) in hosts)
        {
            var ssl = new SslOption
            {
                Enabled = tls,
                ServerName = options.Tls.ServerName ?? host,
                CertPath = options.Tls.CertificatePath ?? string.Empty,
                CertPassphrase = options.Tls.CertificatePassphrase ?? string.Empty,
                Version = options.Tls.Protocols,
                AcceptablePolicyErrors = options.Tls.AcceptablePolicyErrors,
            };
            endpoints.Add(new AmqpTcpEndpoint(host, port < 0 ? (tls ? AmqpTcpEndpoint.DefaultAmqpSslPort : AmqpTcpEndpoint.UseDefaultPort) : port, ssl));
        }

        return endpoints;
    }

    /// <summary>Where TaskFlow connects, without credentials, for logs and errors.</summary>
    public static string Describe(RabbitMqOptions options)
    {
        var builder = new UriBuilder(options.ConnectionUri) { Password = string.Empty, UserName = string.Empty };
        return options.Endpoints.Count == 0 ? builder.Uri.ToString() : string.Join(", ", options.Endpoints) + " (vhost " + Uri.UnescapeDataString(options.ConnectionUri.AbsolutePath.TrimStart('/') is { Length: > 0 } v ? v : "/") + ")";
    }
}
