using Xunit;

// The tests share the switch that makes CliTasks.Flaky fail (CliTasks.Failing) and the machine's two cores: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
