using System;

namespace TaskFlow;

/// <summary>
/// Marks a parameter of a <c>[Task]</c> method whose value must not be shown: the generated descriptor records it, and
/// every message sent for the task carries the header <c>x-taskflow-sensitive</c> (positions and names of such
/// arguments) and an <c>argsrepr</c> with <c>***</c> in their place. The dashboard, the <c>taskflow</c> CLI and the
/// runtime's logs show <c>***</c> for them, also where the task's assembly is not loaded (the header travels with the
/// message). The arguments themselves stay intact in the message body, so the task runs, retries and re-drives as usual.
/// </summary>
/// <example><code>
/// [Task]
/// public static Task ResetPassword(long userId, [Sensitive] string newPassword) => ...;
/// </code></example>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class SensitiveAttribute : Attribute
{
}
