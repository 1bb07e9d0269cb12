using System;

namespace TaskFlow;

/// <summary>Marks a task parameter as a service resolved from the task's DI scope rather than a message argument.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromServicesAttribute : Attribute
{
}
