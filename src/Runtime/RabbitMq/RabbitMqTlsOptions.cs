using System.Net.Security;
using System.Security.Authentication;

namespace TaskFlow.RabbitMq;

/// <summary>TLS to the broker (<see cref="RabbitMqOptions.Tls"/>).</summary>
public sealed class RabbitMqTlsOptions
{
    /// <summary>Use TLS. An <c>amqps://</c> URI switches it on too.</summary>
    /// <value>Default <c>false</c>.</value>
    public bool Enabled { get; set; }

    /// <summary>The name the broker's certificate must carry.</summary>
    /// <value>Default: the host connected to.</value>
    public string? ServerName { get; set; }

    /// <summary>A client certificate (PKCS#12 or PEM file) for mutual TLS.</summary>
    /// <value>Default: none.</value>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassphrase { get; set; }

    /// <summary>TLS versions allowed.</summary>
    /// <value>Default: the operating system's choice.</value>
    public SslProtocols Protocols { get; set; } = SslProtocols.None;

    /// <summary>Certificate problems to accept (e.g. a name mismatch on a test broker). Never in production.</summary>
    /// <value>Default: none accepted.</value>
    public SslPolicyErrors AcceptablePolicyErrors { get; set; } = SslPolicyErrors.None;
}
