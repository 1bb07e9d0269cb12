using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;
using TaskFlow.Core;

namespace TaskFlow.RabbitMq;

/// <summary>Start-up validation of <see cref="RabbitMqOptions"/>: every message says what to change.</summary>
internal sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var errors = new List<string>();
        if (options.ConnectionUri is null || !options.ConnectionUri.IsAbsoluteUri || (options.ConnectionUri.Scheme != "amqp" && options.ConnectionUri.Scheme != "amqps"))
        {
            errors.Add($"RabbitMqOptions.ConnectionUri must be an absolute amqp:// or amqps:// URI (got '{options.ConnectionUri}'), e.g. {RabbitMqDefaults.ConnectionUri}.");
        }

        if (options.ManagementUri is { } management && (!management.IsAbsoluteUri || (management.Scheme != Uri.UriSchemeHttp && management.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"RabbitMqOptions.ManagementUri must be an absolute http:// or https:// URI of the management plugin (got '{management}'), e.g. http://127.0.0.1:15672/; leave it unset to derive it from the broker's host.");
        }

        foreach (var endpoint in options.Endpoints)
        {
            if (!Internal.BrokerEndpoints.TryParse(endpoint, out _, out _))
            {
                errors.Add($"RabbitMqOptions.Endpoints: '{endpoint}' is not 'host' or 'host:port' (port 1-65535).");
            }
        }

        if ((options.UserName is null) != (options.Password is null))
        {
            errors.Add("RabbitMqOptions.UserName and Password go together: set both (or neither, to use the URI's credentials).");
        }

        if (options.Tls.CertificatePassphrase is not null && options.Tls.CertificatePath is null)
        {
            errors.Add("RabbitMqOptions.Tls.CertificatePassphrase is set without Tls.CertificatePath; give the client certificate's path or remove the passphrase.");
        }

        OptionChecks.Name(errors, "RabbitMqOptions.ExchangeName", options.ExchangeName);
        OptionChecks.Name(errors, "RabbitMqOptions.DeadLetterExchangeName", options.DeadLetterExchangeName);
        OptionChecks.Name(errors, "RabbitMqOptions.DelayExchangePrefix", options.DelayExchangePrefix);
        OptionChecks.Name(errors, "RabbitMqOptions.DeadLetterQueueSuffix", options.DeadLetterQueueSuffix);
        if (string.Equals(options.ExchangeName, options.DeadLetterExchangeName, StringComparison.Ordinal))
        {
            errors.Add($"RabbitMqOptions.ExchangeName and DeadLetterExchangeName are both '{options.ExchangeName}'; give the dead-letter exchange its own name.");
        }

        if (options.DeliveryLimit < 1)
        {
            errors.Add($"RabbitMqOptions.DeliveryLimit must be at least 1 (got {options.DeliveryLimit}); it bounds redeliveries of a message that keeps crashing workers.");
        }

        foreach (var (queue, maxPriority) in options.MaxPriorities)
        {
            if (maxPriority == 0)
            {
                errors.Add($"RabbitMqOptions.MaxPriorities[\"{queue}\"] is 0; give the queue's highest priority (1-255, at most 10 advised) or remove the entry.");
            }
            else if (options.GetQueueType(queue) == QueueType.Quorum)
            {
                errors.Add(
                    $"RabbitMqOptions.MaxPriorities[\"{queue}\"] is set for a quorum queue, which takes no maximum priority. On RabbitMQ 3.x make it a classic queue " +
                    $"(QueueTypes[\"{queue}\"] = Classic; an existing queue must be recreated) to order it by priority; on RabbitMQ 4.0 and later remove the entry: " +
                    "quorum queues there honour message priorities without it.");
            }
        }

        OptionChecks.Range(errors, "RabbitMqOptions.PublishChannels", options.PublishChannels, 1, 64);
        OptionChecks.Range(errors, "RabbitMqOptions.MaxUnconfirmedPublishesPerChannel", options.MaxUnconfirmedPublishesPerChannel, 1, 10_000);
        OptionChecks.Positive(errors, "RabbitMqOptions.PublishTimeout", options.PublishTimeout);
        if (options.PublishTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"RabbitMqOptions.PublishTimeout must be at most 1 day (got {options.PublishTimeout}); it is how long a send waits for the broker's confirm (default 30 s), and a confirm that has not come within it is not coming.");
        }

        OptionChecks.Positive(errors, "RabbitMqOptions.ConsumerTimeout", options.ConsumerTimeout);
        OptionChecks.NotNegative(errors, "RabbitMqOptions.PublishRetryTimeout", options.PublishRetryTimeout, "use TimeSpan.Zero to fail at once while the broker is down.");
        if (options.RecoveryInterval < TimeSpan.FromMilliseconds(100) || options.RecoveryInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"RabbitMqOptions.RecoveryInterval must be between 100 ms and 5 minutes (got {options.RecoveryInterval}); it is how long a dropped connection waits before each reconnect.");
        }
        if (options.MaxBufferedPublishes < 0)
        {
            errors.Add($"RabbitMqOptions.MaxBufferedPublishes must not be negative (got {options.MaxBufferedPublishes}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
