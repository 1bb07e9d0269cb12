using Xunit;

// The scenarios stop and start the shared broker and kill processes: one at a time, never in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
