using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Shouldly;
using TaskFlow.Core;
using TaskFlow.Infrastructure;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary><c>[Task(MaxConcurrency)]</c> without a broker: the start-up check and the resource a permit belongs to.</summary>
public sealed class ConcurrencyLimitsTests
{
    [Fact]
    public void A_limited_task_without_a_state_store_fails_start_up_with_what_to_add()
    {
        var limited = new TaskDescriptor("reports.export", null, "M", [], static _ => default) { MaxConcurrency = 2 };
        var plain = new TaskDescriptor("reports.plain", null, "M", [], static _ => default);

        var problems = new ConcurrencyLimits(null).Problems([limited, plain]).ToList();

        problems.ShouldHaveSingleItem().ShouldBe("Task reports.export is declared [Task(MaxConcurrency = 2)], which counts running tasks across workers in the state store: add .AddStateStore(...) after services.AddTaskFlow(...), or remove MaxConcurrency.");
        new ConcurrencyLimits(new NoLocks()).Problems([limited, plain]).ShouldBeEmpty();
        new ConcurrencyLimits(null).Applies(limited).ShouldBeFalse();
        new ConcurrencyLimits(new NoLocks()).Applies(limited).ShouldBeTrue();
        new ConcurrencyLimits(new NoLocks()).Applies(plain).ShouldBeFalse();
    }

    [Fact]
    public void The_permits_belong_to_the_concurrency_key_else_to_the_task()
    {
        var task = new TaskDescriptor("reports.export", null, "M", [], static _ => default) { MaxConcurrency = 1 };
        var keyed = new TaskHeaders("id", task.Name, 0, null, null, null, null, null, null, null, false, new Dictionary<string, object?>()) { ConcurrencyKey = "tenant:42" };
        var plain = keyed with { ConcurrencyKey = null };

        ConcurrencyLimits.ResourceOf(task, keyed).ShouldBe("tenant:42");
        ConcurrencyLimits.ResourceOf(task, plain).ShouldBe("task:reports.export");
        Enumerable.Range(0, 200).Select(_ => ConcurrencyLimits.RecheckDelay())
            .ShouldAllBe(delay => delay >= TimeSpan.FromSeconds(1) && delay <= TimeSpan.FromSeconds(3));
    }

    private sealed class NoLocks : ITaskLocks
    {
        public Task<ITaskLock?> TryAcquireAsync(string name, int permits = 1, CancellationToken cancellationToken = default) => Task.FromResult<ITaskLock?>(null);

        public Task<ITaskLock> AcquireAsync(string name, TimeSpan timeout, int permits = 1, CancellationToken cancellationToken = default) => throw new TimeoutException();
    }
}
