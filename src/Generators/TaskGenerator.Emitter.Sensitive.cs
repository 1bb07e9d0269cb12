using TaskFlow.Generators.Model;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// The initializer that marks a <c>[Sensitive]</c> argument in the descriptor; the runtime then sends the header
        /// <c>x-taskflow-sensitive</c> with every message of the task and redacts its <c>argsrepr</c>.
        /// </summary>
        private static string SensitiveInitializer(ParameterSpec argument) => argument.Sensitive ? " { Sensitive = true }" : "";
    }
}
