using Microsoft.CodeAnalysis;

namespace TaskFlow.Generators;

public sealed partial class TaskGenerator
{
    internal static partial class Parser
    {
        private const string SensitiveAttributeName = "TaskFlow.SensitiveAttribute";

        /// <summary>Whether <paramref name="parameter"/> carries <c>[TaskFlow.Sensitive]</c>.</summary>
        private static bool IsSensitive(IParameterSymbol parameter)
        {
            foreach (var attribute in parameter.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == SensitiveAttributeName)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
