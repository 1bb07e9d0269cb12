using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace TaskFlow.Core;

/// <summary>
/// Binds an options object from a configuration section the way every TaskFlow step does: a key that matches no
/// option is an error at start-up (a misspelt <c>Prefetch</c> must not silently fall back to the default), except the
/// subsections that belong to other steps (<c>TaskFlow:RabbitMq</c> is not an option of <see cref="TaskFlowOptions"/>).
/// </summary>
internal static class ConfigurationCheck
{
    public static void Bind(IConfiguration configuration, object options, IReadOnlyCollection<string> otherSteps)
    {
        var visible = otherSteps.Count == 0 ? configuration : new Without(configuration, otherSteps);
        try
        {
            visible.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's innermost message names the unknown key or the value it could not convert.
            var cause = ex;
            while (cause.InnerException is InvalidOperationException inner)
            {
                cause = inner;
            }

            var path = configuration is IConfigurationSection section ? section.Path : "(root)";
            throw new InvalidOperationException($"TaskFlow: the configuration section '{path}' does not fit {options.GetType().Name}: {cause.Message} Fix or remove the key (see docs/configuration.md for every option).", ex);
        }
    }

    /// <summary>A view of a section without some of its children.</summary>
    private sealed class Without : IConfiguration
    {
        private readonly IConfiguration _inner;
        private readonly IReadOnlyCollection<string> _hidden;

        public Without(IConfiguration inner, IReadOnlyCollection<string> hidden)
        {
            _inner = inner;
            _hidden = hidden;
        }

        public string? this[string key]
        {
            get => _inner[key];
            set => _inner[key] = value;
        }

        public IEnumerable<IConfigurationSection> GetChildren() =>
            _inner.GetChildren().Where(child => !_hidden.Contains(child.Key, StringComparer.OrdinalIgnoreCase));

        public IChangeToken GetReloadToken() => _inner.GetReloadToken();

        public IConfigurationSection GetSection(string key) => _inner.GetSection(key);
    }
}
