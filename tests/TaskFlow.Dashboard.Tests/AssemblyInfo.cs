using Xunit;

// One browser and one application per test class; the classes share the machine's two cores and the failing switch
// of DashboardTasks: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
