using Xunit;

// Each test starts broker connections and, for TaskFlow -> Python, a Celery worker process: on a 2-core
// machine shared with builds, running them one at a time keeps timings predictable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
