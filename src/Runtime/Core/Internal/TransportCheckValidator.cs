using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace TaskFlow.Core.Internal;

/// <summary>
/// At host start-up: a transport is registered (<c>UseRabbitMq</c>) unless tasks run inline (eager mode). Not part of
/// <see cref="TaskFlowOptionsValidator"/>, so that code reading <see cref="TaskFlowOptions"/> without a host (schema
/// tooling, a state-store-only process) is not refused.
/// </summary>
internal sealed class TransportCheckValidator : IValidateOptions<TransportCheck>
{
    private readonly bool _hasTransport;
    private readonly IOptions<TaskFlowOptions> _options;

    public TransportCheckValidator(IEnumerable<TransportRegistration> transports, IOptions<TaskFlowOptions> options)
    {
        using var enumerator = transports.GetEnumerator();
        _hasTransport = enumerator.MoveNext();
        _options = options;
    }

    public ValidateOptionsResult Validate(string? name, TransportCheck options) =>
        _hasTransport || _options.Value.Eager ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(CoreServices.NoTransport);
}
